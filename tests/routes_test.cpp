// Routes without a socket: App::handle on plain Request structs.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <fstream>

#include "tests/test_util.h"

using namespace kb;

namespace {

struct AppFixture {
  explicit AppFixture(const std::string& site_name = "Test") : layout(dir / "index"), search(layout) {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    auto t = Templates::load(test::templates_dir());
    REQUIRE(t.is_ok());
    templates = std::make_unique<Templates>(std::move(t.value()));
    tokens = std::make_unique<TokenStore>(layout.auth_db());
    analytics = std::make_unique<Analytics>(dir / "analytics.db");
    app = std::make_unique<App>(search, tokens.get(), *templates, metrics, test::app_options(site_name), analytics.get());
  }
  Response post(const std::string& path, std::multimap<std::string, std::string> params) {
    Request r;
    r.method = "POST";
    r.path = path;
    r.params = std::move(params);
    return app->handle(r);
  }
  std::string agent_token() {
    auto token = tokens->create("agent");
    REQUIRE(token.is_ok());
    return "Bearer " + *token;
  }
  Response get(const std::string& path, std::multimap<std::string, std::string> params = {},
               std::map<std::string, std::string> headers = {}) {
    Request r;
    r.path = path;
    r.params = std::move(params);
    r.headers = std::move(headers);
    return app->handle(r);
  }
  test::TempDir dir;
  IndexLayout layout;
  SearchService search;
  Metrics metrics;
  std::unique_ptr<Templates> templates;
  std::unique_ptr<TokenStore> tokens;
  std::unique_ptr<Analytics> analytics;
  std::unique_ptr<App> app;
};

std::string header(const Response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

}  // namespace

TEST_CASE("routes: statuses and content types") {
  AppFixture f;
  struct Row {
    const char* path;
    std::multimap<std::string, std::string> params;
    int status;
    const char* type_prefix;
  };
  const Row rows[] = {
      {"/api/v1/search", {{"q", "ledger"}}, 200, "application/json"},
      {"/api/v1/search", {}, 400, "application/json"},
      {"/api/v1/articles/refunds", {}, 200, "application/json"},
      {"/api/v1/articles/nope", {}, 404, "application/json"},
      {"/api/v1/unknown", {}, 404, "application/json"},
      {"/healthz", {}, 200, "application/json"},
      {"/metrics", {}, 200, "text/plain"},
      {"/", {}, 200, "text/html"},
      {"/search", {{"q", "refund"}}, 200, "text/html"},
      {"/search", {{"q", "refund"}, {"page", "abc"}}, 400, "text/html"},
      {"/search", {{"q", "  "}}, 303, "text/html"},
      {"/articles/refunds", {}, 200, "text/html"},
      {"/articles/goodwill", {}, 404, "text/html"},
      {"/static/style.css", {}, 200, "text/css"},
      {"/static/../CMakeLists.txt", {}, 404, "text/html"},
      {"/nope", {}, 404, "text/html"},
  };
  for (const auto& r : rows) {
    INFO(r.path);
    Response res = f.get(r.path, r.params);
    CHECK(res.status == r.status);
    CHECK_THAT(res.content_type, Catch::StartsWith(r.type_prefix));
  }
}

TEST_CASE("routes: errors are JSON with code and message") {
  AppFixture f;
  Response res = f.get("/api/v1/search", {{"q", "x"}, {"limit", "lots"}});
  auto j = nlohmann::json::parse(res.body);
  CHECK(j["error"]["code"] == "invalid_parameter");
  CHECK_THAT(j["error"]["message"].get<std::string>(), Catch::Contains("limit"));

  Request post;
  post.method = "POST";
  post.path = "/api/v1/search";
  CHECK(f.app->handle(post).status == 405);
}

TEST_CASE("routes: a bad token is refused, a good one sees internal articles") {
  AppFixture f;
  CHECK(f.get("/api/v1/articles/goodwill", {}, {{"authorization", "Bearer nope"}}).status == 401);
  CHECK(f.get("/api/v1/articles/goodwill", {}, {{"authorization", "Basic abc"}}).status == 401);
  auto token = f.tokens->create("agent");
  REQUIRE(token.is_ok());
  CHECK(f.get("/api/v1/articles/goodwill", {}, {{"authorization", "Bearer " + *token}}).status == 200);
}

TEST_CASE("routes: pages carry a strict CSP and no inline script") {
  AppFixture f;
  for (const char* path : {"/", "/search", "/articles/refunds"}) {
    INFO(path);
    Response res = f.get(path, {{"q", "refund"}});
    REQUIRE(res.status == 200);
    bool csp = false;
    for (const auto& [k, v] : res.headers) csp = csp || (k == "Content-Security-Policy" && v.find("'unsafe-inline'") == std::string::npos);
    CHECK(csp);
    CHECK_THAT(res.body, !Catch::Contains("<script>"));
    CHECK_THAT(res.body, !Catch::Contains("style=\""));
  }
}

TEST_CASE("routes: metrics count requests by route and status") {
  AppFixture f;
  f.get("/api/v1/search", {{"q", "ledger"}});
  f.get("/api/v1/search", {});
  std::string m = f.get("/metrics").body;
  CHECK_THAT(m, Catch::Contains("kb_http_requests_total{route=\"api_search\",status=\"200\"} 1"));
  CHECK_THAT(m, Catch::Contains("kb_http_requests_total{route=\"api_search\",status=\"400\"} 1"));
  CHECK_THAT(m, Catch::Contains("kb_index_documents 8"));
}

TEST_CASE("routes: metrics time the plan, match and present steps of searches the cache did not answer") {
  AppFixture f;
  f.get("/api/v1/search", {{"q", "ledger"}});
  f.get("/api/v1/search", {{"q", "ledger"}});  // cached: no steps run
  f.get("/api/v1/search", {{"q", "invoice"}});
  const std::string m = f.get("/metrics").body;
  for (const char* step : {"plan", "match", "present"}) {
    INFO(step);
    CHECK_THAT(m, Catch::Contains(fmt::format("kb_search_step_duration_seconds_count{{step=\"{}\"}} 2", step)));
  }
}

TEST_CASE("routes: the home page shows the browser's language, or the chosen one") {
  AppFixture f;
  struct Row {
    const char* accept_language;
    const char* lang_param;
    const char* shown;
    const char* hidden;
  };
  const Row rows[] = {
      {"fi-FI,fi;q=0.9,en;q=0.8", "", "Laskutuksen perusteet", "Ledger basics"},
      {"de-DE,pl;q=0.5", "", "Wystawianie faktury", "Ledger basics"},
      {"en-US", "vi", "Quản lý người dùng", "Ledger basics"},
      {"", "", "Ledger basics", "Wystawianie faktury"},
  };
  for (const auto& r : rows) {
    INFO(r.accept_language << " / " << r.lang_param);
    std::multimap<std::string, std::string> params;
    if (*r.lang_param) params.emplace("lang", r.lang_param);
    std::map<std::string, std::string> headers;
    if (*r.accept_language) headers.emplace("accept-language", r.accept_language);
    Response res = f.get("/", params, headers);
    REQUIRE(res.status == 200);
    CHECK_THAT(res.body, Catch::Contains(r.shown));
    if (*r.accept_language || *r.lang_param) CHECK_THAT(res.body, !Catch::Contains(r.hidden));
  }
}

TEST_CASE("routes: suggest answers as you type, and checks its parameters") {
  AppFixture f;
  struct Row {
    std::multimap<std::string, std::string> params;
    int status;
    size_t min_suggestions;
  };
  const Row rows[] = {
      {{{"q", "led"}}, 200, 1},
      {{{"q", "refund tim"}, {"lang", "en"}}, 200, 1},
      {{{"q", ""}}, 200, 0},
      {{{"q", "zzzz"}}, 200, 0},
      {{}, 400, 0},
      {{{"q", "led"}, {"lang", "not a language"}}, 400, 0},
      {{{"q", "led"}, {"limit", "many"}}, 400, 0},
      {{{"q", std::string(600, 'a')}}, 400, 0},
  };
  for (const auto& r : rows) {
    INFO((r.params.count("q") ? r.params.find("q")->second.substr(0, 20) : "(no q)"));
    Response res = f.get("/api/v1/suggest", r.params);
    CHECK(res.status == r.status);
    auto j = nlohmann::json::parse(res.body);
    if (r.status == 200) {
      CHECK(j["suggestions"].size() >= r.min_suggestions);
      CHECK(j["articles"].is_array());
    } else {
      CHECK(j["error"]["message"].get<std::string>().find("parameter") != std::string::npos);
    }
  }
  auto j = nlohmann::json::parse(f.get("/api/v1/suggest", {{"q", "refund tim"}}).body);
  REQUIRE_FALSE(j["suggestions"].empty());
  CHECK(j["suggestions"][0]["url"] == "/articles/refunds#timeline");
  CHECK(j["suggestions"][0]["kind"] == "section");
  CHECK(j["suggestions"][0]["html"] == "<mark>Refund</mark> <mark>tim</mark>eline");
}

TEST_CASE("routes: suggest never shows the public internal articles or drafts") {
  AppFixture f;
  for (const char* typed : {"goodw", "zanzib", "auror", "quixot"}) {
    INFO(typed);
    auto pub = nlohmann::json::parse(f.get("/api/v1/suggest", {{"q", typed}}).body);
    CHECK(pub["suggestions"].empty());
    CHECK(pub["articles"].empty());
  }
  const std::string token = f.agent_token();
  auto agent = nlohmann::json::parse(f.get("/api/v1/suggest", {{"q", "goodw"}}, {{"authorization", token}}).body);
  CHECK_FALSE(agent["suggestions"].empty());
  Response res = f.get("/api/v1/suggest", {{"q", "goodw"}}, {{"authorization", token}});
  CHECK(header(res, "Cache-Control") == "private, max-age=30");
}

TEST_CASE("routes: suggest also offers articles found by their text") {
  AppFixture f;
  // "opening" is a heading; "original card" is only in the text of the refunds article.
  auto j = nlohmann::json::parse(f.get("/api/v1/suggest", {{"q", "original ca"}}).body);
  REQUIRE_FALSE(j["articles"].empty());
  CHECK(j["articles"][0]["url"] == "/articles/refunds");
}

TEST_CASE("routes: was this helpful is recorded, without JavaScript too") {
  AppFixture f;
  Response page = f.post("/articles/refunds/feedback", {{"helpful", "yes"}});
  CHECK(page.status == 303);
  CHECK(header(page, "Location") == "/articles/refunds?voted=1#feedback");
  Response api = f.post("/api/v1/articles/refunds/feedback", {{"helpful", "no"}});
  CHECK(api.status == 200);
  auto votes = f.analytics->votes("refunds");
  CHECK(votes.helpful == 1);
  CHECK(votes.not_helpful == 1);

  struct Row {
    const char* path;
    const char* helpful;
    int status;
  };
  const Row rows[] = {
      {"/articles/refunds/feedback", "maybe", 400},
      {"/articles/refunds/feedback", "", 400},
      {"/articles/nope/feedback", "yes", 404},
      {"/articles/goodwill/feedback", "yes", 404},  // internal: not for the public
      {"/api/v1/articles/aurora/feedback", "yes", 404},  // draft
  };
  for (const auto& r : rows) {
    INFO(r.path << " " << r.helpful);
    CHECK(f.post(r.path, {{"helpful", r.helpful}}).status == r.status);
  }
  CHECK(f.get("/articles/refunds/feedback").status == 405);
  Response thanks = f.get("/articles/refunds", {{"voted", "1"}});
  CHECK_THAT(thanks.body, Catch::Contains("Thank you for your feedback."));
  CHECK_THAT(thanks.body, !Catch::Contains("feedback-form"));
}

TEST_CASE("routes: the interface speaks the article's, the chosen or the browser's language") {
  AppFixture f;
  struct Row {
    const char* path;
    std::multimap<std::string, std::string> params;
    const char* accept_language;
    const char* html_lang;
    const char* text;
  };
  const Row rows[] = {
      {"/articles/laskutus", {}, "en", "fi", "Oliko tästä apua?"},
      {"/articles/faktury", {}, "", "pl", "Czy ten artykuł był pomocny?"},
      {"/articles/quan-ly", {}, "", "vi", "Bài viết này có hữu ích không?"},
      {"/articles/refunds", {}, "fi", "en", "Was this helpful?"},
      {"/", {{"lang", "pl"}}, "fi", "pl", "Jak możemy pomóc?"},
      {"/", {}, "fi-FI,fi;q=0.9", "fi", "Miten voimme auttaa?"},
      {"/", {}, "de-DE,vi;q=0.5", "vi", "Chúng tôi có thể giúp gì cho bạn?"},
      {"/", {}, "de-DE", "en", "How can we help?"},
      {"/search", {{"q", "lasku"}, {"lang", "fi"}}, "", "fi", "Tulokset haulle"},
      {"/nope", {}, "pl", "pl", "Nie znaleziono strony"},
  };
  for (const auto& r : rows) {
    INFO(r.path << " " << r.accept_language);
    std::map<std::string, std::string> headers;
    if (*r.accept_language) headers.emplace("accept-language", r.accept_language);
    Response res = f.get(r.path, r.params, headers);
    CHECK_THAT(res.body, Catch::Contains(std::string("<html lang=\"") + r.html_lang + "\">"));
    CHECK_THAT(res.body, Catch::Contains(r.text));
  }
}

TEST_CASE("routes: interface strings exist in every language, with plural rules") {
  AppFixture f;
  const auto& en = f.templates->strings("en");
  for (const auto& lang : f.templates->ui_languages()) {
    std::ifstream in(test::templates_dir() / "i18n" / (lang + ".json"));
    auto own = nlohmann::json::parse(in);
    for (const auto& [key, value] : en.items()) {
      INFO(lang << ": " << key);
      CHECK(own.contains(key));
    }
  }
  struct Row {
    const char* lang;
    int64_t count;
    const char* text;
  };
  const Row rows[] = {
      {"en", 1, "1 result"},   {"en", 2, "2 results"},  {"fi", 1, "1 tulos"},    {"fi", 3, "3 tulosta"},
      {"pl", 1, "1 wynik"},    {"pl", 3, "3 wyniki"},   {"pl", 5, "5 wyników"},  {"pl", 22, "22 wyniki"},
      {"vi", 1, "1 kết quả"},  {"vi", 7, "7 kết quả"},
  };
  for (const auto& r : rows) {
    INFO(r.lang << " " << r.count);
    CHECK(f.templates->format(r.lang, "result_count", {{"count", r.count}}) == r.text);
  }
  // Past the exactly counted matches, the total is an estimate.
  const Row about[] = {
      {"en", 1200, "about 1,200 results"}, {"pl", 5, "około 5 wyników"}, {"pl", 22, "około 22 wyników"},
      {"fi", 3, "noin 3 tulosta"},         {"vi", 7, "khoảng 7 kết quả"},
  };
  for (const auto& r : about) {
    INFO(r.lang << " " << r.count);
    CHECK(f.templates->format(r.lang, "result_count_about", {{"count", r.count}}) == r.text);
  }
}

TEST_CASE("routes: article pages link headings, mark searched words, offer related articles") {
  AppFixture f;
  Response res = f.get("/articles/refunds", {{"hl", "refunds"}});
  REQUIRE(res.status == 200);
  CHECK_THAT(res.body, Catch::Contains("<h2 id=\"timeline\"><mark>Refund</mark> timeline<a class=\"heading-link\" "
                                       "href=\"#timeline\" aria-label=\"Link to this section\">#</a></h2>"));
  CHECK_THAT(res.body, Catch::Contains("<mark>Refunds</mark> take five"));
  // Link targets are not text: nothing marked inside an attribute.
  CHECK_THAT(res.body, !Catch::Contains("=\"<mark>"));

  Response ledger = f.get("/articles/ledger-basics");
  CHECK_THAT(ledger.body, Catch::Contains("Related articles"));
  CHECK_THAT(ledger.body, Catch::Contains("Monthly reports"));  // shares "ledger"
  for (const char* path : {"/articles/ledger-basics", "/articles/refunds", "/articles/reports"}) {
    INFO(path);
    CHECK_THAT(f.get(path).body, !Catch::Contains("Goodwill"));
  }
}

TEST_CASE("routes: the home page lists the most viewed articles once there are views") {
  AppFixture f;
  CHECK_THAT(f.get("/").body, Catch::Contains("Recently updated"));
  for (int i = 0; i < 3; ++i) f.get("/articles/reports");
  f.get("/articles/refunds");
  const std::string home = f.get("/").body;
  CHECK_THAT(home, Catch::Contains("Popular articles"));
  const size_t popular = home.find("popular-title");
  REQUIRE(popular != std::string::npos);
  const size_t first = home.find("Monthly reports", popular);
  const size_t second = home.find("Request a refund", popular);
  CHECK(first < second);
  // Agents' reading is not the public's interest.
  const std::string token = f.agent_token();
  for (int i = 0; i < 5; ++i) f.get("/articles/ledger-basics", {}, {{"authorization", token}});
  CHECK(f.analytics->most_viewed(30, 10).size() == 2);
}

TEST_CASE("routes: dates are written the way the page's language writes them") {
  AppFixture f;
  CHECK(Templates::format_date("en", "2026-05-01") == "May 1, 2026");
  for (const char* lang : {"fi", "pl", "vi"}) {
    INFO(lang);
    const std::string local = Templates::format_date(lang, "2026-05-01");
    CHECK(local != "2026-05-01");
    CHECK_THAT(local, Catch::Contains("2026"));
  }
  for (const char* not_a_date : {"", "2026-5-1", "someday", "2026-05-01x"}) {
    CHECK(Templates::format_date("en", not_a_date) == not_a_date);
  }
  CHECK_THAT(f.get("/articles/refunds").body, Catch::Contains("<time datetime=\"2026-05-01\">May 1, 2026</time>"));
}

TEST_CASE("routes: Meilisearch's API answers with its shapes, CORS headers and read-only errors") {
  AppFixture f;
  auto call = [&](const std::string& method, const std::string& path, const std::string& body = "",
                  std::map<std::string, std::string> headers = {}) {
    Request r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.headers = std::move(headers);
    r.headers.emplace("content-type", "application/json");
    return f.app->handle(r);
  };
  struct Row {
    const char* method;
    const char* path;
    const char* body;
    int status;
    const char* code;  // Meilisearch's error code; "" for a success
    const char* route;
  };
  const Row rows[] = {
      {"GET", "/health", "", 200, "", "meili_health"},
      {"GET", "/version", "", 200, "", "meili_version"},
      {"GET", "/indexes", "", 200, "", "meili_indexes"},
      {"GET", "/indexes/kb", "", 200, "", "meili_index"},
      {"POST", "/indexes/kb/search", R"({"q":"ledger"})", 200, "", "meili_search"},
      {"GET", "/indexes/kb/search", "", 200, "", "meili_search"},
      {"POST", "/multi-search", R"({"queries":[{"indexUid":"kb","q":"ledger"}]})", 200, "", "meili_multi_search"},
      {"OPTIONS", "/multi-search", "", 204, "", "meili_preflight"},
      {"GET", "/indexes/other", "", 404, "index_not_found", "meili_index"},
      {"POST", "/indexes/other/search", "{}", 404, "index_not_found", "meili_search"},
      {"POST", "/multi-search", R"({"queries":[{"indexUid":"other","q":"x"}]})", 404, "index_not_found",
       "meili_multi_search"},
      {"POST", "/multi-search", R"({"queries":[{"q":"x"}]})", 400, "missing_index_uid", "meili_multi_search"},
      {"POST", "/multi-search", R"({"queries":[{"indexUid":"kb","q":5}]})", 400, "invalid_search_q",
       "meili_multi_search"},
      {"POST", "/indexes/kb/search", "{not json", 400, "malformed_payload", "meili_search"},
      {"POST", "/indexes/kb/search", R"({"filter":"lang != fi"})", 400, "invalid_search_filter", "meili_search"},
      {"POST", "/indexes/kb/documents", R"([{"id":1}])", 405, "method_not_allowed", "meili_index"},
      {"DELETE", "/indexes/kb", "", 405, "method_not_allowed", "meili_index"},
      {"POST", "/indexes", R"({"uid":"x"})", 405, "method_not_allowed", "meili_indexes"},
      {"PATCH", "/indexes/kb/settings", "{}", 405, "method_not_allowed", "meili_index"},
      {"GET", "/indexes/kb/settings", "", 404, "not_found", "meili_index"},
      {"GET", "/multi-search", "", 405, "method_not_allowed", "meili_multi_search"},
  };
  for (const auto& row : rows) {
    INFO(row.method << " " << row.path << " " << row.body);
    const Response res = call(row.method, row.path, row.body);
    CHECK(res.status == row.status);
    CHECK(res.route == row.route);
    // A page on any other site may read the answer, errors included.
    CHECK(header(res, "Access-Control-Allow-Origin") == "*");
    if (res.status == 204) continue;
    const auto j = nlohmann::json::parse(res.body);
    if (*row.code) {
      CHECK(j["code"] == row.code);
      CHECK(j["message"].is_string());
      CHECK(j["type"] == "invalid_request");
      CHECK(j.contains("link"));
    } else {
      CHECK_FALSE(j.contains("code"));
    }
  }
  // A hit carries the article's tags, here and in kb's own API.
  const auto found = nlohmann::json::parse(call("POST", "/indexes/kb/search", R"({"q":"refund"})").body);
  REQUIRE(!found["hits"].empty());
  CHECK(found["hits"][0]["slug"] == "refunds");
  CHECK(found["hits"][0]["tags"] == nlohmann::json::array({"billing", "refunds"}));
  const auto own = nlohmann::json::parse(f.get("/api/v1/search", {{"q", "refund"}}).body);
  CHECK(own["results"][0]["tags"] == nlohmann::json::array({"billing", "refunds"}));
  const auto ledger = nlohmann::json::parse(f.get("/api/v1/search", {{"q", "ledger basics"}}).body);
  CHECK(ledger["results"][0]["tags"] == nlohmann::json::array({"ledger", "basics"}));
  const Response preflight = call("OPTIONS", "/indexes/kb/search");
  CHECK_THAT(header(preflight, "Access-Control-Allow-Headers"), Catch::Contains("Authorization"));
  CHECK_THAT(header(preflight, "Access-Control-Allow-Headers"), Catch::Contains("X-Meilisearch-Client"));
  CHECK_THAT(header(preflight, "Access-Control-Allow-Methods"), Catch::Contains("POST"));
}

TEST_CASE("routes: Meilisearch's API sees what a token may see, and never what a session cookie may") {
  AppFixture f;
  const std::string agent = f.agent_token();
  auto hits = [&](std::map<std::string, std::string> headers) {
    Request r;
    r.method = "POST";
    r.path = "/indexes/kb/search";
    r.body = R"({"q":"goodwill"})";
    r.headers = std::move(headers);
    const Response res = f.app->handle(r);
    INFO(res.body);
    return std::make_pair(res.status, nlohmann::json::parse(res.body));
  };
  CHECK(hits({}).second["estimatedTotalHits"] == 0);
  CHECK(hits({{"authorization", agent}}).second["estimatedTotalHits"] == 1);
  // A key kb does not know: Meilisearch's 403, saying what kb needs instead.
  auto [status, error] = hits({{"authorization", "Bearer some-meilisearch-search-key"}});
  CHECK(status == 403);
  CHECK(error["code"] == "invalid_api_key");
  CHECK(error["type"] == "auth");
  CHECK_THAT(error["message"].get<std::string>(), Catch::Contains("needs no key"));
  // A signed-in browser's cookie grants nothing here (any site may call
  // these routes), and a cross-site POST is not refused as a forgery.
  auto who = f.tokens->verify(agent.substr(7));
  REQUIRE(who);
  auto session = f.tokens->start_session(*who);
  REQUIRE(session.is_ok());
  auto [cookie_status, cookie_answer] =
      hits({{"cookie", "kb_session=" + session->id}, {"origin", "https://elsewhere.example"}, {"host", "help.example"}});
  CHECK(cookie_status == 200);
  CHECK(cookie_answer["estimatedTotalHits"] == 0);
}

TEST_CASE("routes: Meilisearch searches with other filters are not answered from each other's cache") {
  AppFixture f;
  auto total = [&](const std::string& filter) {
    Request r;
    r.method = "POST";
    r.path = "/indexes/kb/search";
    r.body = nlohmann::json({{"filter", nlohmann::json::parse(filter)}}).dump();
    return nlohmann::json::parse(f.app->handle(r).body)["estimatedTotalHits"].get<int>();
  };
  CHECK(total(R"("lang IN [fi, pl]")") == 2);
  CHECK(total(R"("lang IN [fi]")") == 1);
  CHECK(total(R"([["lang = fi", "lang = pl"], "category = Faktury"])") == 1);
  CHECK(total(R"([["lang = fi", "lang = pl"]])") == 2);
}

TEST_CASE("routes: browsers find an OpenSearch description linked from every page") {
  AppFixture f;
  CHECK_THAT(f.get("/").body, Catch::Contains(R"(<link rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml")"));
  CHECK_THAT(f.get("/search", {{"q", "refund"}}).body, Catch::Contains(R"(href="/opensearch.xml")"));
  const Response r = f.get("/opensearch.xml", {}, {{"host", "help.example.com"}, {"x-forwarded-proto", "https"}});
  CHECK(r.status == 200);
  CHECK(r.content_type.starts_with("application/opensearchdescription+xml"));
  CHECK_THAT(r.body, Catch::Contains("<ShortName>Test</ShortName>"));
  CHECK_THAT(r.body, Catch::Contains(R"(template="https://help.example.com/search?q={searchTerms}")"));
  CHECK_THAT(r.body, Catch::Contains(
                         R"(type="application/x-suggestions+json" method="get" template="https://help.example.com/api/v1/suggest?q={searchTerms}&amp;format=opensearch")"));

  // The suggestions it names: [typed, [completions], [descriptions], [addresses]].
  const Response s = f.get("/api/v1/suggest", {{"q", "refu"}, {"format", "opensearch"}},
                           {{"host", "help.example.com"}, {"x-forwarded-proto", "https"}});
  CHECK(s.status == 200);
  CHECK(s.content_type.starts_with("application/x-suggestions+json"));
  const auto j = nlohmann::json::parse(s.body);
  REQUIRE(j.size() == 4);
  CHECK(j[0] == "refu");
  REQUIRE(!j[1].empty());
  CHECK(std::find(j[1].begin(), j[1].end(), "Request a refund") != j[1].end());
  CHECK(j[1].size() == j[2].size());
  CHECK_THAT(j[3][0].get<std::string>(), Catch::StartsWith("https://help.example.com/articles/refunds"));
  CHECK(f.get("/api/v1/suggest", {{"q", "refu"}, {"format", "xml"}}).status == 400);
}

TEST_CASE("routes: the OpenSearch short name is cut at 16 characters, never inside one") {
  struct Row {
    const char* site_name;
    const char* short_name;
  };
  const Row rows[] = {
      {"Test", "Test"},
      {"Lumen Books Help Center", "Lumen Books Help"},
      {"Ohjekeskus äöåäöåäöå", "Ohjekeskus äöåäö"},
      {"Trung tâm trợ giúp", "Trung tâm trợ gi"},
  };
  for (const Row& row : rows) {
    AppFixture f(row.site_name);
    CHECK_THAT(f.get("/opensearch.xml").body, Catch::Contains(fmt::format("<ShortName>{}</ShortName>", row.short_name)));
  }
}
