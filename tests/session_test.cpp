// Signing in from a browser: a session cookie instead of a bearer header,
// CSRF protection on every state-changing request, and sessions that end on
// sign-out and when their token is revoked.
#include <catch2/catch.hpp>

#include <regex>

#include "tests/test_util.h"

using namespace kb;

namespace {

struct Browser {
  Browser() {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    server = std::make_unique<test::TestServer>(dir / "index");
    writer_token = *server->tokens().create("wanda", Role::kWriter);
    agent_token = *server->tokens().create("alex", Role::kAgent);
  }
  httplib::Headers headers(const std::map<std::string, std::string>& extra = {}) const {
    httplib::Headers h;
    if (!cookie.empty()) h.emplace("Cookie", cookie);
    for (const auto& [k, v] : extra) h.emplace(k, v);
    return h;
  }
  httplib::Result get(const std::string& target) const { return server->client().Get(target.c_str(), headers()); }
  httplib::Result post(const std::string& target, const httplib::Params& form,
                       const std::map<std::string, std::string>& extra = {}) const {
    return server->client().Post(target.c_str(), headers(extra), form);
  }
  // Signs in; keeps the cookie like a browser does.
  httplib::Result sign_in(const std::string& token, const std::string& next = "/") {
    auto res = post("/signin", {{"token", token}, {"next", next}});
    if (res && res->has_header("Set-Cookie")) {
      const std::string set = res->get_header_value("Set-Cookie");
      cookie = set.substr(0, set.find(';'));
    }
    return res;
  }
  // The CSRF token the page puts in its forms.
  std::string csrf() const {
    static const std::regex kCsrf(R"re(name="csrf" value="([0-9a-f]+)")re");
    std::smatch m;
    const std::string page = get("/articles/refunds")->body;
    return std::regex_search(page, m, kCsrf) ? m[1].str() : std::string();
  }

  test::TempDir dir;
  std::unique_ptr<test::TestServer> server;
  std::string writer_token, agent_token, cookie;
};

}  // namespace

TEST_CASE("sessions: sign in with a token, see drafts in the browser, sign out") {
  Browser b;
  CHECK(b.get("/signin")->status == 200);
  CHECK(b.get("/articles/aurora")->status == 404);

  auto bad = b.sign_in("kb_wrong");
  REQUIRE(bad);
  CHECK(bad->status == 401);
  CHECK_FALSE(bad->has_header("Set-Cookie"));
  CHECK_THAT(bad->body, Catch::Contains("That token is not valid"));

  auto ok = b.sign_in(b.writer_token, "/articles/aurora");
  REQUIRE(ok);
  CHECK(ok->status == 303);
  CHECK(ok->get_header_value("Location") == "/articles/aurora");
  const std::string set = ok->get_header_value("Set-Cookie");
  CHECK_THAT(set, Catch::StartsWith("kb_session=") && Catch::Contains("HttpOnly") && Catch::Contains("SameSite=Lax"));
  CHECK(set.find(b.writer_token) == std::string::npos);  // the cookie is a session, not the token

  auto draft = b.get("/articles/aurora");
  REQUIRE(draft);
  CHECK(draft->status == 200);
  CHECK_THAT(draft->body, Catch::Contains("banner-draft") && Catch::Contains("wanda"));
  CHECK(draft->get_header_value("Cache-Control") == "private, no-store");

  const std::string csrf = b.csrf();
  REQUIRE_FALSE(csrf.empty());
  CHECK(b.post("/signout", {})->status == 403);  // no CSRF token: refused
  auto out = b.post("/signout", {{"csrf", csrf}});
  REQUIRE(out);
  CHECK(out->status == 303);
  CHECK_THAT(out->get_header_value("Set-Cookie"), Catch::Contains("Max-Age=0"));
  CHECK(b.get("/articles/aurora")->status == 404);  // the old cookie is worth nothing now
}

TEST_CASE("sessions: roles, revocation and where sign-in may lead") {
  Browser b;
  REQUIRE(b.sign_in(b.agent_token)->status == 303);
  CHECK(b.get("/articles/goodwill")->status == 200);  // internal
  CHECK(b.get("/articles/aurora")->status == 404);    // a draft: writers only
  REQUIRE(b.server->tokens().revoke("alex").is_ok());
  CHECK(b.get("/articles/goodwill")->status == 404);

  struct Row {
    const char* next;
    const char* location;
  };
  const Row rows[] = {{"/search?q=refund", "/search?q=refund"},
                      {"//evil.example/x", "/"},
                      {"https://evil.example/", "/"},
                      {"/\\evil.example", "/"},
                      {"/\t/evil.example/x", "/"},  // browsers drop the tab: //evil.example
                      {"/\n/evil.example", "/"}};
  for (const auto& r : rows) {
    INFO(r.next);
    auto res = b.sign_in(b.writer_token, r.next);
    REQUIRE(res);
    CHECK(res->get_header_value("Location") == r.location);
  }
}

TEST_CASE("sessions: state-changing requests need the CSRF token and our origin") {
  Browser b;
  // Without a session, the public feedback form works as before.
  CHECK(b.post("/articles/refunds/feedback", {{"helpful", "yes"}})->status == 303);
  // A cross-site form post is refused whoever sends it; so is one from a
  // sandboxed frame (Origin: null), e.g. signing a victim in as the attacker.
  CHECK(b.post("/articles/refunds/feedback", {{"helpful", "yes"}}, {{"Origin", "https://evil.example"}})->status == 403);
  CHECK(b.post("/signin", {{"token", b.agent_token}}, {{"Origin", "null"}})->status == 403);
  REQUIRE(b.sign_in(b.writer_token)->status == 303);
  const std::string csrf = b.csrf();
  CHECK(b.post("/articles/refunds/feedback", {{"helpful", "yes"}})->status == 403);
  CHECK(b.post("/articles/refunds/feedback", {{"helpful", "yes"}, {"csrf", "0000"}})->status == 403);
  CHECK(b.post("/articles/refunds/feedback", {{"helpful", "yes"}, {"csrf", csrf}})->status == 303);
  CHECK(b.post("/api/v1/articles/refunds/feedback", {{"helpful", "yes"}}, {{"X-CSRF-Token", csrf}})->status == 200);
  // A bearer token carries no ambient authority: no CSRF token needed.
  b.cookie.clear();
  CHECK(b.post("/api/v1/articles/refunds/feedback", {{"helpful", "no"}},
               {{"Authorization", "Bearer " + b.agent_token}})->status == 200);
}
