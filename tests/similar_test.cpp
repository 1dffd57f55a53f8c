// POST /api/v1/similar: ticket text in, the articles that answer it out,
// for tickets written the way customers write them, in three languages.
#include <catch2/catch.hpp>

#include "tests/test_util.h"

using namespace kb;
using nlohmann::json;

namespace {

struct Sample : test::SampleSite {
  std::pair<int, json> post(const json& ticket, const std::string& token = "") const {
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto res = server->client().Post("/api/v1/similar", h, ticket.dump(), "application/json");
    REQUIRE(res);
    return {res->status, json::parse(res->body, nullptr, false)};
  }
};

}  // namespace

TEST_CASE("similar: realistic tickets find the article that answers them first") {
  Sample s;
  struct Row {
    const char* subject;
    const char* body;
    const char* lang;
    const char* first;
  };
  const Row rows[] = {
      {"Charged twice this month",
       "Hi, I looked at my card statement and you charged me twice for the Team plan in March. I want my money back "
       "for the duplicate payment. Thanks, Anna",
       "en", "refunds"},
      {"Bank feed stopped syncing",
       "Hello, since Monday our bank transactions no longer appear in Lumen Books. The connection to our bank says it "
       "needs to be renewed. What should I do?",
       "en", "sync-errors"},
      {"Kuluraportti jumissa",
       "Hei! Lähetin kuluraportin viime viikolla mutta se näkyy yhä luonnoksena. Lisäsin myös kilometrikorvaukset. "
       "Miten saan sen hyväksyttäväksi esihenkilölleni?",
       "fi", "kuluraportin-lahettaminen"},
      {"Salasana unohtunut", "En pääse kirjautumaan, unohdin salasanani eikä palautusviestiä tule sähköpostiin.", "fi",
       "salasanan-vaihto"},
      {"Błąd na fakturze",
       "Dzień dobry, wystawiłem fakturę z błędną kwotą i klient ją już dostał. Jak mogę ją poprawić? Czy muszę wystawić "
       "korektę?",
       "pl", "faktura-korygujaca"},
      {"Zgubiłem telefon",
       "Mam włączoną weryfikację dwuetapową, ale zgubiłem telefon z aplikacją. Nie mogę się zalogować.", "pl",
       "weryfikacja-dwuetapowa"},
  };
  for (const auto& r : rows) {
    INFO(r.subject);
    auto [status, j] = s.post({{"subject", r.subject}, {"body", r.body}});
    REQUIRE(status == 200);
    CHECK(j["lang"] == r.lang);  // detected from the ticket
    REQUIRE_FALSE(j["results"].empty());
    CHECK(j["results"][0]["slug"] == r.first);
    for (const auto& hit : j["results"]) CHECK(hit["lang"] == r.lang);
  }
}

TEST_CASE("similar: visibility, limits and bad input") {
  Sample s;
  const json goodwill = {{"subject", "Goodwill credit"},
                         {"body", "The customer asks for a goodwill credit after the outage. How much may I grant?"}};
  auto [pub_status, pub] = s.post(goodwill);
  REQUIRE(pub_status == 200);
  for (const auto& hit : pub["results"]) CHECK(hit["slug"] != "refund-exceptions");
  auto [agent_status, agent] = s.post(goodwill, s.agent);
  REQUIRE(agent_status == 200);
  REQUIRE_FALSE(agent["results"].empty());
  CHECK(agent["results"][0]["slug"] == "refund-exceptions");

  auto [limited_status, limited] = s.post({{"body", "invoice refund password bank"}, {"limit", 2}, {"lang", "en"}});
  CHECK(limited_status == 200);
  CHECK(limited["results"].size() <= 2);

  struct Row {
    json body;
    int status;
    const char* message;
  };
  const Row rows[] = {
      {json::object(), 400, "'subject' or 'body'"},
      {{{"body", 42}}, 400, "'body' must be a string"},
      {{{"body", "x"}, {"lang", "not a tag!"}}, 400, "'lang' must be a language tag"},
      {{{"body", "x"}, {"limit", "five"}}, 400, "'limit' must be a whole number"},
      {{{"body", std::string(40 * 1024, 'a')}}, 413, "limited to 32 KB"},
  };
  for (const auto& r : rows) {
    INFO(r.body.dump().substr(0, 60));
    auto [status, j] = s.post(r.body);
    CHECK(status == r.status);
    CHECK_THAT(j["error"]["message"].get<std::string>(), Catch::Contains(r.message));
  }
  // Form fields work too (a helpdesk's plain HTML form).
  auto res = s.server->client().Post("/api/v1/similar", httplib::Params{{"subject", "Charged twice"}, {"body", "refund"}});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(s.server->get("/api/v1/similar").first == 405);
}

TEST_CASE("embed: a helpdesk frame lists the articles for the ticket it is given") {
  Sample s;
  auto res = s.server->client().Get("/embed?subject=Charged%20twice&body=You%20charged%20my%20card%20twice%20this%20month");
  REQUIRE(res);
  CHECK(res->status == 200);
  const std::string& page = res->body;
  const size_t first = page.find("class=\"embed-result\"");
  REQUIRE(first != std::string::npos);
  CHECK(page.find("refunds", first) < page.find("</li>", first));  // the refund article first
  CHECK_THAT(page, Catch::Contains("target=\"_blank\""));
  CHECK(page.find("class=\"site-header\"") == std::string::npos);  // no site chrome in a sidebar
  CHECK_THAT(res->get_header_value("Content-Security-Policy"), Catch::Contains("frame-ancestors *"));
  // Other pages still refuse to be framed.
  CHECK_THAT(s.server->client().Get("/")->get_header_value("Content-Security-Policy"),
             Catch::Contains("frame-ancestors 'self'"));
  // Nothing to go on: a line saying so, not an error.
  CHECK(s.server->get("/embed").first == 200);

  AppOptions only_acme = test::app_options("Test");
  only_acme.embed_origins = "https://acme.zendesk.com";
  test::TestServer framed(s.dir / "index", only_acme);
  CHECK_THAT(framed.client().Get("/embed?subject=refund")->get_header_value("Content-Security-Policy"),
             Catch::EndsWith("frame-ancestors https://acme.zendesk.com"));
}
