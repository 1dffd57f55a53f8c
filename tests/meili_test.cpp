// Meilisearch's search API, the translations (server/meili.h): filters,
// search fields, highlighting and cropping. The routes and the real clients
// are tested in routes_test.cpp and tests/browser/meili*.test.mjs.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "server/meili.h"

using namespace kb;
using nlohmann::json;

namespace {

// "lang=fi|lang=pl & category=A": clauses joined by " & ", values by "|".
std::string show(const std::vector<std::vector<FilterValue>>& cnf) {
  std::string out;
  for (const auto& clause : cnf) {
    if (!out.empty()) out += " & ";
    std::string any;
    for (const auto& f : clause) {
      if (!any.empty()) any += "|";
      any += fmt::format("{}={}", f.field == FilterField::kLang ? "lang" : f.field == FilterField::kTag ? "tag" : "category",
                         f.value);
    }
    out += any;
  }
  return out;
}

}  // namespace

TEST_CASE("meili filter: Meilisearch's expressions and arrays become clauses of any-of values") {
  struct Row {
    json filter;
    const char* expected;  // show(); nullptr: an invalid_search_filter error
  };
  const Row rows[] = {
      {"lang = fi", "lang=fi"},
      {"lang=fi", "lang=fi"},
      {R"("lang"="fi")", "lang=fi"},  // as instant-meilisearch writes a facet filter
      {"category = 'Account and security'", "category=Account and security"},
      {R"(category = "Say \"hi\"")", R"(category=Say "hi")"},
      {"tags = billing", "tag=billing"},
      {"tag = billing", "tag=billing"},
      {"lang IN [fi, pl]", "lang=fi|lang=pl"},
      {"lang in [fi,pl]", "lang=fi|lang=pl"},
      {"lang = fi AND category = Laskutus", "lang=fi & category=Laskutus"},
      {"lang = fi OR lang = pl", "lang=fi|lang=pl"},
      {"lang = en AND (category = A OR category = B)", "lang=en & category=A|category=B"},
      {"(lang = fi AND category = A) OR tags = x", "lang=fi|tag=x & category=A|tag=x"},
      {"   ", ""},
      {nullptr, ""},
      {json::array({"lang = fi", json::array({"category = A", "category = B"})}), "lang=fi & category=A|category=B"},
      {json::array({json::array({"\"category\"=\"A\"", "\"category\"=\"B\""}), json::array({"\"lang\"=\"fi\""})}),
       "category=A|category=B & lang=fi"},
      {json::array(), ""},
      {json::array({json::array({"lang = fi", " "}), "category = A"}), "category=A"},  // a blank alternative holds always
      {json::array({json::array(), "category = A"}), "category=A"},
      {json::array({json::array({"lang = fi AND tags = x", "category = A"})}), "lang=fi|category=A & tag=x|category=A"},
      // Refused, each with a message naming what kb supports.
      {"lang != fi", nullptr},
      {"NOT lang = fi", nullptr},
      {"updated > 2024", nullptr},
      {"title = x", nullptr},
      {"lang = ", nullptr},
      {"lang = 'fi", nullptr},
      {"(lang = fi", nullptr},
      {"lang IN [fi", nullptr},
      {"lang = fi lang = pl", nullptr},
      {42, nullptr},
      {json::array({42}), nullptr},
      {std::string(3000, 'a'), nullptr},
      {"(a = 1 AND b = 2 AND c = 3 AND d = 4 AND e = 5 AND f = 6) OR (lang = a AND lang = b AND lang = c AND lang = d AND "
       "lang = e AND lang = f)",
       nullptr},
  };
  for (const auto& row : rows) {
    INFO(row.filter.dump());
    auto got = meili::parse_filter(row.filter);
    if (!row.expected) {
      REQUIRE(std::holds_alternative<meili::Error>(got));
      CHECK(std::get<meili::Error>(got).code == "invalid_search_filter");
      CHECK(std::get<meili::Error>(got).status == 400);
      continue;
    }
    REQUIRE(std::holds_alternative<std::vector<std::vector<FilterValue>>>(got));
    CHECK(show(std::get<std::vector<std::vector<FilterValue>>>(got)) == row.expected);
  }
}

TEST_CASE("meili filter: the expansion of OR over AND is bounded") {
  std::string big;
  for (int i = 0; i < 6; ++i) big += fmt::format("{}(lang = a{} AND lang = b{})", i ? " OR " : "", i, i);
  auto got = meili::parse_filter(json(big));  // 2^6 = 64 clauses > kMaxFilterClauses
  REQUIRE(std::holds_alternative<meili::Error>(got));
  CHECK(std::get<meili::Error>(got).message.find("too many") != std::string::npos);
}

TEST_CASE("meili search: fields become the request, pages and display, and bad ones are named") {
  struct Row {
    const char* name;
    json body;
    size_t limit, offset, shown;  // asked of the searcher, and shown
    bool pages;
  };
  const Row rows[] = {
      {"defaults", json::object(), 20, 0, 20, false},
      {"limit and offset", {{"q", "x"}, {"limit", 5}, {"offset", 10}}, 5, 10, 5, false},
      {"limit 0: facets only", {{"limit", 0}}, 1, 0, 0, false},
      {"limit clamped", {{"limit", 1000}}, 100, 0, 100, false},
      {"beyond the deepest offset", {{"offset", 5000}}, 1, 0, 0, false},
      {"page 3 of 7", {{"page", 3}, {"hitsPerPage", 7}}, 7, 14, 7, true},
      {"hitsPerPage alone", {{"hitsPerPage", 4}}, 4, 0, 4, true},
      {"hitsPerPage 0", {{"hitsPerPage", 0}}, 1, 0, 0, true},
      {"page 0", {{"page", 0}}, 1, 0, 0, true},
      {"a page far beyond", {{"page", 1000000000000LL}, {"hitsPerPage", 1000000000000LL}}, 1, 0, 0, true},
      {"the deepest page", {{"page", 11}, {"hitsPerPage", 100}}, 100, 1000, 100, true},
      {"ignored tuning", {{"matchingStrategy", "all"}}, 20, 0, 20, false},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    auto got = meili::parse_query(row.body);
    REQUIRE(std::holds_alternative<meili::Query>(got));
    const auto& q = std::get<meili::Query>(got);
    CHECK(q.request.limit == row.limit);
    CHECK(q.request.offset == row.offset);
    CHECK(q.display.shown == row.shown);
    CHECK(q.display.pages == row.pages);
  }

  struct Bad {
    json body;
    const char* code;
  };
  const Bad bad[] = {
      {json::array(), "bad_request"},
      {{{"q", 5}}, "invalid_search_q"},
      {{{"q", std::string(600, 'a')}}, "invalid_search_q"},
      {{{"limit", -1}}, "invalid_search_limit"},
      {{{"limit", "ten"}}, "invalid_search_limit"},
      {{{"offset", 1.5}}, "invalid_search_offset"},
      {{{"page", "2"}}, "invalid_search_page"},
      {{{"hitsPerPage", -4}}, "invalid_search_hits_per_page"},
      {{{"facets", "lang"}}, "invalid_search_facets"},
      {{{"facets", {"title"}}}, "invalid_search_facets"},
      {{{"attributesToHighlight", {1}}}, "invalid_search_attributes_to_highlight"},
      {{{"attributesToCrop", {"content:many"}}}, "invalid_search_attributes_to_crop"},
      {{{"highlightPreTag", 1}}, "invalid_search_highlight_pre_tag"},
      {{{"showMatchesPosition", "yes"}}, "invalid_search_show_matches_position"},
      {{{"filter", "lang != fi"}}, "invalid_search_filter"},
      {{{"sort", {"updated:desc"}}}, "bad_request"},
      {{{"hybrid", json::object()}}, "bad_request"},
      {{{"qq", "typo in a field name"}}, "bad_request"},
  };
  for (const auto& b : bad) {
    INFO(b.body.dump());
    auto got = meili::parse_query(b.body);
    REQUIRE(std::holds_alternative<meili::Error>(got));
    CHECK(std::get<meili::Error>(got).code == b.code);
    CHECK(std::get<meili::Error>(got).status == 400);
  }
}

TEST_CASE("meili search: the GET form's parameters read as the POST body's fields") {
  const std::multimap<std::string, std::string> params = {
      {"q", "refund"}, {"limit", "5"}, {"facets", "lang,category"}, {"showMatchesPosition", "true"},
      {"filter", "lang = en"}, {"offset", "x"}};
  const json body = meili::query_from_params(params);
  CHECK(body["q"] == "refund");
  CHECK(body["limit"] == 5);
  CHECK(body["facets"] == json::array({"lang", "category"}));
  CHECK(body["showMatchesPosition"] == true);
  CHECK(body["filter"] == "lang = en");
  CHECK(body["offset"] == "x");  // left as typed, for parse_query to refuse by name
}

TEST_CASE("meili highlight: kb's marked HTML becomes text with the asked tags and match positions") {
  struct Row {
    const char* html;
    const char* pre;
    const char* post;
    const char* text;
    std::vector<std::pair<size_t, size_t>> matches;
  };
  const Row rows[] = {
      {"Request a <mark>refund</mark>", "<em>", "</em>", "Request a <em>refund</em>", {{10, 6}}},
      {"<mark>Quản</mark> <mark>lý</mark>", "__ais-highlight__", "__/ais-highlight__",
       "__ais-highlight__Quản__/ais-highlight__ __ais-highlight__lý__/ais-highlight__", {{0, 6}, {7, 3}}},
      {"Tom &amp; Jerry &lt;b&gt; <mark>&quot;x&quot;</mark> it&#39;s", "[", "]", "Tom & Jerry <b> [\"x\"] it's",
       {{16, 3}}},
      {"no matches", "<em>", "</em>", "no matches", {}},
      {"<mark>a</mark>", "", "", "a", {{0, 1}}},
  };
  for (const auto& row : rows) {
    INFO(row.html);
    std::vector<meili::Span> spans;
    CHECK(meili::from_marked_html(row.html, row.pre, row.post, &spans) == row.text);
    std::vector<std::pair<size_t, size_t>> got;
    for (const auto& s : spans) got.emplace_back(s.start, s.length);
    CHECK(got == row.matches);
  }
}

TEST_CASE("meili crop: a few words around the first match, marked where cut") {
  struct Row {
    const char* text;
    size_t words;
    const char* expected;
  };
  const Row rows[] = {
      {"one two three", 5, "one two three"},
      {"one two three four five six seven eight nine ten", 4, "one two three four…"},
      {"one two three four five <em>six</em> seven eight nine ten", 3, "…five <em>six</em> seven…"},
      {"one two three four five six seven eight nine <em>ten</em>", 3, "…eight nine <em>ten</em>"},
      {"<em>one</em> two three four", 2, "<em>one</em> two…"},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    CHECK(meili::crop(row.text, "<em>", row.words, "…") == row.expected);
  }
}

TEST_CASE("meili answer: hits with _formatted, positions, pages and facets as Meilisearch writes them") {
  SearchResult result;
  result.total = 12;
  SearchHit h;
  h.slug = "refunds";
  h.title = "Request a refund";
  h.lang = "en";
  h.category = "Billing";
  h.url = "/articles/refunds#who";
  h.section_title = "Who can ask";
  h.snippet = "Only the <mark>refund</mark> owner &amp; admins";
  h.updated = "2026-07-21";
  result.hits = {h};
  result.facets["lang"] = {{"en", 10}, {"fi", 2}};
  result.facets["tag"] = {{"billing", 3}};

  auto parsed = meili::parse_query({{"q", "refund"},
                                    {"page", 2},
                                    {"hitsPerPage", 5},
                                    {"facets", {"lang", "tags"}},
                                    {"attributesToHighlight", {"title", "content"}},
                                    {"attributesToRetrieve", {"title", "content", "url"}},
                                    {"showMatchesPosition", true}});
  REQUIRE(std::holds_alternative<meili::Query>(parsed));
  const json a = meili::search_answer(std::get<meili::Query>(parsed), result, {"Request a <mark>refund</mark>"},
                                      {"Who can ask"}, 1.4);
  CHECK(a["query"] == "refund");
  CHECK(a["processingTimeMs"] == 1);
  CHECK(a["page"] == 2);
  CHECK(a["hitsPerPage"] == 5);
  CHECK(a["totalHits"] == 12);
  CHECK(a["totalPages"] == 3);
  CHECK_FALSE(a.contains("estimatedTotalHits"));
  CHECK(a["facetDistribution"] == json({{"lang", {{"en", 10}, {"fi", 2}}}, {"tags", {{"billing", 3}}}}));
  REQUIRE(a["hits"].size() == 1);
  const json& hit = a["hits"][0];
  CHECK(hit == json({{"title", "Request a refund"},
                     {"content", "Only the refund owner & admins"},
                     {"url", "/articles/refunds#who"},
                     {"_formatted",
                      {{"title", "Request a <em>refund</em>"},
                       {"content", "Only the <em>refund</em> owner & admins"},
                       {"url", "/articles/refunds#who"}}},
                     {"_matchesPosition", {{"title", {{{"start", 10}, {"length", 6}}}}, {"content", {{{"start", 9}, {"length", 6}}}}}}}));
}
