// What visitors did, counted per day in SQLite (analytics.db in the index
// folder, beside auth.db, so it outlives index revisions): article views and
// "Was this helpful?" votes. Counts only: no addresses, no cookies, no user
// agents. Thread-safe (one connection behind a mutex; writes are rare and
// small next to a page render).
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "core/sqlite_db.h"

namespace kb {

class Analytics {
 public:
  static constexpr const char* kFileName = "analytics.db";

  // Opens or creates the database; throws SqliteError when it cannot.
  explicit Analytics(const std::filesystem::path& path);

  void record_view(const std::string& slug);
  void record_vote(const std::string& slug, bool helpful);

  struct Count {
    std::string slug;
    int64_t count = 0;
  };
  // Most viewed articles over the last `days` days, most first.
  std::vector<Count> most_viewed(int days, size_t limit);

  struct Votes {
    int64_t helpful = 0;
    int64_t not_helpful = 0;
  };
  Votes votes(const std::string& slug);

 private:
  std::mutex mu_;
  SqliteDb db_;
};

}  // namespace kb
