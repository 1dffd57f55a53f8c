// A pool of Searchers over the current index revision. Xapian Database
// objects must not be shared between threads, so each request borrows a
// Searcher of its own. A newly published revision (CURRENT replaced by
// kb-index) is noticed on the next acquire, with one stat() call; Searchers of
// an older revision finish their request and are then dropped.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/revision.h"
#include "core/searcher.h"
#include "core/status.h"
#include "core/suggester.h"

namespace kb {

class SearchService {
 public:
  explicit SearchService(IndexLayout layout);

  class Lease {
   public:
    Lease(SearchService* owner, std::unique_ptr<Searcher> searcher, uint64_t generation)
        : owner_(owner), searcher_(std::move(searcher)), generation_(generation) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) noexcept = default;
    ~Lease();
    Searcher& operator*() { return *searcher_; }
    Searcher* operator->() { return searcher_.get(); }

   private:
    SearchService* owner_;
    std::unique_ptr<Searcher> searcher_;
    uint64_t generation_;
  };

  // A Searcher over the current revision; an error when none is published.
  Result<Lease> acquire();
  // The suggestions of the current revision, built on first use after a
  // publish (one thread builds; the others wait for it) and shared.
  Result<std::shared_ptr<const Suggester>> suggester();
  // The revision the next acquire() will serve, if any.
  std::optional<std::string> revision();
  // The folder of that revision.
  std::optional<std::filesystem::path> revision_dir();

 private:
  void refresh_locked();
  void release(std::unique_ptr<Searcher> searcher, uint64_t generation);

  IndexLayout layout_;
  std::mutex mu_;
  ino_t current_ino_ = 0;
  int64_t current_mtime_ns_ = -1;
  std::optional<std::string> revision_;
  uint64_t generation_ = 0;
  std::vector<std::unique_ptr<Searcher>> idle_;
  std::mutex build_mu_;  // held while a Suggester is built, outside mu_
  std::shared_ptr<const Suggester> suggester_;
  uint64_t suggester_generation_ = 0;
};

}  // namespace kb
