// What visitors did, counted per day in SQLite (analytics.db in the index
// folder, beside auth.db, so it outlives index revisions): article views,
// "Was this helpful?" votes, and searches (the words, the language, how many
// results, which article was opened from them), so writers see what people
// look for and do not find (`kb-index report`). Counts only: no addresses,
// no cookies, no user agents, no times finer than a day; e-mail addresses
// and long numbers in queries are masked before anything is stored.
//
// Visits (what one visitor did on the help page or in /embed until they
// were idle for a while) are told apart by a keyed hash of what the server
// sees of the visitor (address, browser), with a key kept in memory only and
// replaced every UTC day; a visit is written only when it ends, as counts
// (how many searches, whether an article was opened, whether the contact
// link was followed), never with its hash.
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
  // A visit ends after this long without a search, article or contact of
  // the visitor's.
  std::chrono::milliseconds visit_idle{30 * 60 * 1000};
  // Visits held open at most; beyond it the longest idle are ended early.
  size_t max_open_visits = 100000;
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

  // A step of a visit. `visitor`: what tells visitors apart (the address
  // and the browser's name, joined); hashed here, never stored. `lang`: the
  // language searched or read in, "" when unknown (the visit keeps its
  // first). A visit's channel is the one it began in.
  enum class Channel { kHelp, kEmbed };
  enum class Step { kSearch, kOpen, kContact };
  // "help" or "embed", as the visits table and the figures name them.
  static const char* channel_name(Channel c) { return c == Channel::kEmbed ? "embed" : "help"; }
  void record_visit(std::string_view visitor, bool agent, Channel channel, Step step, const std::string& lang);
  // Searches per visit are counted up to this many ("this many or more").
  static constexpr int kMaxVisitSearches = 10;

  // Writes the counted searches and clicks and the ended visits now, and
  // drops expired rows.
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
    int64_t visits = 0;   // visits begun that day, help page and /embed
    int64_t self_served = 0;  // of those: opened an article, no contact
  };
  // Visits with a number of searches: the counts of one row of the visits
  // table, or of all visits.
  struct VisitStat {
    int64_t visits = 0;
    int64_t searches = 0;  // in those visits (each counted up to kMaxVisitSearches)
    int64_t searched = 0;  // visits with a search
    int64_t opened = 0;    // visits that opened an article
    int64_t contacted = 0;    // visits that followed the contact link
    int64_t self_served = 0;  // opened an article and did not follow it
    void add(int searches_in_visit, bool opened_article, bool contacted_support, int64_t n);
  };
  struct VisitBucket {
    Channel channel = Channel::kHelp;
    int min_searches = 0, max_searches = 0;  // kMaxVisitSearches: and more
    VisitStat stat;
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
    VisitStat visits;                     // every visit of the period, open ones too
    std::vector<VisitBucket> visit_buckets;  // per channel: 0, 1, 2, 3-5, 6+ searches
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
  struct OpenVisit {
    std::string day;  // UTC day it began
    std::string lang;
    bool agent = false;
    Channel channel = Channel::kHelp;
    int searches = 0;
    bool opened = false, contacted = false;
    std::chrono::steady_clock::time_point last;
  };
  // Ended visits: (day, lang, agent, channel, searches, opened, contacted) -> visits.
  using VisitCounts = std::map<std::tuple<std::string, std::string, bool, int, int, bool, bool>, int64_t>;
  static void count_visit(VisitCounts& counts, const OpenVisit& v, int64_t n = 1);
  struct Pending {
    SearchCounts searches;
    ClickCounts clicks;
    PositionCounts positions;
    VisitCounts visits;
    bool empty() const { return searches.empty() && clicks.empty() && positions.empty() && visits.empty(); }
    void add(const Pending& other);
  };
  // Moves the visits idle for options_.visit_idle (all with `all`), and the
  // longest idle beyond max_open_visits, into pending_. Holds counts_mu_.
  void end_visits(bool all);
  void write(const Pending& pending);

  AnalyticsOptions options_;
  std::mutex db_mu_;  // guards db_; writes may wait on the disk
  SqliteDb db_;
  std::mutex counts_mu_;  // guards the counts since the last flush and the visits; never held on I/O
  Pending pending_;
  std::map<std::string, OpenVisit> open_visits_;  // by keyed hash of the visitor
  std::string visit_key_;                         // replaced every UTC day
  std::string visit_key_day_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace kb
