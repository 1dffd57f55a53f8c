#include "core/revision.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <vector>

#include <fmt/format.h>

namespace kb {
namespace {

constexpr const char* kRevisionPrefix = "r";

bool fsync_path(const fs::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::vector<std::string> revision_names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string n = e.path().filename().string();
    if (e.is_directory() && n.rfind(kRevisionPrefix, 0) == 0) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::optional<std::string> IndexLayout::current() const {
  std::ifstream in(current_file());
  std::string name;
  if (!in || !std::getline(in, name) || name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) return std::nullopt;
  return name;
}

std::string IndexLayout::next_revision_name() const {
  unsigned long long last = 0;
  for (const auto& n : revision_names(revisions_dir())) {
    last = std::max(last, std::strtoull(n.c_str() + 1, nullptr, 10));
  }
  return fmt::format("{}{:08d}", kRevisionPrefix, last + 1);
}

Status IndexLayout::publish(const std::string& name) const {
  const fs::path dir = revision_dir(name);
  if (!fsync_path(dir, true) || !fsync_path(revisions_dir(), true)) {
    return Status::error(fmt::format("cannot sync {}", dir.string()));
  }
  // The shard links first: a server that sees the new CURRENT then finds
  // its shards there (and waits for them when they are elsewhere).
  std::error_code ec;
  const fs::path links = root_ / "shards";
  size_t k = 0;
  for (; fs::exists(IndexLayout::shard_path(dir, k), ec); ++k) {
    fs::create_directories(links, ec);
    const fs::path tmp = links / (std::to_string(k) + ".tmp");
    fs::remove(tmp, ec);
    fs::create_directory_symlink(fs::path("..") / "revisions" / name / "shards" / std::to_string(k), tmp, ec);
    if (!ec) fs::rename(tmp, shard_link(k), ec);
    if (ec) return Status::error(fmt::format("cannot link {}: {}", shard_link(k).string(), ec.message()));
  }
  if (k == 0) {
    fs::remove_all(links, ec);
  } else {
    for (size_t extra = k; fs::is_symlink(shard_link(extra), ec); ++extra) fs::remove(shard_link(extra), ec);
  }
  const fs::path tmp = root_ / "CURRENT.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << name << '\n';
    out.flush();
    if (!out) return Status::error(fmt::format("cannot write {}", tmp.string()));
  }
  if (!fsync_path(tmp, false)) return Status::error(fmt::format("cannot sync {}", tmp.string()));
  fs::rename(tmp, current_file(), ec);
  if (ec) return Status::error(fmt::format("cannot publish {}: {}", current_file().string(), ec.message()));
  fsync_path(root_, true);
  return Status::ok();
}

void IndexLayout::collect_garbage(size_t keep) const {
  auto names = revision_names(revisions_dir());
  auto cur = current();
  if (names.size() <= keep) return;
  for (size_t i = 0; i + keep < names.size(); ++i) {
    if (cur && names[i] == *cur) continue;
    std::error_code ec;
    fs::remove_all(revision_dir(names[i]), ec);  // best effort; retried next run
  }
}

void IndexLayout::remove_abandoned() const {
  const auto cur = current();
  const unsigned long long published = cur ? std::strtoull(cur->c_str() + 1, nullptr, 10) : 0;
  for (const auto& n : revision_names(revisions_dir())) {
    if (std::strtoull(n.c_str() + 1, nullptr, 10) <= published) continue;
    std::error_code ec;
    fs::remove_all(revision_dir(n), ec);  // best effort; retried next run
  }
  std::error_code ec;
  fs::remove(root_ / "CURRENT.tmp", ec);
}

Result<std::unique_ptr<IndexLock>> IndexLock::acquire(const IndexLayout& layout) {
  std::error_code ec;
  fs::create_directories(layout.root(), ec);
  if (ec) return Status::error(fmt::format("cannot create index folder {}: {}", layout.root().string(), ec.message()));
  int fd = ::open(layout.lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::error(fmt::format("cannot open {}", layout.lock_file().string()));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::error(fmt::format("another kb-index is already writing {}", layout.root().string()));
  }
  // Without this, a run killed before publishing leaves a copy of the whole
  // revision behind each time, and collect_garbage, keeping the newest
  // folders, would keep those and delete the published revisions that
  // readers may still be using.
  layout.remove_abandoned();
  return std::unique_ptr<IndexLock>(new IndexLock(fd));
}

IndexLock::~IndexLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

Status copy_revision(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy(from, to, fs::copy_options::recursive, ec);
  if (ec) return Status::error(fmt::format("cannot copy {} to {}: {}", from.string(), to.string(), ec.message()));
  return Status::ok();
}

}  // namespace kb
