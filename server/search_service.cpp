#include "server/search_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace kb {

SearchService::SearchService(IndexLayout layout, size_t cached_searches, std::vector<std::string> shards)
    : layout_(std::move(layout)), shards_(std::move(shards)), cache_capacity_(cached_searches) {}

namespace {

// Everything a search's result depends on besides the revision.
std::string cache_key(const SearchRequest& r) {
  std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", r.query, r.lang, r.tag, r.category,
                                r.limit, r.offset, static_cast<int>(r.visibility), r.correct_spelling ? 1 : 0);
  for (const auto& clause : r.any_of) {
    key += '\x1e';
    for (const auto& f : clause) key += fmt::format("\x1f{}={}", static_cast<int>(f.field), f.value);
  }
  return key;
}

// Roughly what a result holds in memory.
size_t approximate_bytes(const SearchResult& r) {
  size_t n = sizeof r + r.hits.size() * sizeof(SearchHit);
  for (const auto& h : r.hits) {
    n += h.slug.size() + h.path.size() + h.title.size() + h.lang.size() + h.category.size() + h.updated.size() +
         h.url.size() + h.section_title.size() + h.section_anchor.size() + h.snippet.size();
  }
  for (const auto& [name, counts] : r.facets) n += name.size() + counts.size() * 64;
  return n + r.other_languages.size() * 64;
}

}  // namespace

Result<std::shared_ptr<const SearchResult>> SearchService::Lease::shared_search(const SearchRequest& request,
                                                                                const std::string& key) {
  if (!key.empty()) {
    if (auto hit = owner_->cached(key, generation_)) return hit;
  }
  auto fresh = searcher_->search(request);
  if (!fresh) return fresh.status();
  if (owner_ && owner_->observer_) owner_->observer_(fresh.value().timings);
  return key.empty() ? std::make_shared<const SearchResult>(std::move(fresh.value()))
                     : owner_->remember(key, generation_, std::move(fresh.value()));
}

Result<SearchResult> SearchService::Lease::search(const SearchRequest& request) {
  auto result = shared_search(request, caching() ? cache_key(request) : std::string());
  if (!result) return result.status();
  return SearchResult(*result.value());
}

Result<SearchService::Lease::Rendered> SearchService::Lease::search_rendered(
    const SearchRequest& request, const std::string& kind,
    const std::function<std::string(const SearchResult&)>& render) {
  const std::string key = caching() ? cache_key(request) : std::string();
  auto result = shared_search(request, key);
  if (!result) return result.status();
  if (auto text = key.empty() ? nullptr : owner_->rendering(key, generation_, kind)) return Rendered{*result, text};
  auto text = std::make_shared<const std::string>(render(**result));
  if (!key.empty()) owner_->keep_rendering(key, generation_, kind, text);
  return Rendered{*result, text};
}

std::shared_ptr<const std::string> SearchService::rendering(const std::string& key, uint64_t generation,
                                                            const std::string& kind) {
  std::lock_guard lock(cache_mu_);
  if (generation != cache_generation_) return nullptr;
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  for (const auto& [k, text] : it->second->renderings) {
    if (k == kind) return text;
  }
  return nullptr;
}

void SearchService::keep_rendering(const std::string& key, uint64_t generation, const std::string& kind,
                                   std::shared_ptr<const std::string> text) {
  std::lock_guard lock(cache_mu_);
  if (generation != cache_generation_) return;
  auto it = cache_.find(key);
  if (it == cache_.end()) return;
  auto& renderings = it->second->renderings;
  for (const auto& r : renderings) {
    if (r.first == kind) return;
  }
  const size_t bytes = text->size() + kind.size() + 64;
  it->second->bytes += bytes;
  cache_bytes_ += bytes;
  renderings.emplace_back(kind, std::move(text));
  // Within the budget still, dropping the least recently used others.
  while (cache_bytes_ > kMaxCachedBytes && cache_order_.begin() != it->second) {
    cache_bytes_ -= cache_order_.front().bytes;
    cache_.erase(cache_order_.front().key);
    cache_order_.pop_front();
  }
}

uint64_t SearchService::cache_hits() {
  std::lock_guard lock(cache_mu_);
  return cache_hits_;
}

std::shared_ptr<const SearchResult> SearchService::cached(const std::string& key, uint64_t generation) {
  std::lock_guard lock(cache_mu_);
  if (generation != cache_generation_) return nullptr;
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  cache_order_.splice(cache_order_.end(), cache_order_, it->second);  // most recently used
  ++cache_hits_;
  return it->second->result;
}

std::shared_ptr<const SearchResult> SearchService::remember(const std::string& key, uint64_t generation,
                                                             SearchResult result) {
  const size_t bytes = approximate_bytes(result) + key.size() * 2 + 128;
  auto shared = std::make_shared<const SearchResult>(std::move(result));
  std::lock_guard lock(cache_mu_);
  if (generation < cache_generation_) return shared;  // a request that began before a publish
  if (generation > cache_generation_) {
    cache_.clear();
    cache_order_.clear();
    cache_bytes_ = 0;
    cache_generation_ = generation;
  }
  if (cache_.count(key) || bytes > kMaxCachedBytes / 16) return shared;
  while (!cache_order_.empty() && (cache_.size() >= cache_capacity_ || cache_bytes_ + bytes > kMaxCachedBytes)) {
    cache_bytes_ -= cache_order_.front().bytes;
    cache_.erase(cache_order_.front().key);
    cache_order_.pop_front();
  }
  cache_order_.push_back({key, shared, bytes, {}});
  cache_bytes_ += bytes;
  cache_[key] = std::prev(cache_order_.end());
  return shared;
}

SearchService::Lease::~Lease() {
  // One whose remote connection failed is dropped: the next opens anew.
  if (!owner_ || !searcher_) return;
  if (searcher_->unreachable()) {
    owner_->drop_idle(generation_);
  } else {
    owner_->release(std::move(searcher_), generation_);
  }
}

void SearchService::refresh_locked() {
  struct stat st {};
  if (::stat(layout_.current_file().c_str(), &st) != 0) {
    revision_.reset();
    pending_.reset();
    return;
  }
  const int64_t mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (st.st_ino == current_ino_ && mtime_ns == current_mtime_ns_ && revision_) return;
  auto name = layout_.current();
  if (name == revision_) {
    pending_.reset();
  } else if (!shards_.empty() && revision_ && name) {
    // Served once its shards are (acquire).
    if (pending_ != name) {
      pending_why_.clear();
      pending_since_ = mtime_ns;  // published then, whenever a request noticed it
    }
    pending_ = name;
    pending_tried_ = {};
  } else {
    revision_ = name;
    pending_.reset();
    ++generation_;
    idle_.clear();
  }
  current_ino_ = st.st_ino;
  current_mtime_ns_ = mtime_ns;
}

std::unique_ptr<Searcher> SearchService::take_idle_locked() {
  const auto now = Clock::now();
  while (!idle_.empty()) {
    Idle idle = std::move(idle_.back());
    idle_.pop_back();
    if (!idle.searcher->remote() || now - idle.since < kRemoteIdle) return std::move(idle.searcher);
  }
  return nullptr;
}

Result<SearchService::Lease> SearchService::acquire() {
  std::string revision;
  uint64_t generation = 0;
  std::optional<std::string> pending;
  {
    std::lock_guard lock(mu_);
    refresh_locked();
    if (!revision_) {
      return Status::error(fmt::format("no index published in {} yet; run kb-index", layout_.root().string()));
    }
    if (pending_ && !pending_opening_ && Clock::now() - pending_tried_ >= kRetryPending) {
      pending = pending_;
      pending_opening_ = true;
    } else if (auto s = take_idle_locked()) {
      return Lease(this, std::move(s), generation_);
    }
    revision = *revision_;
    generation = generation_;
  }
  if (pending) {
    // One thread at a time tries the new revision; the others keep serving.
    auto opened = Searcher::open(layout_.revision_dir(*pending), shards_);
    std::lock_guard lock(mu_);
    pending_opening_ = false;
    // CURRENT went away meanwhile (refresh_locked in another request).
    if (!revision_) return Status::error(fmt::format("no index published in {}", layout_.root().string()));
    if (opened && pending_ == pending) {
      revision_ = pending;
      pending_.reset();
      pending_why_.clear();
      ++generation_;
      idle_.clear();
      return Lease(this, std::move(opened.value()), generation_);
    }
    if (!opened) {
      pending_tried_ = Clock::now();
      if (opened.status().message() != pending_why_) {
        pending_why_ = opened.status().message();
        std::fprintf(stderr, "kb-server: revision %s is published, %s still served: %s\n", pending->c_str(),
                     revision_->c_str(), pending_why_.c_str());
      }
    }
    if (auto s = take_idle_locked()) return Lease(this, std::move(s), generation_);
    revision = *revision_;
    generation = generation_;
  }
  // Opening takes milliseconds: do it outside the lock.
  auto searcher = Searcher::open(layout_.revision_dir(revision), shards_);
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

bool SearchService::suggester_ready() {
  std::lock_guard lock(mu_);
  refresh_locked();
  return revision_ && suggester_ && suggester_generation_ == generation_;
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
  if (generation == generation_) idle_.push_back({std::move(searcher), Clock::now()});
}

void SearchService::drop_idle(uint64_t generation) {
  std::lock_guard lock(mu_);
  if (generation == generation_) idle_.clear();
}

SearchService::Freshness SearchService::freshness() {
  Freshness f;
  const auto served = revision();
  if (served) f.newest = *served;
  if (auto p = pending()) f = {p->revision, p->seconds};
  std::ifstream in(layout_.upstream_file());
  std::string upstream;
  double since = 0;
  if (in >> upstream >> since && upstream != served.value_or("") && upstream > f.newest) {
    const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    f = {upstream, std::max({0.0, now - since, f.behind_seconds})};
  }
  return f;
}

std::optional<SearchService::Pending> SearchService::pending() {
  std::lock_guard lock(mu_);
  refresh_locked();
  if (!pending_) return std::nullopt;
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  return Pending{*pending_, std::max(0.0, now - static_cast<double>(pending_since_) / 1e9)};
}

SuggestionWarmer::SuggestionWarmer(SearchService& search, std::chrono::milliseconds every)
    : search_(search), every_(every), thread_([this] { run(); }) {}

SuggestionWarmer::~SuggestionWarmer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void SuggestionWarmer::run() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    // suggester() builds only when the revision is new; an error (no index
    // yet, a revision being replaced) is tried again next time. A Searcher
    // opened and handed back waits in the pool for the first request.
    if (!search_.suggester_ready() && search_.suggester().is_ok()) (void)search_.acquire();
    lock.lock();
    wake_.wait_for(lock, every_, [this] { return stop_; });
  }
}

}  // namespace kb
