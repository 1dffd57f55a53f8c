#include "server/analytics.h"

namespace kb {

Analytics::Analytics(const std::filesystem::path& path) : db_(path.string(), SqliteDb::Mode::kReadWrite) {
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
  )sql");
}

void Analytics::record_view(const std::string& slug) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT INTO article_views (day, slug, views) VALUES (date('now'), ?1, 1) "
         "ON CONFLICT (day, slug) DO UPDATE SET views = views + 1")
      .bind(1, slug)
      .run();
}

void Analytics::record_vote(const std::string& slug, bool helpful) {
  std::lock_guard lock(mu_);
  db_.prepare(
         "INSERT INTO article_votes (day, slug, helpful, votes) VALUES (date('now'), ?1, ?2, 1) "
         "ON CONFLICT (day, slug, helpful) DO UPDATE SET votes = votes + 1")
      .bind(1, slug)
      .bind(2, int64_t{helpful ? 1 : 0})
      .run();
}

std::vector<Analytics::Count> Analytics::most_viewed(int days, size_t limit) {
  std::lock_guard lock(mu_);
  std::vector<Count> out;
  auto st = db_.prepare(
      "SELECT slug, SUM(views) AS n FROM article_views WHERE day > date('now', ?1) "
      "GROUP BY slug ORDER BY n DESC, slug LIMIT ?2");
  st.bind(1, "-" + std::to_string(days) + " days").bind(2, static_cast<int64_t>(limit));
  while (st.step()) out.push_back({st.text(0), st.integer(1)});
  return out;
}

Analytics::Votes Analytics::votes(const std::string& slug) {
  std::lock_guard lock(mu_);
  Votes v;
  auto st = db_.prepare("SELECT helpful, SUM(votes) FROM article_votes WHERE slug = ?1 GROUP BY helpful");
  st.bind(1, slug);
  while (st.step()) (st.integer(0) ? v.helpful : v.not_helpful) = st.integer(1);
  return v;
}

}  // namespace kb
