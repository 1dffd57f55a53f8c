#include <catch2/catch.hpp>

#include "server/params.h"

using namespace kb;

namespace {

Request with(std::initializer_list<std::pair<const std::string, std::string>> params) {
  Request r;
  r.path = "/api/v1/search";
  r.params = params;
  return r;
}

}  // namespace

TEST_CASE("search params: valid values are parsed and clamped") {
  struct Row {
    const char* name;
    Request req;
    size_t limit;
    size_t offset;
  };
  const Row rows[] = {
      {"defaults", with({{"q", "refund"}}), 10, 0},
      {"limit in range", with({{"q", "x"}, {"limit", "25"}}), 25, 0},
      {"limit clamped high", with({{"q", "x"}, {"limit", "5000"}}), 100, 0},
      {"limit clamped low", with({{"q", "x"}, {"limit", "0"}}), 1, 0},
      {"negative limit clamped", with({{"q", "x"}, {"limit", "-3"}}), 1, 0},
      {"offset", with({{"q", "x"}, {"offset", "40"}}), 10, 40},
      {"offset at bound", with({{"q", "x"}, {"offset", "1000"}}), 10, 1000},
      {"filter without q", with({{"lang", "fi"}}), 10, 0},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto v = parse_search_params(r.req);
    REQUIRE(std::holds_alternative<SearchRequest>(v));
    CHECK(std::get<SearchRequest>(v).limit == r.limit);
    CHECK(std::get<SearchRequest>(v).offset == r.offset);
  }
  auto v = parse_search_params(with({{"q", "  two   words "}, {"lang", "pt_BR"}}));
  REQUIRE(std::holds_alternative<SearchRequest>(v));
  CHECK(std::get<SearchRequest>(v).query == "two words");
  CHECK(std::get<SearchRequest>(v).lang == "pt-br");
}

TEST_CASE("search params: bad values are 400 errors that name the parameter") {
  struct Row {
    const char* name;
    Request req;
    const char* code;
    const char* names;
  };
  const Row rows[] = {
      {"no query or filter", with({}), "missing_parameter", "'q'"},
      {"empty query", with({{"q", "   "}}), "missing_parameter", "'q'"},
      {"limit not a number", with({{"q", "x"}, {"limit", "ten"}}), "invalid_parameter", "'limit'"},
      {"limit with junk", with({{"q", "x"}, {"limit", "10abc"}}), "invalid_parameter", "'limit'"},
      {"offset too large", with({{"q", "x"}, {"offset", "1001"}}), "invalid_parameter", "'offset'"},
      {"negative offset", with({{"q", "x"}, {"offset", "-1"}}), "invalid_parameter", "'offset'"},
      {"huge offset", with({{"q", "x"}, {"offset", "99999999999999999999999"}}), "invalid_parameter", "'offset'"},
      {"oversize query", with({{"q", std::string(600, 'a')}}), "invalid_parameter", "'q'"},
      {"invalid UTF-8 query", with({{"q", "caf\xC3"}}), "invalid_parameter", "'q'"},
      {"invalid UTF-8 tag", with({{"q", "x"}, {"tag", "\xFF"}}), "invalid_parameter", "'tag'"},
      {"bad language", with({{"q", "x"}, {"lang", "not a language"}}), "invalid_parameter", "'lang'"},
      {"oversize unknown param", with({{"q", "x"}, {"junk", std::string(5000, 'j')}}), "invalid_parameter", "'junk'"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto v = parse_search_params(r.req);
    REQUIRE(std::holds_alternative<ApiError>(v));
    const auto& e = std::get<ApiError>(v);
    CHECK(e.status == 400);
    CHECK(e.code == r.code);
    CHECK_THAT(e.message, Catch::Contains(r.names));
  }
}

TEST_CASE("page param maps to an offset within the bound") {
  Request r;
  r.params = {{"page", "3"}};
  CHECK(std::get<size_t>(parse_page_param(r, 10)) == 20);
  r.params = {{"page", "0"}};
  CHECK(std::holds_alternative<ApiError>(parse_page_param(r, 10)));
  r.params = {{"page", "102"}};
  CHECK(std::holds_alternative<ApiError>(parse_page_param(r, 10)));
}

TEST_CASE("access log: token values in a request target are redacted") {
  struct Row {
    const char* target;
    const char* logged;
  };
  const Row rows[] = {
      {"/search?q=refund", "/search?q=refund"},
      {"/healthz", "/healthz"},
      {"/signin?token=kb_secret123&next=%2Fagent", "/signin?token=REDACTED&next=%2Fagent"},
      {"/signin?next=/&TOKEN=kb_secret123", "/signin?next=/&TOKEN=REDACTED"},
      {"/signin?%74oken=kb_secret123", "/signin?%74oken=REDACTED"},
      {"/signout?csrf=abc&q=1", "/signout?csrf=REDACTED&q=1"},
      {"/search?q=token&tokens=1", "/search?q=token&tokens=1"},
      {"/search?token", "/search?token"},
      {"/search?q=a&&token=x&", "/search?q=a&&token=REDACTED&"},
  };
  for (const Row& row : rows) {
    INFO(row.target);
    CHECK(redact_target(row.target) == row.logged);
  }
}

TEST_CASE("report params: days and audience, or an error naming the parameter") {
  struct Row {
    const char* name;
    Request req;
    int days;                    // 0: an error
    const char* audience;        // or the error's words
  };
  const Row rows[] = {
      {"defaults", with({}), 30, "public"},
      {"a week of agents", with({{"days", "7"}, {"audience", "agents"}}), 7, "agents"},
      {"a year of everyone", with({{"days", "365"}, {"audience", "all"}}), 365, "all"},
      {"empty values are the defaults", with({{"days", ""}, {"audience", ""}}), 30, "public"},
      {"no days", with({{"days", "0"}}), 0, "parameter 'days' must be between 1 and 365"},
      {"too many days", with({{"days", "366"}}), 0, "parameter 'days' must be between 1 and 365"},
      {"not a number", with({{"days", "week"}}), 0, "parameter 'days' must be a whole number"},
      {"unknown audience", with({{"audience", "customers"}}), 0, "parameter 'audience' must be public, agents or all"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto v = parse_report_params(r.req);
    if (r.days == 0) {
      REQUIRE(std::holds_alternative<ApiError>(v));
      CHECK(std::get<ApiError>(v).status == 400);
      CHECK(std::get<ApiError>(v).message == r.audience);
      continue;
    }
    REQUIRE(std::holds_alternative<ReportRequest>(v));
    CHECK(std::get<ReportRequest>(v).days == r.days);
    CHECK(std::get<ReportRequest>(v).audience == r.audience);
  }
  CHECK(ReportRequest{30, "all"}.agents() == std::nullopt);
  CHECK(ReportRequest{30, "agents"}.agents() == true);
  CHECK(ReportRequest{30, "public"}.agents() == false);
}
