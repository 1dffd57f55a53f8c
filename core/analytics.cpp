#include "core/analytics.h"

#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <xapian.h>

#include "core/hash.h"
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

namespace {

// YYYY-MM-DD (UTC) of `t`, as SQLite's date().
std::string utc_day(std::chrono::system_clock::time_point t) {
  const std::chrono::year_month_day d{std::chrono::floor<std::chrono::days>(t)};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

// The rows of the visits tables: searches in a visit, 0, 1, 2, 3-5, 6+.
constexpr std::pair<int, int> kVisitBuckets[] = {
    {0, 0}, {1, 1}, {2, 2}, {3, 5}, {6, Analytics::kMaxVisitSearches}};

}  // namespace

void Analytics::VisitStat::add(int searches_in_visit, bool opened_article, bool contacted_support, int64_t n) {
  visits += n;
  searches += searches_in_visit * n;
  if (searches_in_visit > 0) searched += n;
  if (opened_article) opened += n;
  if (contacted_support) contacted += n;
  if (opened_article && !contacted_support) self_served += n;
}

void Analytics::Pending::add(const Pending& older) {
  for (const auto& [k, c] : older.searches) {
    Counted& now = searches[k];
    now.searches += c.searches;
    if (now.searches == c.searches) now.results = c.results;  // else the newer count stands
  }
  for (const auto& [k, n] : older.clicks) clicks[k] += n;
  for (const auto& [k, n] : older.positions) positions[k] += n;
  for (const auto& [k, n] : older.visits) visits[k] += n;
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
    CREATE TABLE IF NOT EXISTS click_positions (
      day TEXT NOT NULL,
      agent INTEGER NOT NULL CHECK (agent IN (0, 1)),
      position INTEGER NOT NULL,
      clicks INTEGER NOT NULL,
      PRIMARY KEY (day, agent, position)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS search_clicks (
      day TEXT NOT NULL,
      query TEXT NOT NULL,
      agent INTEGER NOT NULL CHECK (agent IN (0, 1)),
      slug TEXT NOT NULL,
      clicks INTEGER NOT NULL,
      PRIMARY KEY (day, query, agent, slug)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS visits (
      day TEXT NOT NULL,
      lang TEXT NOT NULL,
      agent INTEGER NOT NULL CHECK (agent IN (0, 1)),
      channel TEXT NOT NULL,
      searches INTEGER NOT NULL,
      opened INTEGER NOT NULL CHECK (opened IN (0, 1)),
      contacted INTEGER NOT NULL CHECK (contacted IN (0, 1)),
      visits INTEGER NOT NULL,
      PRIMARY KEY (day, lang, agent, channel, searches, opened, contacted)
    ) WITHOUT ROWID;
  )sql");
  if (options_.read_only) return;
  if (options_.search_log_days <= 0) {
    db_.exec("DELETE FROM searches; DELETE FROM search_clicks; DELETE FROM click_positions; DELETE FROM visits;");  // the log was turned off
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
  Counted& c = pending_.searches[{lang, agent, std::move(q)}];
  ++c.searches;
  c.results = results;
}

void Analytics::record_click(std::string_view query, bool agent, const std::string& slug, int position) {
  if (!logging()) return;
  std::string q = normalize_logged_query(query);
  if (q.empty()) return;
  std::lock_guard lock(counts_mu_);
  ++pending_.clicks[{std::move(q), agent, slug}];
  if (position >= 1) ++pending_.positions[{agent, std::min(position, kLastPosition)}];
}

void Analytics::record_visit(std::string_view visitor, bool agent, Channel channel, Step step, const std::string& lang) {
  if (!logging()) return;
  const std::string today = utc_day(std::chrono::system_clock::now());
  std::lock_guard lock(counts_mu_);
  if (visit_key_day_ != today) {
    // A new day, a new key: yesterday's hashes cannot be joined to today's.
    visit_key_ = random_hex(32);
    visit_key_day_ = today;
  }
  std::string key = visit_key_;
  key += '\n';
  key += visitor;
  OpenVisit& v = open_visits_[sha256_hex(key)];
  if (v.day.empty()) {
    v.day = today;
    v.agent = agent;
    v.channel = channel;
  }
  if (v.lang.empty()) v.lang = lang;
  switch (step) {
    case Step::kSearch:
      v.searches = std::min(v.searches + 1, kMaxVisitSearches);
      break;
    case Step::kOpen:
      v.opened = true;
      break;
    case Step::kContact:
      v.contacted = true;
      break;
  }
  v.last = std::chrono::steady_clock::now();
}

void Analytics::count_visit(VisitCounts& counts, const OpenVisit& v, int64_t n) {
  counts[{v.day, v.lang, v.agent, static_cast<int>(v.channel), v.searches, v.opened, v.contacted}] += n;
}

void Analytics::end_visits(bool all) {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = open_visits_.begin(); it != open_visits_.end();) {
    if (all || now - it->second.last >= options_.visit_idle) {
      count_visit(pending_.visits, it->second);
      it = open_visits_.erase(it);
    } else {
      ++it;
    }
  }
  if (open_visits_.size() <= options_.max_open_visits) return;
  // Too many at once (a crawler behind many addresses): end the longest idle.
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> by_age;
  for (const auto& [hash, v] : open_visits_) by_age.emplace_back(v.last, hash);
  const size_t excess = open_visits_.size() - options_.max_open_visits;
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(excess - 1), by_age.end());
  for (size_t i = 0; i < excess; ++i) {
    auto it = open_visits_.find(by_age[i].second);
    count_visit(pending_.visits, it->second);
    open_visits_.erase(it);
  }
}

void Analytics::flush() {
  if (!logging()) return;
  Pending pending;
  {
    std::lock_guard lock(counts_mu_);
    end_visits(stopping_);
    std::swap(pending, pending_);
  }
  if (pending.empty()) return;
  try {
    write(pending);
  } catch (...) {
    // Keep them for the next try, added to what came meanwhile.
    std::lock_guard lock(counts_mu_);
    pending_.add(pending);
    throw;
  }
}

void Analytics::write(const Pending& pending) {
  std::lock_guard lock(db_mu_);
  Transaction txn(db_);
  auto search = db_.prepare(
      "INSERT INTO searches (day, lang, agent, query, searches, results) VALUES (date('now'), ?1, ?2, ?3, ?4, ?5) "
      "ON CONFLICT (day, lang, agent, query) DO UPDATE SET searches = searches + ?4, results = ?5");
  for (const auto& [key, c] : pending.searches) {
    const auto& [lang, agent, query] = key;
    search.bind(1, lang).bind(2, int64_t{agent ? 1 : 0}).bind(3, query).bind(4, c.searches).bind(5, c.results).run();
  }
  auto click = db_.prepare(
      "INSERT INTO search_clicks (day, query, agent, slug, clicks) VALUES (date('now'), ?1, ?2, ?3, ?4) "
      "ON CONFLICT (day, query, agent, slug) DO UPDATE SET clicks = clicks + ?4");
  for (const auto& [key, n] : pending.clicks) {
    const auto& [query, agent, slug] = key;
    click.bind(1, query).bind(2, int64_t{agent ? 1 : 0}).bind(3, slug).bind(4, n).run();
  }
  auto position = db_.prepare(
      "INSERT INTO click_positions (day, agent, position, clicks) VALUES (date('now'), ?1, ?2, ?3) "
      "ON CONFLICT (day, agent, position) DO UPDATE SET clicks = clicks + ?3");
  for (const auto& [key, n] : pending.positions) {
    const auto& [agent, at] = key;
    position.bind(1, int64_t{agent ? 1 : 0}).bind(2, int64_t{at}).bind(3, n).run();
  }
  // A visit is filed under the day it began.
  auto visit = db_.prepare(
      "INSERT INTO visits (day, lang, agent, channel, searches, opened, contacted, visits) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
      "ON CONFLICT (day, lang, agent, channel, searches, opened, contacted) DO UPDATE SET visits = visits + ?8");
  for (const auto& [key, n] : pending.visits) {
    const auto& [day, lang, agent, channel, searches, opened, contacted] = key;
    visit.bind(1, day)
        .bind(2, lang)
        .bind(3, int64_t{agent ? 1 : 0})
        .bind(4, std::string(channel_name(static_cast<Channel>(channel))))
        .bind(5, int64_t{searches})
        .bind(6, int64_t{opened ? 1 : 0})
        .bind(7, int64_t{contacted ? 1 : 0})
        .bind(8, n)
        .run();
  }
  const std::string cutoff = "-" + std::to_string(options_.search_log_days) + " days";
  for (const char* table : {"searches", "search_clicks", "click_positions", "visits"}) {
    db_.prepare(fmt::format("DELETE FROM {} WHERE day <= date('now', ?1)", table)).bind(1, cutoff).run();
  }
  txn.commit();
}

void Analytics::flusher() {
  std::unique_lock lock(counts_mu_);
  while (!stopping_) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_ || (pending_.empty() && open_visits_.empty())) continue;
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

Analytics::Insights Analytics::insights(const InsightsRequest& r) {
  std::lock_guard lock(db_mu_);
  Insights out;
  const std::string since = "-" + std::to_string(r.days) + " days";
  const std::string before = "-" + std::to_string(2 * r.days) + " days";
  const int64_t agent = r.agent ? (*r.agent ? 1 : 0) : -1;
  // Per day: searches, those that found nothing, and those followed by an
  // opened result: per (day, query), at most as many as were searched.
  auto days = db_.prepare(R"sql(
    WITH s AS (
      SELECT day, query, SUM(searches) AS searches, SUM(CASE WHEN results = 0 THEN searches ELSE 0 END) AS zero
      FROM searches
      WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) AND (?3 = '' OR lang = ?3)
      GROUP BY day, query),
    c AS (
      SELECT day, query, SUM(clicks) AS clicks FROM search_clicks
      WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) GROUP BY day, query)
    SELECT s.day, SUM(s.searches), SUM(s.zero), SUM(MIN(s.searches, COALESCE(c.clicks, 0)))
    FROM s LEFT JOIN c ON c.day = s.day AND c.query = s.query
    GROUP BY s.day ORDER BY s.day
  )sql");
  days.bind(1, since).bind(2, agent).bind(3, r.lang);
  std::map<std::string, DayStat> by_day;
  while (days.step()) by_day[days.text(0)] = {days.text(0), days.integer(1), days.integer(2), days.integer(3)};
  // Every day of the period, those without searches as zeros.
  auto calendar = db_.prepare(
      "WITH RECURSIVE d(day, n) AS (SELECT date('now', ?1), 1 UNION ALL SELECT date(day, '+1 day'), n + 1 FROM d "
      "WHERE n < ?2) SELECT day FROM d");
  calendar.bind(1, "-" + std::to_string(r.days - 1) + " days").bind(2, int64_t{r.days});
  while (calendar.step()) {
    const std::string day = calendar.text(0);
    auto it = by_day.find(day);
    out.days.push_back(it == by_day.end() ? DayStat{day, 0, 0, 0} : it->second);
    out.searches += out.days.back().searches;
    out.zero_results += out.days.back().zero_results;
    out.clicked += out.days.back().clicked;
  }

  auto positions = db_.prepare(
      "SELECT position, SUM(clicks) FROM click_positions WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) "
      "GROUP BY position ORDER BY position");
  positions.bind(1, since).bind(2, agent);
  std::map<int, int64_t> clicks_at;
  while (positions.step()) clicks_at[static_cast<int>(positions.integer(0))] = positions.integer(1);
  for (int p = 1; p <= kLastPosition; ++p) out.positions.push_back({p, clicks_at.count(p) ? clicks_at[p] : 0});

  // Queries: this period's searches beside the period before it.
  auto queries = db_.prepare(R"sql(
    WITH now AS (
      SELECT lang, query, SUM(searches) AS searches, MIN(results) AS results FROM searches
      WHERE day > date('now', ?1) AND (?3 < 0 OR agent = ?3) AND (?4 = '' OR lang = ?4) GROUP BY lang, query),
    before AS (
      SELECT lang, query, SUM(searches) AS searches FROM searches
      WHERE day > date('now', ?2) AND day <= date('now', ?1) AND (?3 < 0 OR agent = ?3) AND (?4 = '' OR lang = ?4)
      GROUP BY lang, query),
    clicked AS (
      SELECT query, SUM(clicks) AS clicks FROM search_clicks
      WHERE day > date('now', ?1) AND (?3 < 0 OR agent = ?3) GROUP BY query)
    SELECT now.lang, now.query, now.searches, now.results, COALESCE(clicked.clicks, 0), COALESCE(before.searches, 0)
    FROM now LEFT JOIN before USING (lang, query) LEFT JOIN clicked USING (query)
    ORDER BY now.searches DESC, now.query
  )sql");
  queries.bind(1, since).bind(2, before).bind(3, agent).bind(4, r.lang);
  while (queries.step()) {
    QueryTrend q{{queries.text(0), queries.text(1), queries.integer(2), queries.integer(3), queries.integer(4)},
                 queries.integer(5)};
    if (out.top.size() < r.limit) out.top.push_back(q);
    if (q.stat.searches >= kMinRising && q.stat.searches >= 2 * q.previous) out.rising.push_back(q);
  }
  std::stable_sort(out.rising.begin(), out.rising.end(), [](const QueryTrend& a, const QueryTrend& b) {
    return a.stat.searches - a.previous > b.stat.searches - b.previous;
  });
  if (out.rising.size() > r.limit) out.rising.resize(r.limit);

  auto votes = db_.prepare(
      "SELECT slug, SUM(CASE WHEN helpful = 1 THEN votes ELSE 0 END), SUM(CASE WHEN helpful = 0 THEN votes ELSE 0 END) "
      "FROM article_votes WHERE day > date('now', ?1) GROUP BY slug");
  votes.bind(1, since);
  while (votes.step()) out.votes.push_back({votes.text(0), votes.integer(1), votes.integer(2)});
  // Least helpful first (the articles to fix), then by how many voted.
  std::sort(out.votes.begin(), out.votes.end(), [](const ArticleVotes& a, const ArticleVotes& b) {
    const double sa = static_cast<double>(a.helpful) / static_cast<double>(a.helpful + a.not_helpful);
    const double sb = static_cast<double>(b.helpful) / static_cast<double>(b.helpful + b.not_helpful);
    if (sa != sb) return sa < sb;
    if (a.helpful + a.not_helpful != b.helpful + b.not_helpful) return a.helpful + a.not_helpful > b.helpful + b.not_helpful;
    return a.slug < b.slug;
  });

  auto opened = db_.prepare(
      "SELECT DISTINCT slug FROM search_clicks WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) ORDER BY slug");
  opened.bind(1, since).bind(2, agent);
  while (opened.step()) out.found_slugs.insert(opened.text(0));

  // Visits: those written, those ended but not yet written, and those still
  // going, counted as they stand now.
  VisitCounts visits;
  auto written = db_.prepare(
      "SELECT day, lang, agent, channel, searches, opened, contacted, SUM(visits) FROM visits "
      "WHERE day > date('now', ?1) AND (?2 < 0 OR agent = ?2) AND (?3 = '' OR lang = ?3) "
      "GROUP BY day, lang, agent, channel, searches, opened, contacted");
  written.bind(1, since).bind(2, agent).bind(3, r.lang);
  while (written.step()) {
    const Channel channel = written.text(3) == channel_name(Channel::kEmbed) ? Channel::kEmbed : Channel::kHelp;
    visits[{written.text(0), written.text(1), written.integer(2) != 0, static_cast<int>(channel),
            static_cast<int>(written.integer(4)), written.integer(5) != 0, written.integer(6) != 0}] +=
        written.integer(7);
  }
  const std::string first_day = out.days.empty() ? std::string() : out.days.front().day;
  {
    std::lock_guard counts(counts_mu_);
    for (const auto& [key, n] : pending_.visits) visits[key] += n;
    for (const auto& [hash, v] : open_visits_) count_visit(visits, v);
  }
  std::map<std::string, DayStat*> day_at;
  for (auto& d : out.days) day_at[d.day] = &d;
  for (const Channel channel : {Channel::kHelp, Channel::kEmbed}) {
    for (const auto& [min, max] : kVisitBuckets) out.visit_buckets.push_back({channel, min, max, {}});
  }
  for (const auto& [key, n] : visits) {
    const auto& [day, lang, is_agent, channel, searches, was_opened, contacted] = key;
    // The open and pending ones are not filtered by SQL.
    if (day < first_day || (agent >= 0 && is_agent != (agent == 1)) || (!r.lang.empty() && lang != r.lang)) continue;
    out.visits.add(searches, was_opened, contacted, n);
    for (auto& b : out.visit_buckets) {
      if (static_cast<int>(b.channel) == channel && searches >= b.min_searches && searches <= b.max_searches) {
        b.stat.add(searches, was_opened, contacted, n);
      }
    }
    if (auto it = day_at.find(day); it != day_at.end()) {
      it->second->visits += n;
      if (was_opened && !contacted) it->second->self_served += n;
    }
  }
  return out;
}

}  // namespace kb
