// What visitors did, counted per day in SQLite (analytics.db in the index
// folder, beside auth.db, so it outlives index revisions): article views,
// "Was this helpful?" votes, and searches (the words, the language, how many
// results, which article was opened from them), so writers see what people
// look for and do not find (`kb-index report`). Counts only: no addresses,
// no cookies, no user agents, no times finer than a day; e-mail addresses
// and long numbers in queries are masked before anything is stored.
//
// Thread-safe. Views and votes are written at once (rare, small); searches
// are counted in memory and written by a background thread every few
// seconds, so a search never waits for the disk.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "core/sqlite_db.h"

namespace kb {

// A query as the search log keeps it: lowercased, whitespace collapsed,
// e-mail addresses as "<email>", runs of 4+ digits as "<number>", at most
// kMaxLoggedQueryBytes. Empty when nothing is left.
std::string normalize_logged_query(std::string_view query);
inline constexpr size_t kMaxLoggedQueryBytes = 200;

struct AnalyticsOptions {
  // Searches older than this many days are deleted; 0 turns the search log
  // off and deletes what it holds.
  int search_log_days = 90;
  // For readers (`kb-index report`): nothing is recorded or deleted.
  bool read_only = false;
  // How often counted searches are written.
  std::chrono::milliseconds flush_interval{5000};
};

class Analytics {
 public:
  static constexpr const char* kFileName = "analytics.db";

  // Opens or creates the database; throws SqliteError when it cannot.
  explicit Analytics(const std::filesystem::path& path, AnalyticsOptions options = {});
  // Writes what is still counted in memory.
  ~Analytics();
  Analytics(const Analytics&) = delete;
  Analytics& operator=(const Analytics&) = delete;

  void record_view(const std::string& slug);
  void record_vote(const std::string& slug, bool helpful);
  // A search as typed (normalized here). `lang`: the language searched in,
  // "" when any; `agent`: searched by a support agent.
  void record_search(std::string_view query, const std::string& lang, bool agent, int64_t results);
  // An article opened from the results of `query`, the hit at `position`
  // (1-based; 0 when unknown; kLastPosition and beyond counted together).
  void record_click(std::string_view query, bool agent, const std::string& slug, int position = 0);
  static constexpr int kLastPosition = 11;
  // Writes the counted searches and clicks now, and drops expired rows.
  void flush();

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

  // Content gaps: queries over the last `days` days, by language.
  struct QueryStat {
    std::string lang;
    std::string query;
    int64_t searches = 0;
    int64_t results = 0;  // the most recent result count
    int64_t clicks = 0;
  };
  struct GapReport {
    std::vector<QueryStat> no_results;  // searched, nothing found
    std::vector<QueryStat> no_clicks;   // found something, nothing opened
  };
  // `agent`: nullopt for everyone's searches. At most `limit` per language
  // and list, most searched first.
  GapReport gaps(int days, std::optional<bool> agent, size_t limit);

  // Is self-service working? The figures of /insights (docs/insights.md
  // defines each).
  struct InsightsRequest {
    int days = 30;
    std::optional<bool> agent = false;  // nullopt: everyone's searches
    std::string lang;                   // "": every language
    size_t limit = 50;                  // rows of the query lists
  };
  struct DayStat {
    std::string day;  // YYYY-MM-DD (UTC)
    int64_t searches = 0;
    int64_t zero_results = 0;
    int64_t clicked = 0;  // searches followed by an opened result
  };
  struct PositionStat {
    int position = 0;  // kLastPosition: that one and beyond
    int64_t clicks = 0;
  };
  struct QueryTrend {
    QueryStat stat;        // this period (results: the fewest it had)
    int64_t previous = 0;  // searches in the period before
  };
  struct ArticleVotes {
    std::string slug;
    int64_t helpful = 0, not_helpful = 0;
  };
  struct Insights {
    std::vector<DayStat> days;  // every day of the period, oldest first
    int64_t searches = 0, zero_results = 0, clicked = 0;
    std::vector<PositionStat> positions;  // 1..kLastPosition
    std::vector<QueryTrend> top;          // most searched first
    std::vector<QueryTrend> rising;       // most grown first
    std::vector<ArticleVotes> votes;      // least helpful first
    std::set<std::string> found_slugs;    // articles opened from search results
  };
  // Rising: searched at least kMinRising times and at least twice as often
  // as in the period before.
  static constexpr int64_t kMinRising = 3;
  Insights insights(const InsightsRequest& request);

 private:
  void flusher();
  bool logging() const { return options_.search_log_days > 0 && !options_.read_only; }

  struct Counted {
    int64_t searches = 0;
    int64_t results = 0;
  };
  using SearchCounts = std::map<std::tuple<std::string, bool, std::string>, Counted>;  // (lang, agent, query)
  using ClickCounts = std::map<std::tuple<std::string, bool, std::string>, int64_t>;   // (query, agent, slug)
  using PositionCounts = std::map<std::pair<bool, int>, int64_t>;                      // (agent, position)
  void write(const SearchCounts& searches, const ClickCounts& clicks, const PositionCounts& positions);

  AnalyticsOptions options_;
  std::mutex db_mu_;  // guards db_; writes may wait on the disk
  SqliteDb db_;
  std::mutex counts_mu_;  // guards the counts since the last flush; never held on I/O
  SearchCounts searches_;
  ClickCounts clicks_;
  PositionCounts positions_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace kb
