// Routes without a socket: App::handle on plain Request structs.
#include <catch2/catch.hpp>

#include "tests/test_util.h"

using namespace kb;

namespace {

struct AppFixture {
  AppFixture() : layout(dir / "index"), search(layout) {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    auto t = Templates::load(test::templates_dir());
    REQUIRE(t.is_ok());
    templates = std::make_unique<Templates>(std::move(t.value()));
    tokens = std::make_unique<TokenStore>(layout.auth_db());
    app = std::make_unique<App>(search, tokens.get(), *templates, metrics, AppOptions{"Test"});
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
  std::unique_ptr<App> app;
};

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
