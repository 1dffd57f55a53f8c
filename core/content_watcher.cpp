#include "core/content_watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/media.h"
#include "core/synonyms.h"

namespace kb {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kFolderEvents = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW;
// How often wait() looks at the stop flag when nothing happens.
constexpr int kStopCheckMs = 200;

bool hidden(const std::string& name) { return !name.empty() && name[0] == '.'; }
bool is_article(const std::string& name) { return name.size() > 3 && name.ends_with(".md") && !hidden(name); }
// Images republish the articles that show them; synonyms.txt, the index.
bool is_content(const std::string& folder, const std::string& name) {
  return is_article(name) || (!hidden(name) && image_content_type(name)) ||
         (folder.empty() && name == kSynonymsFile);
}

}  // namespace

Result<std::unique_ptr<ContentWatcher>> ContentWatcher::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::error(fmt::format("content folder {} does not exist", dir.string()));
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return Status::error(fmt::format("cannot watch {}: {}", dir.string(), std::strerror(errno)));
  // A symlinked content folder is watched where it really is.
  std::unique_ptr<ContentWatcher> w(new ContentWatcher(fd, fs::canonical(dir, ec)));
  if (ec) return Status::error(fmt::format("cannot watch {}: {}", dir.string(), ec.message()));
  w->watch_tree();
  if (w->folders_.empty()) return Status::error(fmt::format("cannot watch {}: {}", dir.string(), std::strerror(errno)));
  return w;
}

ContentWatcher::~ContentWatcher() { ::close(fd_); }

void ContentWatcher::watch_tree() {
  for (const auto& [wd, folder] : folders_) inotify_rm_watch(fd_, wd);
  folders_.clear();
  auto add = [this](const fs::path& path, const std::string& rel) {
    int wd = inotify_add_watch(fd_, path.c_str(), kFolderEvents);
    if (wd >= 0) folders_[wd] = rel;
  };
  add(dir_, "");
  std::error_code ec;
  fs::recursive_directory_iterator it(dir_, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    if (hidden(it->path().filename().string())) {
      it.disable_recursion_pending();  // .git sees a storm of writes on every commit
      continue;
    }
    add(it->path(), fs::relative(it->path(), dir_).generic_string());
  }
}

bool ContentWatcher::drain(Batch& batch) {
  alignas(inotify_event) std::array<char, 64 * 1024> buf;
  bool any = false;
  bool rewatch = false;
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n <= 0) break;
    for (ssize_t off = 0; off < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf.data() + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {
        batch.incomplete = rewatch = any = true;
        continue;
      }
      if (ev->mask & IN_IGNORED) {
        folders_.erase(ev->wd);
        continue;
      }
      auto folder = folders_.find(ev->wd);
      if (folder == folders_.end()) continue;
      const std::string name = ev->len ? std::string(ev->name) : std::string();
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        batch.incomplete = rewatch = any = true;
        continue;
      }
      if (ev->mask & IN_ISDIR) {
        if (hidden(name)) continue;
        // A folder appeared, left or moved: its articles came or went with it.
        batch.incomplete = rewatch = any = true;
        continue;
      }
      if (!is_content(folder->second, name)) continue;  // editor swap files, notes
      // IN_CREATE alone is an empty file about to be written; its
      // IN_CLOSE_WRITE follows. It still counts, so a batch does not end early.
      batch.paths.insert(folder->second.empty() ? name : folder->second + "/" + name);
      any = true;
    }
  }
  if (rewatch) watch_tree();
  return any;
}

std::optional<ContentWatcher::Batch> ContentWatcher::wait(const std::atomic<bool>& stop, Timing timing) {
  Batch batch;
  std::optional<Clock::time_point> first, last;
  while (!stop.load()) {
    int timeout = kStopCheckMs;
    if (last) {
      const auto now = Clock::now();
      const auto quiet_end = *last + timing.quiet, hard_end = *first + timing.max_delay;
      const auto end = std::min(quiet_end, hard_end);
      if (now >= end) return batch;
      timeout = static_cast<int>(
          std::min<int64_t>(kStopCheckMs, std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count() + 1));
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, timeout);
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (r > 0 && drain(batch)) {
      last = Clock::now();
      if (!first) first = last;
    }
  }
  return std::nullopt;
}

}  // namespace kb
