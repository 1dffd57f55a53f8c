// Integration: the fixture indexed into a temp dir, the real server on a free
// loopback port, queried with a real HTTP client.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "tests/test_util.h"

using namespace kb;
using nlohmann::json;

namespace {

struct Live {
  Live() {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    server = std::make_unique<test::TestServer>(dir / "index");
  }
  test::TempDir dir;
  std::unique_ptr<test::TestServer> server;
};

}  // namespace

TEST_CASE("server: search answers with the documented shape") {
  Live l;
  auto [status, j] = l.server->get_json("/api/v1/search?q=refund%20timeline");
  REQUIRE(status == 200);
  for (const char* key : {"query", "corrected", "total", "took_ms", "results", "facets"}) {
    INFO(key);
    CHECK(j.contains(key));
  }
  CHECK(j["total_is_estimate"] == false);  // a few matches are counted exactly
  REQUIRE(j["results"].size() >= 1);
  const json& hit = j["results"][0];
  for (const char* key :
       {"id", "slug", "path", "title", "lang", "url", "section", "snippet", "score", "updated", "partial"}) {
    INFO(key);
    CHECK(hit.contains(key));
  }
  CHECK(hit["slug"] == "refunds");
  CHECK(hit["partial"] == false);
  CHECK(hit["path"] == "en/billing/refunds.md");
  CHECK(hit["url"] == "/articles/refunds#timeline");
  CHECK(hit["section"]["anchor"] == "timeline");
  CHECK(hit["section"]["title"] == "Refund timeline");
  CHECK_THAT(hit["snippet"].get<std::string>(), Catch::Contains("<mark>"));
  CHECK(j["facets"]["lang"]["en"] == 1);
}

TEST_CASE("server: ranking, filters and pagination over HTTP") {
  Live l;
  auto [s1, ranked] = l.server->get_json("/api/v1/search?q=ledger");
  REQUIRE(s1 == 200);
  REQUIRE(ranked["results"].size() == 2);
  CHECK(ranked["results"][0]["slug"] == "ledger-basics");

  struct Row {
    const char* target;
    size_t total;
    const char* first_slug;
  };
  const Row rows[] = {
      {"/api/v1/search?lang=fi", 1, "laskutus"},
      {"/api/v1/search?lang=vi&q=ng%C6%B0%E1%BB%9Di%20d%C3%B9ng", 1, "quan-ly"},
      {"/api/v1/search?category=Accounting&q=reports", 1, "reports"},
      {"/api/v1/search?tag=basics", 1, "ledger-basics"},
      {"/api/v1/search?q=faktura", 1, "faktury"},
  };
  for (const auto& r : rows) {
    INFO(r.target);
    auto [status, j] = l.server->get_json(r.target);
    REQUIRE(status == 200);
    CHECK(j["total"] == r.total);
    REQUIRE_FALSE(j["results"].empty());
    CHECK(j["results"][0]["slug"] == r.first_slug);
  }

  std::set<std::string> seen;
  for (int offset = 0; offset < 4; offset += 2) {
    auto [status, j] = l.server->get_json("/api/v1/search?lang=en&limit=2&offset=" + std::to_string(offset));
    REQUIRE(status == 200);
    for (const auto& h : j["results"]) CHECK(seen.insert(h["slug"].get<std::string>()).second);
  }
  CHECK(seen.size() == 3);
}

TEST_CASE("server: internal articles and drafts never leak to the public") {
  Live l;
  const std::string secret_words[] = {"zanzibar", "quixotic", "goodwill", "aurora"};
  for (const auto& w : secret_words) {
    INFO(w);
    auto [status, j] = l.server->get_json("/api/v1/search?q=" + w);
    REQUIRE(status == 200);
    CHECK(j["total"] == 0);
    CHECK(j["results"].empty());
    auto [page_status, page] = l.server->get("/search?q=" + w);
    CHECK(page_status == 200);
    CHECK_THAT(page, !Catch::Contains("Goodwill credit policy"));
    CHECK_THAT(page, !Catch::Contains("Aurora pricing"));
  }
  // Filters and facets: the hidden articles' tags and counts do not show.
  auto [s, billing] = l.server->get_json("/api/v1/search?tag=billing");
  CHECK(billing["total"] == 1);
  CHECK_FALSE(billing["facets"]["tag"].contains("secret-tag"));
  CHECK_FALSE(billing["facets"]["tag"].contains("draft-tag"));
  CHECK(l.server->get_json("/api/v1/search?tag=secret-tag").second["total"] == 0);
  CHECK(l.server->get_json("/api/v1/search?category=Billing").second["facets"]["category"]["Billing"] == 1);
  // Article pages and API.
  for (const char* slug : {"goodwill", "aurora"}) {
    INFO(slug);
    CHECK(l.server->get(std::string("/api/v1/articles/") + slug).first == 404);
    CHECK(l.server->get(std::string("/articles/") + slug).first == 404);
  }
  // Listings.
  auto [home_status, home] = l.server->get("/");
  CHECK(home_status == 200);
  CHECK_THAT(home, !Catch::Contains("Goodwill"));
  CHECK_THAT(home, !Catch::Contains("Aurora"));

  // With a writer's token, all of it is there; an agent's shows internal
  // articles but not drafts.
  auto token = l.server->tokens().create("writer", Role::kWriter);
  auto agent = l.server->tokens().create("agent", Role::kAgent);
  REQUIRE(token.is_ok());
  for (const auto& w : secret_words) {
    INFO(w);
    CHECK(l.server->get_json("/api/v1/search?q=" + w, *token).second["total"] == 1);
    const bool draft_word = w == "quixotic" || w == "aurora";
    CHECK(l.server->get_json("/api/v1/search?q=" + w, *agent).second["total"] == (draft_word ? 0 : 1));
  }
  CHECK(l.server->get("/articles/aurora", *agent).first == 404);
  CHECK(l.server->get("/articles/goodwill", *agent).first == 200);
  CHECK(l.server->get("/api/v1/articles/goodwill", *token).first == 200);
  // A draft at its normal address, marked as one.
  auto [draft_status, draft] = l.server->get("/articles/aurora", *token);
  CHECK(draft_status == 200);
  CHECK_THAT(draft, Catch::Contains("banner-draft"));
  CHECK_THAT(l.server->get("/articles/refunds", *token).second, !Catch::Contains("banner-draft"));
  CHECK_THAT(l.server->get("/", *token).second, Catch::Contains("Goodwill"));
  // A revoked token is refused outright.
  REQUIRE(l.server->tokens().revoke("writer").is_ok());
  CHECK(l.server->get("/api/v1/articles/goodwill", *token).first == 401);
}

TEST_CASE("server: bad requests get 4xx JSON errors and the server keeps running") {
  Live l;
  struct Row {
    std::string target;
    int status;
  };
  const Row rows[] = {
      {"/api/v1/search", 400},
      {"/api/v1/search?q=caf%C3", 400},
      {"/api/v1/search?q=%FF%FE", 400},
      {"/api/v1/search?q=" + std::string(600, 'a'), 400},
      {"/api/v1/search?q=x&limit=abc", 400},
      {"/api/v1/search?q=x&offset=5000", 400},
      {"/api/v1/search?q=x&lang=%3Cscript%3E", 400},
      {"/api/v1/search?q=" + std::string(9000, 'a'), 414},
      {"/api/v1/articles/%C3%28", 404},
      {"/api/v1/articles/" + std::string(300, 'x'), 404},
  };
  for (const auto& r : rows) {
    INFO(r.target.substr(0, 80));
    auto [status, body] = l.server->get(r.target);
    CHECK(status == r.status);
    json j = json::parse(body, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["error"].contains("message"));
  }
  auto c = l.server->client();
  auto big = c.Post("/api/v1/search", std::string(100 * 1024, 'x'), "text/plain");
  REQUIRE(big);
  CHECK(big->status == 413);
  auto post = c.Post("/api/v1/search", "q=x", "application/x-www-form-urlencoded");
  REQUIRE(post);
  CHECK(post->status == 405);
  CHECK(l.server->get("/healthz").first == 200);
}

TEST_CASE("server: a newly published revision is served without a restart") {
  Live l;
  CHECK(l.server->get_json("/api/v1/search?q=marzipan").second["total"] == 0);
  test::write_file(l.dir / "content/en/new.md", test::article("title: Marzipan export", "New article.\n"));
  test::index_folder(l.dir / "content", l.dir / "index");
  CHECK(l.server->get_json("/api/v1/search?q=marzipan").second["total"] == 1);
  fs::remove(l.dir / "content/en/new.md");
  test::index_folder(l.dir / "content", l.dir / "index");
  CHECK(l.server->get_json("/api/v1/search?q=marzipan").second["total"] == 0);
}

TEST_CASE("server: a word matches whether the article or the query has its accents composed or combining") {
  // Composed (NFC) and decomposed (a letter, then combining marks) spell the
  // same word; editors and keyboards produce either.
  const std::string composed = "qu\u1ea3n l\u00fd kho", decomposed = "qua\u0309n ly\u0301 kho";
  Live l;
  test::write_file(l.dir / "content/vi/kho.md", test::article("title: Kho h\u00e0ng\nlang: vi", composed + ".\n"));
  test::write_file(l.dir / "content/vi/ban.md",
                   test::article("title: Ba\u0301n ha\u0300ng\nlang: vi", "Tha\u0301ng ba\u0301n ha\u0300ng.\n"));
  test::index_folder(l.dir / "content", l.dir / "index");
  struct Row {
    std::string query, slug;
  };
  const Row rows[] = {
      {decomposed, "vi/kho"},             // a decomposed query, a composed article
      {"qu\u1ea3n l\u00fd kho", "vi/kho"},
      {"th\u00e1ng b\u00e1n", "vi/ban"},   // a composed query, a decomposed article
      {"tha\u0301ng ba\u0301n", "vi/ban"},
  };
  for (const auto& r : rows) {
    INFO(r.query);
    auto [status, j] = l.server->get_json("/api/v1/search?q=" + httplib::detail::encode_query_param(r.query));
    REQUIRE(status == 200);
    REQUIRE(j["results"].size() >= 1);
    CHECK(j["results"][0]["slug"] == r.slug);
  }
  // The hit's title and snippet come out composed, as the page shows them.
  auto [status, j] = l.server->get_json("/api/v1/search?q=" + httplib::detail::encode_query_param("tha\u0301ng"));
  REQUIRE(j["results"].size() >= 1);
  CHECK(j["results"][0]["title"] == "B\u00e1n h\u00e0ng");
}

TEST_CASE("server: no index yet is 503 with a message, not a crash") {
  test::TempDir dir;
  test::TestServer server(dir / "empty-index");
  auto [status, j] = server.get_json("/api/v1/search?q=x");
  CHECK(status == 503);
  CHECK_THAT(j["error"]["message"].get<std::string>(), Catch::Contains("kb-index"));
  CHECK(server.get("/healthz").first == 503);
}

TEST_CASE("server: the help page works without JavaScript") {
  Live l;
  auto [status, page] = l.server->get("/search?q=refund");
  REQUIRE(status == 200);
  // mstch escapes '/' as &#x2F; in attributes; browsers decode it.
  // The link lands on the section and marks the searched words there.
  CHECK_THAT(page, Catch::Contains("articles&#x2F;refunds?hl=refund&amp;pos=1#timeline\">Request a refund</a>"));
  CHECK_THAT(page, Catch::Contains("<mark>"));
  CHECK_THAT(page, Catch::Contains("1 result "));
  // One article has both words; the one with only "reports" follows, below
  // a line that says so.
  auto [pstatus, partial] = l.server->get("/search?q=monthly%20reports");
  REQUIRE(pstatus == 200);
  const size_t both = partial.find(">Monthly reports</a>");
  const size_t divider = partial.find("<li class=\"result-divider muted\">Articles with some of your words</li>");
  const size_t some = partial.find(">Request a refund</a>");
  CHECK(both < divider);
  CHECK(divider < some);
  CHECK(some != std::string::npos);
  auto [astatus, article] = l.server->get("/articles/refunds");
  REQUIRE(astatus == 200);
  CHECK_THAT(article, Catch::Contains("id=\"timeline\""));
  CHECK_THAT(article, Catch::Contains("href=\"/articles/reports#exporting\""));  // .md link resolved
  // Searching from an article page searches every language, not only the article's.
  CHECK_THAT(article, !Catch::Contains("name=\"lang\""));
}

TEST_CASE("server: corrections and other languages are in the JSON") {
  Live l;
  auto [s1, typo] = l.server->get_json("/api/v1/search?q=refnds");
  REQUIRE(s1 == 200);
  CHECK(typo["corrected"] == "refunds");
  CHECK(typo["results"][0]["slug"] == "refunds");
  auto [s2, other] = l.server->get_json("/api/v1/search?q=ledger&lang=vi");
  REQUIRE(s2 == 200);
  CHECK(other["total"] == 0);
  CHECK(other["other_languages"]["en"] == 2);
}

TEST_CASE("server: the results page offers the corrected query and other languages") {
  Live l;
  auto [s1, page] = l.server->get("/search?q=refnds");
  REQUIRE(s1 == 200);
  CHECK_THAT(page, Catch::Contains("Showing results for <strong>refunds</strong>"));
  CHECK_THAT(page, Catch::Contains("correct=0"));
  auto [s2, exact] = l.server->get_json("/api/v1/search?q=refnds&correct=0");
  CHECK(exact["corrected"].is_null());
  CHECK(exact["total"] == 0);
  auto [s3, other] = l.server->get("/search?q=ledger&lang=fi");
  REQUIRE(s3 == 200);
  // The page speaks the chosen language.
  CHECK_THAT(other, Catch::Contains("<html lang=\"fi\">"));
  CHECK_THAT(other, Catch::Contains("Tuloksia muilla kielillä"));
  CHECK_THAT(other, Catch::Contains("English (2)"));
}

TEST_CASE("search cache: a repeated search is answered from memory, per audience, dropped on publish") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::write_file(dir / "content/en/secret.md",
                   test::article("title: Marzipan vault\naudience: internal", "Only agents know the marzipan.\n"));
  test::index_folder(dir / "content", dir / "index");
  SearchService service{IndexLayout(dir / "index"), 2};
  auto search = [&](const std::string& q, Visibility v) {
    auto lease = service.acquire();
    REQUIRE(lease.is_ok());
    SearchRequest r;
    r.query = q;
    r.visibility = v;
    auto result = lease->search(r);
    REQUIRE(result.is_ok());
    return result->total;
  };
  CHECK(search("marzipan", Visibility::kPublic) == 0);
  CHECK(search("marzipan", Visibility::kAgent) == 1);  // not the public's answer
  CHECK(service.cache_hits() == 0);
  CHECK(search("marzipan", Visibility::kPublic) == 0);
  CHECK(search("marzipan", Visibility::kAgent) == 1);
  CHECK(service.cache_hits() == 2);
  CHECK(search("refund", Visibility::kPublic) > 0);  // evicts the least recently used (public marzipan)
  CHECK(search("marzipan", Visibility::kPublic) == 0);
  CHECK(service.cache_hits() == 2);

  test::write_file(dir / "content/en/public.md", test::article("title: Marzipan for everyone", "Marzipan.\n"));
  test::index_folder(dir / "content", dir / "index");
  CHECK(search("marzipan", Visibility::kPublic) == 1);  // the new revision's answer
  CHECK(search("marzipan", Visibility::kAgent) == 2);
  CHECK(service.cache_hits() == 2);
}

TEST_CASE("suggestions of a newly published revision are built before anyone asks") {
  // The first keystroke after a publish used to wait for them (0.4 s on d365).
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  SearchService service{IndexLayout(dir / "index")};
  auto ready_within = [&](std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!service.suggester_ready() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return service.suggester_ready();
  };
  CHECK_FALSE(service.suggester_ready());  // nothing builds them without a warmer
  SuggestionWarmer warmer(service, std::chrono::milliseconds(10));
  CHECK(ready_within(std::chrono::seconds(10)));
  test::write_file(dir / "content/en/new.md", test::article("title: Marzipan shipping", "Marzipan.\n"));
  test::index_folder(dir / "content", dir / "index");
  CHECK(ready_within(std::chrono::seconds(10)));  // the new revision's, without a call to suggester()
  auto suggester = service.suggester();
  REQUIRE(suggester.is_ok());
  CHECK(service.suggester_ready());
}

TEST_CASE("search cache: an API answer's JSON is made once per result and kind, with this request's time") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  SearchService service{IndexLayout(dir / "index"), 8};
  int renders = 0;
  auto rendered = [&](const std::string& q, const std::string& kind) {
    auto lease = service.acquire();
    REQUIRE(lease.is_ok());
    SearchRequest r;
    r.query = q;
    auto answer = lease->search_rendered(r, kind, [&](const SearchResult& result) {
      ++renders;
      return kind + ":" + std::to_string(result.total);
    });
    REQUIRE(answer.is_ok());
    return *answer->text;
  };
  CHECK(rendered("refund", "a") == "a:1");
  CHECK(rendered("refund", "a") == "a:1");
  CHECK(renders == 1);
  CHECK(rendered("refund", "b") == "b:1");  // another kind of answer for the same result
  CHECK(renders == 2);
  test::write_file(dir / "content/en/more.md", test::article("title: Another refund", "Refund again.\n"));
  test::index_folder(dir / "content", dir / "index");
  CHECK(rendered("refund", "a") == "a:2");  // not the old revision's JSON
  CHECK(renders == 3);

  // Over HTTP: the same body twice but for took_ms, a number each time,
  // even when the query itself holds the placeholder's text.
  test::TestServer server(dir / "index");
  for (const std::string q : {"refund", "%22took_ms%22%3Anull%20refund"}) {
    INFO(q);
    auto [s1, first] = server.get_json("/api/v1/search?q=" + q);
    auto [s2, second] = server.get_json("/api/v1/search?q=" + q);
    REQUIRE(s1 == 200);
    REQUIRE(s2 == 200);
    CHECK(first["took_ms"].is_number());
    CHECK(second["took_ms"].is_number());
    first.erase("took_ms");
    second.erase("took_ms");
    CHECK(first == second);
    CHECK(first["total"].get<int>() >= 1);
  }
}
