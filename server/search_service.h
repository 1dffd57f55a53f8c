// A pool of Searchers over the current index revision. Xapian Database
// objects must not be shared between threads, so each request borrows a
// Searcher of its own. A newly published revision (CURRENT replaced by
// kb-index) is noticed on the next acquire, with one stat() call; Searchers of
// an older revision finish their request and are then dropped.
//
// Over shards (xapian-tcpsrv, core/shards.h) a new revision is served once
// its shards are: until every shard serves it (replication takes a moment),
// the previous revision keeps serving, whole, and the new one is tried again
// every kRetryPending. Pooled connections idle longer than kRemoteIdle are
// not reused (xapian-tcpsrv closes idle ones, after 60 s by default), and
// one connection failing drops the others too: after a shard restarts, one
// request fails, not one per pooled connection.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <unordered_map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/revision.h"
#include "core/searcher.h"
#include "core/status.h"
#include "core/suggester.h"

namespace kb {

class SearchService {
 public:
  // Results of this many recent searches are kept per revision (0: none),
  // in at most kMaxCachedBytes.
  static constexpr size_t kDefaultCachedSearches = 4096;
  static constexpr size_t kMaxCachedBytes = 32 << 20;

  static constexpr std::chrono::milliseconds kRetryPending{200};
  static constexpr std::chrono::seconds kRemoteIdle{30};

  // `shards`: the index's shards to search (kb-server --shard), else none.
  explicit SearchService(IndexLayout layout, size_t cached_searches = kDefaultCachedSearches,
                         std::vector<std::string> shards = {});

  class Lease {
   public:
    Lease(SearchService* owner, std::unique_ptr<Searcher> searcher, uint64_t generation)
        : owner_(owner), searcher_(std::move(searcher)), generation_(generation) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }
    // Searcher::search, answered from memory when the same request was
    // made since the revision was published: a help center's visitors ask
    // the same few questions, and a result costs milliseconds to make.
    Result<SearchResult> search(const SearchRequest& request);

    // The same result, shared, and what `render` made of it under the name
    // `kind`, kept beside the cached result: an API answer's JSON repeats as
    // often as its search, and building it (a JSON tree, allocations,
    // escaping) cost more than finding the cached result. `render` runs once
    // per cached result and kind (again when the result was not cached).
    struct Rendered {
      std::shared_ptr<const SearchResult> result;
      std::shared_ptr<const std::string> text;
    };
    Result<Rendered> search_rendered(const SearchRequest& request, const std::string& kind,
                                     const std::function<std::string(const SearchResult&)>& render);

   private:
    bool caching() const { return owner_ && owner_->cache_capacity_ > 0; }
    // The request's result: remembered when `key` is not "", and taken from
    // memory when it was since the publish.
    Result<std::shared_ptr<const SearchResult>> shared_search(const SearchRequest& request, const std::string& key);
    SearchService* owner_;
    std::unique_ptr<Searcher> searcher_;
    uint64_t generation_;
  };

  // Called with the step timings of every search the cache did not answer
  // (from the searching thread; must be thread-safe). Set before serving.
  using SearchObserver = std::function<void(const SearchTimings&)>;
  void observe_searches(SearchObserver observer) { observer_ = std::move(observer); }

  // A Searcher over the current revision; an error when none is published.
  Result<Lease> acquire();
  // The suggestions of the current revision, built on first use after a
  // publish (one thread builds; the others wait for it) and shared.
  Result<std::shared_ptr<const Suggester>> suggester();
  // Whether the current revision's suggestions are built (no call waits).
  bool suggester_ready();
  // Searches answered from memory so far.
  uint64_t cache_hits();
  // The revision the next acquire() will serve, if any.
  std::optional<std::string> revision();
  // A revision published and not served yet: its shards do not all serve
  // it (yet), or did not answer. Nullopt when none.
  struct Pending {
    std::string revision;
    double seconds = 0;  // since it was published
  };
  std::optional<Pending> pending();
  std::optional<std::string> pending_revision() {
    auto p = pending();
    return p ? std::optional<std::string>(p->revision) : std::nullopt;
  }
  // Whether the revision served is the newest published: here (a revision
  // waiting for its shards) or, on a replica, at the indexer
  // (IndexLayout::upstream_file).
  struct Freshness {
    std::string newest;         // the newest revision known to be published ("" when none)
    double behind_seconds = 0;  // how long it has been published and not served
  };
  Freshness freshness();
  // How many shards searches go to (kb-server --shard); 0: none.
  size_t shard_count() const { return shards_.size(); }
  // The folder of that revision.
  std::optional<std::filesystem::path> revision_dir();

 private:
  using Clock = std::chrono::steady_clock;
  void refresh_locked();
  // A pooled Searcher still worth using, or null.
  std::unique_ptr<Searcher> take_idle_locked();
  void release(std::unique_ptr<Searcher> searcher, uint64_t generation);
  // A Searcher's remote connection failed: the pooled ones go too.
  void drop_idle(uint64_t generation);
  std::shared_ptr<const SearchResult> cached(const std::string& key, uint64_t generation);
  // Keeps a result; returns it shared either way.
  std::shared_ptr<const SearchResult> remember(const std::string& key, uint64_t generation, SearchResult result);
  std::shared_ptr<const std::string> rendering(const std::string& key, uint64_t generation, const std::string& kind);
  void keep_rendering(const std::string& key, uint64_t generation, const std::string& kind,
                      std::shared_ptr<const std::string> text);

  IndexLayout layout_;
  const std::vector<std::string> shards_;
  SearchObserver observer_;
  std::mutex mu_;
  ino_t current_ino_ = 0;
  int64_t current_mtime_ns_ = -1;
  std::optional<std::string> revision_;
  std::optional<std::string> pending_;  // published, not served yet (shards only)
  Clock::time_point pending_tried_{};   // when opening pending_ last failed
  int64_t pending_since_ = 0;           // when pending_ was published: CURRENT's mtime, ns
  bool pending_opening_ = false;        // a thread is opening pending_
  std::string pending_why_;             // why it did not open, last time
  uint64_t generation_ = 0;
  struct Idle {
    std::unique_ptr<Searcher> searcher;
    Clock::time_point since;
  };
  std::vector<Idle> idle_;
  std::mutex build_mu_;  // held while a Suggester is built, outside mu_
  std::shared_ptr<const Suggester> suggester_;
  uint64_t suggester_generation_ = 0;

  // Least recently used first; results of one revision (cache_generation_).
  const size_t cache_capacity_;
  std::mutex cache_mu_;
  uint64_t cache_generation_ = 0;
  struct Cached {
    std::string key;
    std::shared_ptr<const SearchResult> result;
    size_t bytes;
    std::vector<std::pair<std::string, std::shared_ptr<const std::string>>> renderings;  // kind -> text
  };
  std::list<Cached> cache_order_;
  std::unordered_map<std::string, std::list<Cached>::iterator> cache_;
  size_t cache_bytes_ = 0;
  uint64_t cache_hits_ = 0;
};

// Builds each newly published revision's suggestions, and opens a Searcher
// on it, in the background, so the first keystroke after a publish does not
// wait for them (0.4 s on d365). Looks for a new revision every `every`;
// stops when destroyed.
class SuggestionWarmer {
 public:
  SuggestionWarmer(SearchService& search, std::chrono::milliseconds every);
  ~SuggestionWarmer();
  SuggestionWarmer(const SuggestionWarmer&) = delete;
  SuggestionWarmer& operator=(const SuggestionWarmer&) = delete;

 private:
  void run();
  SearchService& search_;
  const std::chrono::milliseconds every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;  // last: started once the rest is ready
};

}  // namespace kb
