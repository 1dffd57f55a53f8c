// GET /api/v1/answer: the best section of the bundled sample help center as
// Markdown and plain text, in several languages, and the customer's copy that
// never holds an internal note.
#include <catch2/catch.hpp>

#include "tests/test_util.h"

using namespace kb;
using nlohmann::json;

namespace {

struct Sample : test::SampleSite {
  json answer(const std::string& q, const std::string& token = "") const {
    auto [status, j] = server->get_json("/api/v1/answer?q=" + httplib::detail::encode_query_param(q), token);
    REQUIRE(status == 200);
    return j["answer"];
  }
};

}  // namespace

TEST_CASE("answer: the section that answers, as Markdown and text, per language") {
  Sample s;
  struct Row {
    const char* q;
    const char* slug;
    const char* anchor;
    const char* markdown;  // a piece of the section's Markdown
  };
  const Row rows[] = {
      {"when will I see the refund money on my card", "refunds", "when-will-i-see-the-money", "5–10 business days"},
      {"miten ilmoitan kilometrikorvaukset", "kuluraportin-lahettaminen", "kilometrikorvaukset-ja-päivärahat",
       "ilometri"},
      {"korekta faktury do zera", "faktura-korygujaca", "korekta-do-zera", "zera"},
      {"utrata telefonu 2FA", "weryfikacja-dwuetapowa", "utrata-telefonu-lub-klucza", "kod"},
      {"quen mat khau", "dat-lai-mat-khau", "đặt-lại-mật-khẩu-đã-quên", "mật khẩu"},
  };
  const std::string base = "http://127.0.0.1:" + std::to_string(s.server->port());
  for (const auto& r : rows) {
    INFO(r.q);
    const json a = s.answer(r.q);
    REQUIRE(a.is_object());
    CHECK(a["article"]["slug"] == r.slug);
    CHECK(a["section"]["anchor"] == r.anchor);
    CHECK(a["section"]["url"] == base + "/articles/" + r.slug + "#" + r.anchor);
    const std::string md = a["section"]["markdown"], text = a["section"]["text"];
    CHECK_THAT(md, Catch::Contains(r.markdown));
    CHECK(md.find("<p>") == std::string::npos);       // Markdown, not HTML
    CHECK(md.find("<strong>") == std::string::npos);
    CHECK(text.find("**") == std::string::npos);  // text, not Markdown
    CHECK(a["customer"] == a["section"]);          // nothing internal in these
  }
  CHECK(s.answer("zzqqxx").is_null());
}

TEST_CASE("answer: links become absolute, the customer's copy has no internal note") {
  Sample s;
  // The Finnish password article links to the English 2FA article.
  const json fi = s.answer("palautusviesti ei tule perille");
  REQUIRE(fi.is_object());
  CHECK_THAT(fi["section"]["markdown"].get<std::string>(),
             Catch::Contains("](http://127.0.0.1:" + std::to_string(s.server->port()) + "/articles/two-factor-authentication)"));

  // The refund article's eligibility section carries an approvals note.
  const json agent = s.answer("refund eligibility annual plan cancelled", s.agent);
  REQUIRE(agent.is_object());
  REQUIRE(agent["section"]["anchor"] == "refund-eligibility");
  CHECK(agent["internal"] == true);
  CHECK_THAT(agent["section"]["markdown"].get<std::string>(), Catch::Contains("team lead"));
  REQUIRE(agent["customer"].is_object());
  CHECK(agent["customer"]["anchor"] == "refund-eligibility");
  CHECK(agent["customer"]["markdown"].get<std::string>().find("team lead") == std::string::npos);
  CHECK(agent["customer"]["text"].get<std::string>().find("team lead") == std::string::npos);
  CHECK_THAT(agent["customer"]["markdown"].get<std::string>(), Catch::Contains("| Situation |"));

  // An internal article has no customer copy; the public never gets it at all.
  const json internal = s.answer("goodwill credit approval limits", s.agent);
  REQUIRE(internal.is_object());
  CHECK(internal["article"]["slug"] == "refund-exceptions");
  CHECK(internal["customer"].is_null());
  const json pub = s.answer("goodwill credit approval limits");
  CHECK((pub.is_null() || pub["article"]["slug"] != "refund-exceptions"));
  CHECK(s.answer("refund eligibility annual plan cancelled")["section"]["markdown"].get<std::string>().find(
            "team lead") == std::string::npos);
}

TEST_CASE("answer: a chosen section by slug and anchor, the agent page needs staff") {
  Sample s;
  auto [status, j] = s.server->get_json("/api/v1/answer?slug=refunds&anchor=refund-eligibility", s.agent);
  REQUIRE(status == 200);
  CHECK(j["answer"]["section"]["anchor"] == "refund-eligibility");
  CHECK_THAT(j["answer"]["section"]["markdown"].get<std::string>(), Catch::Contains("team lead"));
  CHECK(j["answer"]["customer"]["markdown"].get<std::string>().find("team lead") == std::string::npos);
  CHECK(s.server->get("/api/v1/answer?slug=refund-exceptions").first == 404);  // internal: not for the public

  // With --base-url, links name the help center, whatever Host said.
  AppOptions named = test::app_options("Test");
  named.base_url = "https://help.example.com";
  test::TestServer behind_proxy(s.dir / "index", named);
  auto [named_status, named_answer] = behind_proxy.get_json("/api/v1/answer?slug=refunds&anchor=refund-eligibility");
  REQUIRE(named_status == 200);
  CHECK(named_answer["answer"]["section"]["url"] == "https://help.example.com/articles/refunds#refund-eligibility");

  // Read raw: httplib's client decodes header values, hiding the encoding.
  auto raw_location = [&](const std::string& target) {
    const std::string head = test::raw_get(s.server->port(), target);
    const size_t at = head.find("Location: ");
    return at == std::string::npos ? std::string() : head.substr(at + 10, head.find("\r\n", at) - at - 10);
  };
  CHECK(raw_location("/agent?q=refund") == "/signin?next=%2Fagent%3Fq%3Drefund");
  CHECK(raw_location("/agent?q=refund&lang=en") == "/signin?next=%2Fagent%3Flang%3Den%26q%3Drefund");
  auto [page_status, page] = s.server->get("/agent?q=goodwill%20credit", s.agent);
  CHECK(page_status == 200);
  CHECK_THAT(page, Catch::Contains("class=\"agent-result\"") && Catch::Contains("badge-internal"));
  // An article with only some of the words says so; one with all does not.
  auto [partial_status, partial] = s.server->get("/agent?q=refund%20timeline", s.agent);
  CHECK(partial_status == 200);
  const size_t all = partial.find(">Request a refund</a>");
  const size_t badge = partial.find("<span class=\"badge-partial\">some words</span>");
  CHECK(all < badge);
  CHECK(badge != std::string::npos);
}
