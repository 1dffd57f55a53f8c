#include "server/search_service.h"

#include <sys/stat.h>

#include <fmt/format.h>

namespace kb {

SearchService::SearchService(IndexLayout layout) : layout_(std::move(layout)) {}

SearchService::Lease::~Lease() {
  if (owner_ && searcher_) owner_->release(std::move(searcher_), generation_);
}

void SearchService::refresh_locked() {
  struct stat st {};
  if (::stat(layout_.current_file().c_str(), &st) != 0) {
    revision_.reset();
    return;
  }
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (st.st_ino == current_ino_ && mtime_ns == current_mtime_ns_ && revision_) return;
  auto name = layout_.current();
  if (name != revision_) {
    revision_ = name;
    ++generation_;
    idle_.clear();
  }
  current_ino_ = st.st_ino;
  current_mtime_ns_ = mtime_ns;
}

Result<SearchService::Lease> SearchService::acquire() {
  std::string revision;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    refresh_locked();
    if (!revision_) {
      return Status::error(fmt::format("no index published in {} yet; run kb-index", layout_.root().string()));
    }
    if (!idle_.empty()) {
      auto s = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(s), generation_);
    }
    revision = *revision_;
    generation = generation_;
  }
  // Opening takes milliseconds: do it outside the lock.
  auto searcher = Searcher::open(layout_.revision_dir(revision));
  if (!searcher) return searcher.status();
  return Lease(this, std::move(searcher.value()), generation);
}

Result<std::shared_ptr<const Suggester>> SearchService::suggester() {
  std::string revision;
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    refresh_locked();
    if (!revision_) {
      return Status::error(fmt::format("no index published in {} yet; run kb-index", layout_.root().string()));
    }
    if (suggester_ && suggester_generation_ == generation_) return suggester_;
    revision = *revision_;
    generation = generation_;
  }
  std::lock_guard build(build_mu_);  // one thread builds; the others wait for it
  {
    std::lock_guard lock(mu_);
    if (suggester_ && suggester_generation_ == generation) return suggester_;
  }
  auto built = Suggester::load(layout_.revision_dir(revision));
  if (!built) return built.status();
  std::lock_guard lock(mu_);
  if (generation >= suggester_generation_) {
    suggester_ = built.value();
    suggester_generation_ = generation;
  }
  return built.value();
}

std::optional<std::string> SearchService::revision() {
  std::lock_guard lock(mu_);
  refresh_locked();
  return revision_;
}

std::optional<std::filesystem::path> SearchService::revision_dir() {
  auto name = revision();
  if (!name) return std::nullopt;
  return layout_.revision_dir(*name);
}

void SearchService::release(std::unique_ptr<Searcher> searcher, uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation == generation_) idle_.push_back(std::move(searcher));
}

}  // namespace kb
