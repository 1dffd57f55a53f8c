#include "core/analytics.h"

#include <regex>

#include <xapian.h>

#include "core/text.h"

namespace kb {

std::string normalize_logged_query(std::string_view query) {
  // Bounded before the regular expressions, which are not linear.
  query = utf8_truncate(query, 2 * kMaxLoggedQueryBytes);
  std::string lower;
  for (Xapian::Utf8Iterator it(query.data(), query.size()); it != Xapian::Utf8Iterator(); ++it) {
    Xapian::Unicode::append_utf8(lower, Xapian::Unicode::tolower(*it));
  }
  static const std::regex kEmail(R"([^\s@]+@[^\s@]+\.[^\s@]+)");
  static const std::regex kNumber(R"(\d[\d\s-]{2,}\d)");
  std::string masked = std::regex_replace(lower, kEmail, "<email>");
  masked = std::regex_replace(masked, kNumber, "<number>");
  const std::string collapsed = collapse_whitespace(masked);
  return std::string(utf8_truncate(collapsed, kMaxLoggedQueryBytes));
}

Analytics::Analytics(const std::filesystem::path& path, AnalyticsOptions options)
    : options_(options), db_(path.string(), SqliteDb::Mode::kReadWrite) {
  db_.exec(R"sql(
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    CREATE TABLE IF NOT EXISTS article_views (
      day TEXT NOT NULL,
      slug TEXT NOT NULL,
      views INTEGER NOT NULL,
      PRIMARY KEY (day, slug)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS article_votes (
      day TEXT NOT NULL,
      slug TEXT NOT NULL,
      helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
      votes INTEGER NOT NULL,
      PRIMARY KEY (day, slug, helpful)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS searches (
      day TEXT NOT NULL,
      lang TEXT NOT NULL,
      agent INTEGER NOT NULL CHECK (agent IN (0, 1)),
      query TEXT NOT NULL,
      searches INTEGER NOT NULL,
      results INTEGER NOT NULL,
      PRIMARY KEY (day, lang, agent, query)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS search_clicks (
      day TEXT NOT NULL,
      query TEXT NOT NULL,
      agent INTEGER NOT NULL CHECK (agent IN (0, 1)),
      slug TEXT NOT NULL,
      clicks INTEGER NOT NULL,
      PRIMARY KEY (day, query, agent, slug)
    ) WITHOUT ROWID;
  )sql");
  if (options_.read_only) return;
  if (options_.search_log_days <= 0) {
    db_.exec("DELETE FROM searches; DELETE FROM search_clicks;");  // the log was turned off
    return;
  }
  flusher_ = std::thread([this] { flusher(); });
}

Analytics::~Analytics() {
  {
    std::lock_guard lock(counts_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  try {
    flush();
  } catch (const std::exception&) {
    // Nothing to tell at exit: at most a few seconds of counts are lost.
  }
}

void Analytics::record_view(const std::string& slug) {
  std::lock_guard lock(db_mu_);
  db_.prepare(
         "INSERT INTO article_views (day, slug, views) VALUES (date('now'), ?1, 1) "
         "ON CONFLICT (day, slug) DO UPDATE SET views = views + 1")
      .bind(1, slug)
      .run();
}

void Analytics::record_vote(const std::string& slug, bool helpful) {
  std::lock_guard lock(db_mu_);
  db_.prepare(
         "INSERT INTO article_votes (day, slug, helpful, votes) VALUES (date('now'), ?1, ?2, 1) "
         "ON CONFLICT (day, slug, helpful) DO UPDATE SET votes = votes + 1")
      .bind(1, slug)
      .bind(2, int64_t{helpful ? 1 : 0})
      .run();
}

void Analytics::record_search(std::string_view query, const std::string& lang, bool agent, int64_t results) {
  if (!logging()) return;
  std::string q = normalize_logged_query(query);
  if (q.empty()) return;
  std::lock_guard lock(counts_mu_);
  Counted& c = searches_[{lang, agent, std::move(q)}];
  ++c.searches;
  c.results = results;
}

void Analytics::record_click(std::string_view query, bool agent, const std::string& slug) {
  if (!logging()) return;
  std::string q = normalize_logged_query(query);
  if (q.empty()) return;
  std::lock_guard lock(counts_mu_);
  ++clicks_[{std::move(q), agent, slug}];
}

void Analytics::flush() {
  if (!logging()) return;
  SearchCounts searches;
  ClickCounts clicks;
  {
    std::lock_guard lock(counts_mu_);
    searches.swap(searches_);
    clicks.swap(clicks_);
  }
  try {
    write(searches, clicks);
  } catch (...) {
    // Keep them for the next try, added to what came meanwhile.
    std::lock_guard lock(counts_mu_);
    for (const auto& [k, c] : searches) {
      Counted& now = searches_[k];
      now.searches += c.searches;
      if (now.searches == c.searches) now.results = c.results;
    }
    for (const auto& [k, n] : clicks) clicks_[k] += n;
    throw;
  }
}

void Analytics::write(const SearchCounts& searches, const ClickCounts& clicks) {
  std::lock_guard lock(db_mu_);
  Transaction txn(db_);
  auto search = db_.prepare(
      "INSERT INTO searches (day, lang, agent, query, searches, results) VALUES (date('now'), ?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (day, lang, agent, query) DO UPDATE SET searches = searches + ?4, results = ?5");
  for (const auto& [key, c] : searches) {
    const auto& [lang, agent, query] = key;
    search.bind(1, lang).bind(2, int64_t{agent ? 1 : 0}).bind(3, query).bind(4, c.searches).bind(5, c.results).run();
  }
  auto click = db_.prepare(
      "INSERT INTO search_clicks (day, query, agent, slug, clicks) VALUES (date('now'), ?1, ?2, ?3, ?4) "
      "ON CONFLICT (day, query, agent, slug) DO UPDATE SET clicks = clicks + ?4");
  for (const auto& [key, n] : clicks) {
    const auto& [query, agent, slug] = key;
    click.bind(1, query).bind(2, int64_t{agent ? 1 : 0}).bind(3, slug).bind(4, n).run();
  }
  const std::string cutoff = "-" + std::to_string(options_.search_log_days) + " days";
  db_.prepare("DELETE FROM searches WHERE day <= date('now', ?1)").bind(1, cutoff).run();
  db_.prepare("DELETE FROM search_clicks WHERE day <= date('now', ?1)").bind(1, cutoff).run();
  txn.commit();
}

void Analytics::flusher() {
  std::unique_lock lock(counts_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_ || (searches_.empty() && clicks_.empty())) continue;
    lock.unlock();
    try {
      flush();
    } catch (const std::exception& e) {
      // A full disk or a locked file: keep counting, try again next time.
      std::fprintf(stderr, "kb-server: warning: cannot write the search log: %s\n", e.what());
    }
    lock.lock();
  }
}

std::vector<Analytics::Count> Analytics::most_viewed(int days, size_t limit) {
  std::lock_guard lock(db_mu_);
  std::vector<Count> out;
  auto st = db_.prepare(
      "SELECT slug, SUM(views) AS n FROM article_views WHERE day > date('now', ?1) "
      "GROUP BY slug ORDER BY n DESC, slug LIMIT ?2");
  st.bind(1, "-" + std::to_string(days) + " days").bind(2, static_cast<int64_t>(limit));
  while (st.step()) out.push_back({st.text(0), st.integer(1)});
  return out;
}

Analytics::Votes Analytics::votes(const std::string& slug) {
  std::lock_guard lock(db_mu_);
  Votes v;
  auto st = db_.prepare("SELECT helpful, SUM(votes) FROM article_votes WHERE slug = ?1 GROUP BY helpful");
  st.bind(1, slug);
  while (st.step()) (st.integer(0) ? v.helpful : v.not_helpful) = st.integer(1);
  return v;
}

Analytics::GapReport Analytics::gaps(int days, std::optional<bool> agent, size_t limit) {
  std::lock_guard lock(db_mu_);
  // Per (lang, query): searches, the latest result count, and the clicks on
  // any result of that query (clicks are not split by language).
  auto st = db_.prepare(R"sql(
    WITH recent AS (
      SELECT lang, query, SUM(searches) AS searches,
             (SELECT results FROM searches s2 WHERE s2.lang = s.lang AND s2.query = s.query
                AND (?2 < 0 OR s2.agent = ?2) ORDER BY day DESC LIMIT 1) AS results
      FROM searches s
      WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2)
      GROUP BY lang, query),
    clicked AS (
      SELECT query, SUM(clicks) AS clicks FROM search_clicks
      WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) GROUP BY query)
    SELECT r.lang, r.query, r.searches, r.results, COALESCE(c.clicks, 0)
    FROM recent r LEFT JOIN clicked c ON c.query = r.query
    ORDER BY r.lang, r.searches DESC, r.query
  )sql");
  st.bind(1, "-" + std::to_string(days) + " days").bind(2, int64_t{agent ? (*agent ? 1 : 0) : -1});
  GapReport report;
  std::map<std::string, std::pair<size_t, size_t>> per_lang;  // lang -> (no_results, no_clicks) listed
  while (st.step()) {
    QueryStat q{st.text(0), st.text(1), st.integer(2), st.integer(3), st.integer(4)};
    auto& [none, unclicked] = per_lang[q.lang];
    if (q.results == 0) {
      if (none++ < limit) report.no_results.push_back(std::move(q));
    } else if (q.clicks == 0) {
      if (unclicked++ < limit) report.no_clicks.push_back(std::move(q));
    }
  }
  return report;
}

}  // namespace kb
