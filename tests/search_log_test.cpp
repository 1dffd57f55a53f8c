// The search log and `kb-index report`: what people searched for and did not
// find, per language, with nothing about who searched.
#include <catch2/catch.hpp>

#include "core/sqlite_db.h"
#include "tests/test_util.h"

using namespace kb;

TEST_CASE("search log: queries are normalized and masked before they are stored") {
  struct Row {
    const char* typed;
    const char* stored;
  };
  const Row rows[] = {
      {"  Refund   TIMELINE ", "refund timeline"},
      {"KULURAPORTIN Hyväksyntä", "kuluraportin hyväksyntä"},
      {"ZŁOMOWANIE", "złomowanie"},
      {"invoice for anna.k@example.fi", "invoice for <email>"},
      {"order 1234 5678 9012 missing", "order <number> missing"},
      {"iphone 15", "iphone 15"},  // short numbers are words people search for
      {"   ", ""},
  };
  for (const auto& r : rows) {
    INFO(r.typed);
    CHECK(normalize_logged_query(r.typed) == r.stored);
  }
  CHECK(normalize_logged_query(std::string(500, 'a')).size() == kMaxLoggedQueryBytes);
}

TEST_CASE("search log: searches and clicks over HTTP become the gap report") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  test::TestServer server(dir / "index");
  const std::string token = *server.tokens().create("agent");
  struct Search {
    const char* target;
    int times;
    const char* token;
  };
  const Search searches[] = {
      {"/search?q=Refund", 2, ""},                          // found and opened below
      {"/api/v1/search?q=ledger", 3, ""},                   // found, opened below
      {"/search?q=monthly", 2, ""},                         // found, never opened
      {"/search?q=parking%20permit&lang=en", 4, ""},        // nothing
      {"/search?q=pysäköinti&lang=fi", 1, ""},              // nothing, in Finnish
      {"/api/v1/search?q=zanzibar", 2, "agent"},            // an agent's search (found)
      {"/api/v1/search?q=secret%20roadmap", 5, "agent"},    // an agent's search (nothing)
      {"/search?q=parking%20permit&lang=en&page=2", 1, ""},  // later pages are not new searches
      {"/api/v1/suggest?q=parki", 3, ""},                   // typing is not searching
  };
  for (const auto& s : searches) {
    for (int i = 0; i < s.times; ++i) CHECK(server.get(s.target, *s.token ? token : "").first == 200);
  }
  CHECK(server.get("/articles/refunds?hl=Refund").first == 200);
  CHECK(server.get("/articles/refunds?hl=" + std::string(8000, 'a')).first == 200);  // too long to log
  // A corrected search is logged as it ran, so the click from its results counts.
  CHECK(server.get("/search?q=ledgr").first == 200);
  CHECK(server.get("/articles/ledger-basics?hl=ledger").first == 200);
  server.analytics().flush();

  auto report = server.analytics().gaps(30, false, 10);
  REQUIRE(report.no_results.size() == 2);
  CHECK(report.no_results[0].lang == "en");
  CHECK(report.no_results[0].query == "parking permit");
  CHECK(report.no_results[0].searches == 4);
  CHECK(report.no_results[1].lang == "fi");
  CHECK(report.no_results[1].query == "pysäköinti");
  // "ledger" (3 + the corrected "ledgr") and "refund" were opened.
  REQUIRE(report.no_clicks.size() == 1);
  CHECK(report.no_clicks[0].query == "monthly");
  CHECK(report.no_clicks[0].lang.empty());  // searched without a language
  CHECK(report.no_clicks[0].searches == 2);

  auto agents = server.analytics().gaps(30, true, 10);
  REQUIRE(agents.no_results.size() == 1);
  CHECK(agents.no_results[0].query == "secret roadmap");

  // The command writers run.
  auto r = test::run({KB_INDEX_BIN, "report", "--index", (dir / "index").string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("Searches that found nothing (last 30 days, public visitors):"));
  CHECK_THAT(r.out, Catch::Contains("en         4x  parking permit"));
  CHECK_THAT(r.out, Catch::Contains("4x  parking permit\n  fi         1x  pysäköinti\n  (an article that answers one "
                                    "in other words: add the words to synonyms.txt"));
  CHECK_THAT(r.out, Catch::Contains("Searches with results that nobody opened:\n  any        2x  monthly  (1 result)\n"));
  CHECK(r.out.find("refund") == std::string::npos);
  CHECK(r.out.find("secret") == std::string::npos);
  r = test::run({KB_INDEX_BIN, "report", "--index", (dir / "index").string(), "--audience", "agents", "--format",
                 "json"});
  CHECK(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["no_results"][0]["query"] == "secret roadmap");
  CHECK(j["no_results"][0]["searches"] == 5);
  r = test::run({KB_INDEX_BIN, "report", "--index", (dir / "index").string(), "--lang", "fi"});
  CHECK(r.out.find("parking") == std::string::npos);
  CHECK_THAT(r.out, Catch::Contains("pysäköinti"));

  // The same report in a browser, for staff (writers rarely have a shell on
  // the server); each query links to its results.
  auto [anon_status, anon] = server.get("/report");
  CHECK(anon_status == 303);
  auto [page_status, page] = server.get("/report", token);
  REQUIRE(page_status == 200);
  const size_t nothing = page.find("id=\"report-no-results\"");
  const size_t unopened = page.find("id=\"report-no-clicks\"");
  const size_t parking = page.find("search?q=parking%20permit&amp;lang=en&amp;from=report\">parking permit</a>");
  const size_t monthly = page.find(">monthly</a>");
  CHECK(nothing < parking);
  CHECK(parking < unopened);
  CHECK(unopened < monthly);
  CHECK(monthly != std::string::npos);
  CHECK(page.find("secret roadmap") == std::string::npos);  // the public's searches by default
  auto [agents_status, agents_page] = server.get("/report?audience=agents&days=7", token);
  REQUIRE(agents_status == 200);
  CHECK_THAT(agents_page, Catch::Contains(">secret roadmap</a>"));
  CHECK_THAT(agents_page, Catch::Contains("<option value=\"7\" selected>Last 7 days</option>"));
  CHECK(agents_page.find("parking permit") == std::string::npos);
  CHECK(server.get("/report?days=0", token).first == 400);
  // Following a link of the report is looking, not searching: not logged.
  CHECK(server.get("/search?q=parking%20permit&lang=en&from=report", token).first == 200);
  server.analytics().flush();
  CHECK(server.analytics().gaps(30, true, 10).no_results.size() == 1);  // still only "secret roadmap"
}

TEST_CASE("search log: retention deletes old days, 0 days logs nothing") {
  test::TempDir dir;
  const fs::path db = dir / "analytics.db";
  {
    AnalyticsOptions options;
    options.search_log_days = 7;
    Analytics analytics(db, options);
    SqliteDb raw(db.string(), SqliteDb::Mode::kReadWrite);
    raw.exec(
        "INSERT INTO searches VALUES (date('now', '-8 days'), 'en', 0, 'old query', 1, 0);"
        "INSERT INTO searches VALUES (date('now', '-6 days'), 'en', 0, 'recent query', 1, 0);"
        "INSERT INTO search_clicks VALUES (date('now', '-30 days'), 'old query', 0, 'x', 1);");
    analytics.record_search("today", "en", false, 0);
    analytics.flush();
    auto gaps = analytics.gaps(365, std::nullopt, 10);
    std::vector<std::string> queries;
    for (const auto& q : gaps.no_results) queries.push_back(q.query);
    CHECK(queries == std::vector<std::string>{"recent query", "today"});
    auto clicks = raw.prepare("SELECT COUNT(*) FROM search_clicks");
    REQUIRE(clicks.step());
    CHECK(clicks.integer(0) == 0);  // the 30-day-old click went too
  }
  // Turned off: nothing new is logged, and what was is deleted.
  AnalyticsOptions none;
  none.search_log_days = 0;
  {
    Analytics analytics(db, none);
    analytics.record_search("anything", "en", false, 0);
    analytics.flush();
  }
  AnalyticsOptions reader;
  reader.read_only = true;
  CHECK(Analytics(db, reader).gaps(365, std::nullopt, 10).no_results.empty());
}

TEST_CASE("search log: counted searches are written by the background flush and at shutdown") {
  test::TempDir dir;
  AnalyticsOptions options;
  options.flush_interval = std::chrono::milliseconds(50);
  Analytics analytics(dir / "analytics.db", options);
  analytics.record_search("background", "en", false, 0);
  CHECK(test::eventually([&] {
    SqliteDb raw((dir / "analytics.db").string(), SqliteDb::Mode::kReadOnly);
    auto st = raw.prepare("SELECT COUNT(*) FROM searches WHERE query = 'background'");
    return st.step() && st.integer(0) == 1;
  }));
  {
    Analytics other(dir / "other.db");
    other.record_search("at exit", "en", false, 0);
  }
  Analytics reread(dir / "other.db");
  CHECK(reread.gaps(30, std::nullopt, 10).no_results.at(0).query == "at exit");
}
