// Search insights (issue 21): the figures of /insights from a fixture log
// written straight into analytics.db (past days included), their tables,
// CSV, JSON and charts, and the routes that show them to staff only.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/sqlite_db.h"
#include "server/insights.h"
#include "tests/test_util.h"

using namespace kb;
using nlohmann::json;

namespace {

// Days ago -> date('now', '-N days') in SQL.
std::string day(int ago) { return fmt::format("date('now', '-{} days')", ago); }

// A fixture log: two languages, customers and agents, this week and the
// week before, clicks at known positions, votes.
void write_fixture_log(const fs::path& db) {
  SqliteDb raw(db.string(), SqliteDb::Mode::kReadWrite);
  raw.exec(fmt::format(R"sql(
    INSERT INTO searches VALUES ({0}, 'en', 0, 'refund', 6, 3);
    INSERT INTO searches VALUES ({0}, 'en', 0, 'zzqq', 2, 0);
    INSERT INTO searches VALUES ({0}, 'fi', 0, 'lasku', 4, 2);
    INSERT INTO searches VALUES ({0}, 'en', 1, 'goodwill', 5, 1);
    INSERT INTO searches VALUES ({1}, 'en', 0, 'refund', 2, 3);
    INSERT INTO searches VALUES ({1}, 'en', 0, 'invoice', 3, 2);
    INSERT INTO searches VALUES ({2}, 'en', 0, 'refund', 1, 3);
    INSERT INTO searches VALUES ({2}, 'en', 0, 'invoice', 9, 2);
    INSERT INTO search_clicks VALUES ({0}, 'refund', 0, 'refunds', 9);
    INSERT INTO search_clicks VALUES ({0}, 'lasku', 0, 'laskutus', 1);
    INSERT INTO search_clicks VALUES ({0}, 'goodwill', 1, 'goodwill', 5);
    INSERT INTO search_clicks VALUES ({1}, 'invoice', 0, 'reports', 1);
    INSERT INTO click_positions VALUES ({0}, 0, 1, 6);
    INSERT INTO click_positions VALUES ({0}, 0, 2, 3);
    INSERT INTO click_positions VALUES ({1}, 0, 11, 1);
    INSERT INTO click_positions VALUES ({0}, 1, 1, 5);
    INSERT INTO article_votes VALUES ({0}, 'refunds', 1, 3);
    INSERT INTO article_votes VALUES ({0}, 'refunds', 0, 1);
    INSERT INTO article_votes VALUES ({1}, 'reports', 0, 2);
    -- visits: day, lang, agent, channel, searches, opened, contacted, visits
    INSERT INTO visits VALUES ({0}, 'en', 0, 'help', 1, 1, 0, 4);
    INSERT INTO visits VALUES ({0}, 'en', 0, 'help', 3, 0, 1, 1);
    INSERT INTO visits VALUES ({0}, 'fi', 0, 'help', 0, 1, 0, 2);
    INSERT INTO visits VALUES ({1}, 'en', 0, 'embed', 2, 1, 0, 1);
    INSERT INTO visits VALUES ({0}, 'en', 1, 'help', 7, 1, 1, 3);
    INSERT INTO visits VALUES ({2}, 'en', 0, 'help', 1, 0, 0, 5);
  )sql", day(0), day(2), day(9)));
}

struct Logged {
  Logged() {
    { Analytics create(dir / "analytics.db"); }
    write_fixture_log(dir / "analytics.db");
    analytics = std::make_unique<Analytics>(dir / "analytics.db");
  }
  test::TempDir dir;
  std::unique_ptr<Analytics> analytics;
};

// The visit counts of a table row (fields visits, searched, searches,
// opened, contacted, self_served).
template <typename Row>
void check_visits(const Analytics::VisitStat& got, const Row& want) {
  CHECK(got.visits == want.visits);
  CHECK(got.searched == want.searched);
  CHECK(got.searches == want.searches);
  CHECK(got.opened == want.opened);
  CHECK(got.contacted == want.contacted);
  CHECK(got.self_served == want.self_served);
}

const Analytics::DayStat& day_stat(const Analytics::Insights& in, int ago) {
  return in.days[in.days.size() - 1 - static_cast<size_t>(ago)];
}

}  // namespace

TEST_CASE("insights: the figures of a fixture log, per period, audience and language") {
  Logged l;
  struct Row {
    const char* name;
    Analytics::InsightsRequest request;
    int64_t searches, zero_results, clicked;
  };
  const Row rows[] = {
      // Customers, 7 days: today 12 (2 found nothing; refund 6 of 6 clicked, lasku 1), 2 days ago 5 (1 clicked).
      {"customers, 7 days", {7, false, "", 50}, 17, 2, 8},
      {"customers, 7 days, Finnish", {7, false, "fi", 50}, 4, 0, 1},
      {"agents, 7 days", {7, true, "", 50}, 5, 0, 5},
      {"everyone, 7 days", {7, std::nullopt, "", 50}, 22, 2, 13},
      {"customers, 30 days", {30, false, "", 50}, 27, 2, 8},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto in = l.analytics->insights(row.request);
    CHECK(in.days.size() == static_cast<size_t>(row.request.days));
    CHECK(in.searches == row.searches);
    CHECK(in.zero_results == row.zero_results);
    CHECK(in.clicked == row.clicked);
  }

  const auto week = l.analytics->insights({7, false, "", 50});
  CHECK(day_stat(week, 0).searches == 12);
  CHECK(day_stat(week, 0).clicked == 7);  // refund: 9 clicks on 6 searches count 6
  CHECK(day_stat(week, 1).searches == 0);  // a day without searches is there, as zeros
  CHECK(day_stat(week, 2).clicked == 1);
  REQUIRE(week.positions.size() == static_cast<size_t>(Analytics::kLastPosition));
  CHECK(week.positions[0].clicks == 6);
  CHECK(week.positions[1].clicks == 3);
  CHECK(week.positions[10].clicks == 1);
  // Top: most searched first; rising: at least 3 and twice the week before
  // (refund 8 against 1 rises; invoice 3 against 9 does not).
  REQUIRE(week.top.size() == 4);
  CHECK(week.top[0].stat.query == "refund");
  CHECK(week.top[0].stat.searches == 8);
  CHECK(week.top[0].previous == 1);
  std::vector<std::string> rising;
  for (const auto& q : week.rising) rising.push_back(q.stat.query);
  CHECK(rising == std::vector<std::string>{"refund", "lasku"});
  // Votes: least helpful first.
  REQUIRE(week.votes.size() == 2);
  CHECK(week.votes[0].slug == "reports");
  CHECK(week.votes[1].slug == "refunds");
  CHECK(week.votes[1].helpful == 3);
  CHECK(week.found_slugs == std::set<std::string>{"laskutus", "refunds", "reports"});
}

TEST_CASE("insights: visits of a fixture log, per period, audience and language") {
  Logged l;
  struct Row {
    const char* name;
    Analytics::InsightsRequest request;
    int64_t visits, searched, searches, opened, contacted, self_served;
    int64_t today_visits, today_self_served;
  };
  const Row rows[] = {
      // Customers, 7 days: 4 searched once and read, 1 searched 3 times and
      // asked support, 2 landed on an article (fi), 1 in the sidebar 2 days ago.
      {"customers, 7 days", {7, false, "", 50}, 8, 6, 9, 7, 1, 7, 7, 6},
      {"customers, 7 days, Finnish", {7, false, "fi", 50}, 2, 0, 0, 2, 0, 2, 2, 2},
      {"agents, 7 days", {7, true, "", 50}, 3, 3, 21, 3, 3, 0, 3, 0},
      {"everyone, 7 days", {7, std::nullopt, "", 50}, 11, 9, 30, 10, 4, 7, 10, 6},
      {"customers, 30 days", {30, false, "", 50}, 13, 11, 14, 7, 1, 7, 7, 6},
  };
  for (const Row& row : rows) {
    SECTION(row.name) {
      const auto in = l.analytics->insights(row.request);
      check_visits(in.visits, row);
      CHECK(day_stat(in, 0).visits == row.today_visits);
      CHECK(day_stat(in, 0).self_served == row.today_self_served);
    }
  }
  SECTION("the visits table: per channel, by searches in the visit") {
    const auto tables = insight_tables(l.analytics->insights({7, false, "", 50}), {});
    CHECK(to_csv(*find_table(tables, "visits")) ==
          "channel,visit_searches,visits,opened,contacted,self_served,deflection_rate\r\n"
          "help,0,2,2,0,2,1.000\r\n"
          "help,1,4,4,0,4,1.000\r\n"
          "help,2,0,0,0,0,\r\n"
          "help,3-5,1,0,1,0,0.000\r\n"
          "help,6+,0,0,0,0,\r\n"
          "embed,0,0,0,0,0,\r\n"
          "embed,1,0,0,0,0,\r\n"
          "embed,2,1,1,0,1,1.000\r\n"
          "embed,3-5,0,0,0,0,\r\n"
          "embed,6+,0,0,0,0,\r\n");
    // No sidebar visits, no sidebar rows.
    const auto agents = insight_tables(l.analytics->insights({7, true, "", 50}), {});
    CHECK(find_table(agents, "visits")->rows.size() == 5);
  }
}

// Visits as kb-server records them: steps of visitors told apart by what
// the server sees of them, ended after a quiet while, written as counts.
TEST_CASE("insights: a visit's steps are counted as one visit, open or ended") {
  using Step = Analytics::Step;
  using Channel = Analytics::Channel;
  struct Event {
    const char* visitor;
    Channel channel;
    Step step;
  };
  struct Row {
    const char* name;
    std::vector<Event> events;
    int64_t visits, searched, searches, opened, contacted, self_served;
  };
  const Row rows[] = {
      {"searched and read", {{"a", Channel::kHelp, Step::kSearch}, {"a", Channel::kHelp, Step::kOpen}}, 1, 1, 1, 1, 0, 1},
      {"searched twice and asked support",
       {{"a", Channel::kHelp, Step::kSearch}, {"a", Channel::kHelp, Step::kSearch}, {"a", Channel::kHelp, Step::kContact}},
       1, 1, 2, 0, 1, 0},
      {"read, then asked anyway", {{"a", Channel::kHelp, Step::kOpen}, {"a", Channel::kHelp, Step::kContact}}, 1, 0, 0, 1, 1, 0},
      {"two visitors", {{"a", Channel::kHelp, Step::kSearch}, {"b", Channel::kHelp, Step::kOpen}}, 2, 1, 1, 1, 0, 1},
      {"searches are counted up to the cap",
       std::vector<Event>(15, Event{"a", Channel::kHelp, Step::kSearch}), 1, 1, Analytics::kMaxVisitSearches, 0, 0, 0},
      {"the sidebar and the help page are one visit, counted where it began",
       {{"a", Channel::kEmbed, Step::kSearch}, {"a", Channel::kHelp, Step::kOpen}}, 1, 1, 1, 1, 0, 1},
  };
  for (const Row& row : rows) {
    SECTION(row.name) {
      test::TempDir dir;
      for (const bool ended : {false, true}) {
        CAPTURE(ended);
        AnalyticsOptions options;
        options.visit_idle = ended ? std::chrono::milliseconds(0) : std::chrono::hours(1);
        const fs::path db = dir / (ended ? "ended.db" : "open.db");
        {
          Analytics analytics(db, options);
          for (const Event& e : row.events) analytics.record_visit(e.visitor, false, e.channel, e.step, "en");
          if (ended) analytics.flush();
          // Open visits count as they stand; ended ones from the table.
          const auto in = analytics.insights({7, false, "", 50});
          check_visits(in.visits, row);
          CHECK(day_stat(in, 0).visits == row.visits);
          for (const auto& b : in.visit_buckets) {
            // Each visit is in the row of the channel it began in.
            if (b.stat.visits == 0) continue;
            CHECK(b.channel == row.events.front().channel);
          }
        }
        // Nothing is lost at exit: open visits are ended and written.
        AnalyticsOptions reader;
        reader.read_only = true;
        CHECK(Analytics(db, reader).insights({7, false, "", 50}).visits.visits == row.visits);
      }
    }
  }
  SECTION("what is written holds no visitor: counts only") {
    test::TempDir dir;
    {
      Analytics analytics(dir / "a.db");
      analytics.record_visit("203.0.113.9\nMozilla/5.0\nfi", false, Channel::kHelp, Step::kSearch, "fi");
    }
    SqliteDb raw((dir / "a.db").string(), SqliteDb::Mode::kReadOnly);
    auto st = raw.prepare("SELECT * FROM visits");
    REQUIRE(st.step());
    CHECK(st.text(0).size() == 10);  // the day
    CHECK(st.text(1) == "fi");
    CHECK(st.text(3) == "help");
    CHECK(st.integer(7) == 1);
    CHECK_FALSE(st.step());
  }
  SECTION("too many open visits: the longest idle are ended first") {
    test::TempDir dir;
    AnalyticsOptions options;
    options.max_open_visits = 2;
    Analytics analytics(dir / "a.db", options);
    analytics.record_visit("a", false, Channel::kHelp, Step::kSearch, "en");
    analytics.record_visit("b", false, Channel::kHelp, Step::kSearch, "en");
    analytics.record_visit("c", false, Channel::kHelp, Step::kSearch, "en");
    analytics.record_visit("a", false, Channel::kHelp, Step::kOpen, "en");  // b is now the longest idle
    analytics.flush();
    analytics.record_visit("b", false, Channel::kHelp, Step::kOpen, "en");  // a new visit
    const auto in = analytics.insights({7, false, "", 50});
    CHECK(in.visits.visits == 4);
    CHECK(in.visits.opened == 2);
  }
}

TEST_CASE("insights: tables, CSV and JSON say the same, and never-found lists the audience's articles") {
  Logged l;
  const auto in = l.analytics->insights({7, false, "", 50});
  auto article = [](const char* slug, const char* title, const char* category) {
    ArticleSummary a;
    a.slug = slug;
    a.title = title;
    a.lang = "en";
    a.category = category;
    return a;
  };
  const std::vector<ArticleSummary> articles = {article("refunds", "Request a refund", "Billing"),
                                                article("reports", "Monthly reports, \"CSV\" and more", "Accounting"),
                                                article("ledger-basics", "=SUM(A1) ledger", "Accounting")};
  const auto tables = insight_tables(in, articles);
  std::vector<std::string> names;
  for (const auto& t : tables) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"top_queries", "rising_queries", "helpfulness", "never_found", "days", "visits",
                                          "positions"});

  REQUIRE(find_table(tables, "never_found"));
  const InsightTable& never = *find_table(tables, "never_found");
  REQUIRE(never.rows.size() == 1);
  CHECK(never.rows[0][1] == "ledger-basics");
  // A spreadsheet must not run a title as a formula.
  CHECK(to_csv(never) == "title,slug,lang,category\r\n'=SUM(A1) ledger,ledger-basics,en,Accounting\r\n");

  const InsightTable& votes = *find_table(tables, "helpfulness");
  CHECK(to_csv(votes) ==
        "title,slug,helpful,not_helpful,helpful_share\r\n"
        "\"Monthly reports, \"\"CSV\"\" and more\",reports,0,2,0.000\r\n"
        "Request a refund,refunds,3,1,0.750\r\n");

  const json j = insights_json(in, tables);
  CHECK(j["totals"]["searches"] == 17);
  CHECK(j["totals"]["success_rate"].get<double>() == Approx(8.0 / 17).epsilon(0.001));
  CHECK(j["top_queries"][0] == json({{"query", "refund"}, {"lang", "en"}, {"searches", 8}, {"results", 3}, {"clicks", 9}}));
  CHECK(j["positions"][10]["position"] == "11+");
  CHECK(j["days"].size() == 7);
  CHECK(j["days"][5]["success_rate"].is_null());  // no searches that day: no rate
}

TEST_CASE("insights: a bar chart is accessible SVG with every value in a title") {
  BarChart c{"c1", "Searches <per> day", "desc & more", {"1 Dec", "2 Dec", "3 Dec"}, {3, 0, 12}, {1, 0, 0}, false};
  const std::string svg = svg_bar_chart(c);
  CHECK_THAT(svg, Catch::StartsWith(R"(<svg class="chart" id="c1")"));
  CHECK_THAT(svg, Catch::Contains(R"(role="img" aria-labelledby="c1-title c1-desc")"));
  CHECK_THAT(svg, Catch::Contains("<title id=\"c1-title\">Searches &lt;per&gt; day</title>"));
  CHECK_THAT(svg, Catch::Contains("<title>3 Dec: 12 (0)</title>"));
  CHECK_THAT(svg, Catch::Contains("<title>1 Dec: 3 (1)</title>"));
  CHECK_THAT(svg, Catch::Contains(">20</text>"));  // the axis tops at a round number
  CHECK(svg.find("style=") == std::string::npos);  // the page's CSP allows no inline style
}

TEST_CASE("insights: staff see the page, its CSV and JSON, and the public is sent to sign in or refused") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  {
    Analytics create(dir / "index" / Analytics::kFileName);
  }
  write_fixture_log(dir / "index" / Analytics::kFileName);
  test::TestServer server(dir / "index");
  const std::string agent = *server.tokens().create("agent", Role::kAgent);

  CHECK(server.get("/insights").first == 303);
  CHECK(server.get("/insights.csv?table=days").first == 303);
  CHECK(server.get("/api/v1/insights").first == 401);

  auto [status, page] = server.get("/insights?days=7", agent);
  CHECK(status == 200);
  CHECK_THAT(page, Catch::Contains(R"(<dd id="total-searches">17</dd>)"));
  CHECK_THAT(page, Catch::Contains(R"(<svg class="chart" id="chart-searches")"));
  CHECK_THAT(page, Catch::Contains(R"(href="&#x2F;insights.csv?table=top_queries&amp;days=7&amp;audience=public")"));
  CHECK_THAT(page, Catch::Contains("ledger-basics"));  // never opened from search
  // A search links to its results (not logged again), an article to itself.
  CHECK_THAT(page, Catch::Contains(R"(<a href="&#x2F;search?q=refund&amp;lang=en&amp;from=report">refund</a>)"));
  CHECK_THAT(page, Catch::Contains(R"(<a href="&#x2F;articles&#x2F;ledger-basics">)"));

  auto [csv_status, csv] = server.get("/insights.csv?table=top_queries&days=7", agent);
  CHECK(csv_status == 200);
  CHECK_THAT(csv, Catch::StartsWith("query,lang,searches,results,clicks\r\nrefund,en,8,3,9\r\n"));
  CHECK(server.get("/insights.csv?table=nope", agent).first == 400);

  auto [json_status, j] = server.get_json("/api/v1/insights?days=7&audience=agents", agent);
  CHECK(json_status == 200);
  CHECK(j["totals"]["searches"] == 5);
  CHECK(j["period"] == json({{"days", 7}, {"audience", "agents"}, {"lang", ""}}));
  CHECK(server.get_json("/api/v1/insights?days=0", agent).first == 400);
  CHECK(server.get_json("/api/v1/insights?lang=%3Cx%3E", agent).first == 400);
}

// The deflection figure end to end: visitors on the help page and in the
// helpdesk sidebar, the contact link, and the crawlers and programs that
// make no visits.
TEST_CASE("insights: visits and the contact link, through the server") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");

  SECTION("without a contact link: no link, /contact is 404, and the page says so") {
    test::TestServer server(dir / "index");
    const std::string agent = *server.tokens().create("agent", Role::kAgent);
    auto [status, page] = server.get("/search?q=zzqqxx");
    CHECK(status == 200);
    CHECK(page.find("/contact") == std::string::npos);
    CHECK(server.get("/contact").first == 404);
    CHECK_THAT(server.get("/insights", agent).second, Catch::Contains(R"(id="no-contact")"));
  }

  SECTION("with a contact link") {
    AppOptions options = test::app_options("Test Help");
    options.contact_url = "https://example.com/support?from=kb";
    test::TestServer server(dir / "index", options);
    const std::string agent = *server.tokens().create("agent", Role::kAgent);
    httplib::Client c = server.client();
    auto as = [](const char* browser) { return httplib::Headers{{"User-Agent", browser}}; };

    // The link is in every page's footer and on an empty result.
    auto empty = c.Get("/search?q=zzqqxx", as("Mozilla/5.0 (B)"));
    REQUIRE(empty);
    CHECK_THAT(empty->body, Catch::Contains(R"(class="contact-prompt")"));
    CHECK_THAT(empty->body, Catch::Contains(R"(<a href="/contact" rel="nofollow">)"));
    auto contact = c.Get("/contact", as("Mozilla/5.0 (B)"));
    REQUIRE(contact);
    CHECK(contact->status == 303);
    CHECK(contact->get_header_value("Location") == "https://example.com/support?from=kb");

    // A: searched, opened a result: self-served.
    REQUIRE(c.Get("/search?q=refund", as("Mozilla/5.0 (A)"))->status == 200);
    REQUIRE(c.Get("/articles/refunds?hl=refund&pos=1", as("Mozilla/5.0 (A)"))->status == 200);
    // D: the helpdesk sidebar, then the article it offered.
    REQUIRE(c.Get("/embed?subject=refund", as("Mozilla/5.0 (D)"))->status == 200);
    REQUIRE(c.Get("/articles/refunds", as("Mozilla/5.0 (D)"))->status == 200);
    // No visits: a crawler, a program without a browser's name, the API.
    REQUIRE(c.Get("/articles/reports", as("Mozilla/5.0 (compatible; Googlebot/2.1)"))->status == 200);
    REQUIRE(c.Get("/search?q=ledger", as("curl/7.88.1"))->status == 200);
    REQUIRE(c.Get("/api/v1/search?q=ledger", as("Mozilla/5.0 (E)"))->status == 200);
    // A report's link to a search is the writer looking, not a visit.
    REQUIRE(c.Get("/search?q=ledger&from=report", as("Mozilla/5.0 (F)"))->status == 200);

    // Open visits count as they stand.
    auto [status, j] = server.get_json("/api/v1/insights?days=7", agent);
    REQUIRE(status == 200);
    CHECK(j["totals"]["visits"] == 3);
    CHECK(j["totals"]["self_served"] == 2);
    CHECK(j["totals"]["contacted"] == 1);
    CHECK(j["totals"]["searches_per_visit"].get<double>() == Approx(1.0));
    CHECK(j["totals"]["deflection_rate"].get<double>() == Approx(0.667).epsilon(0.001));
    const json& visits = j["visits"];
    REQUIRE(visits.size() == 10);
    CHECK(visits[1] == json({{"channel", "help"}, {"visit_searches", "1"}, {"visits", 2}, {"opened", 1},
                             {"contacted", 1}, {"self_served", 1}, {"deflection_rate", 0.5}}));
    CHECK(visits[6]["channel"] == "embed");
    CHECK(visits[6]["self_served"] == 1);
    CHECK(j["days"][6]["visits"] == 3);
    CHECK_THAT(server.get("/metrics").second, Catch::Contains("kb_contact_clicks_total{audience=\"public\"} 1"));

    auto [page_status, page] = server.get("/insights?days=7", agent);
    CHECK(page_status == 200);
    CHECK_THAT(page, Catch::Contains(R"(<dd id="total-visits">3</dd>)"));
    CHECK_THAT(page, Catch::Contains(R"(<dd id="total-deflection">66.7 %</dd>)"));
    CHECK_THAT(page, Catch::Contains(R"(<svg class="chart" id="chart-deflection")"));
    CHECK(page.find(R"(id="no-contact")") == std::string::npos);
  }
}
