// Request parameters (server/params.h) and whole requests through the App
// routes (server/routes.h) without a socket, over a small real index built
// once. Input: a request line, then parameters, headers and a body:
//
//   GET /api/v1/search
//   q=refund
//   lang=fi
//   @authorization: Bearer $AGENT      ($AGENT, $WRITER: valid staff tokens)
//   --
//   (body: everything after the "--" line)
//
// Beyond not crashing: parsed parameters are within their named limits,
// errors are 4xx with a code and a message; a whole request never ends in
// 500 and JSON responses are valid JSON; a request without a staff token
// never sees a staff-only word (an internal article, a draft, an internal
// block) unless it typed that word itself.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/analysis.h"
#include "core/revision.h"
#include "core/text.h"
#include "core/tokens.h"
#include "server/params.h"
#include "server/render.h"
#include "server/routes.h"
#include "server/search_service.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kb::fuzz::fail;

struct Fixture {
  explicit Fixture(const kb::fs::path& index) : layout(index), search(layout) {}
  kb::IndexLayout layout;
  kb::SearchService search;
  kb::Metrics metrics;
  std::unique_ptr<kb::Templates> templates;
  std::unique_ptr<kb::TokenStore> tokens;
  std::unique_ptr<kb::App> app;
  std::string agent, writer;
};

Fixture* fixture = nullptr;

void replace_all(std::string& s, std::string_view from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
}

// The request, and whether it carries a staff token.
std::pair<kb::Request, bool> parse_input(std::string_view text) {
  kb::Request r;
  r.remote_addr = "192.0.2.7";
  bool staff = false;
  auto next_line = [&text]() {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    return std::string(line);
  };
  auto with_tokens = [&](std::string s) {
    if (s.find("$AGENT") != std::string::npos || s.find("$WRITER") != std::string::npos) staff = true;
    replace_all(s, "$AGENT", fixture->agent);
    replace_all(s, "$WRITER", fixture->writer);
    return s;
  };
  const std::string first = next_line();
  const size_t space = first.find(' ');
  if (space == std::string::npos) {
    r.path = first;
  } else {
    r.method = first.substr(0, space);
    r.path = first.substr(space + 1);
  }
  while (!text.empty()) {
    std::string line = next_line();
    if (line == "--") {
      r.body = with_tokens(std::string(text));
      break;
    }
    if (line.starts_with("@")) {
      const size_t colon = line.find(':');
      std::string name = kb::fuzz::ascii_lower(line.substr(1, colon == std::string::npos ? std::string::npos : colon - 1));
      std::string value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
      if (value.starts_with(" ")) value.erase(0, 1);
      r.headers[name] = with_tokens(value);
      continue;
    }
    const size_t eq = line.find('=');
    r.params.emplace(line.substr(0, eq), eq == std::string::npos ? std::string() : with_tokens(line.substr(eq + 1)));
  }
  return {std::move(r), staff};
}

void check_error(const kb::ApiError& e, const char* what) {
  KB_FUZZ_CHECK(e.status >= 400 && e.status < 500, "{}: status {}", what, e.status);
  KB_FUZZ_CHECK(!e.code.empty() && !e.message.empty(), "{}: an error without code or message", what);
}

void check_text(const std::string& s, size_t max, const char* what) {
  KB_FUZZ_CHECK(kb::is_valid_utf8(s), "{} is not valid UTF-8", what);
  KB_FUZZ_CHECK(s.size() <= max, "{} is {} bytes (max {})", what, s.size(), max);
  KB_FUZZ_CHECK(kb::collapse_whitespace(s) == s, "{} '{}' has loose whitespace", what, s);
}

void check_params(const kb::Request& r) {
  auto search = kb::parse_search_params(r);
  if (auto* s = std::get_if<kb::SearchRequest>(&search)) {
    KB_FUZZ_CHECK(s->limit >= 1 && s->limit <= kb::kMaxLimit, "limit {}", s->limit);
    KB_FUZZ_CHECK(s->offset <= kb::kMaxOffset, "offset {}", s->offset);
    check_text(s->query, kb::kMaxQueryBytes, "q");
    check_text(s->tag, kb::kMaxFilterBytes, "tag");
    check_text(s->category, kb::kMaxFilterBytes, "category");
    KB_FUZZ_CHECK(!(s->query.empty() && s->lang.empty() && s->tag.empty() && s->category.empty()),
                  "a search with neither query nor filter");
    if (!s->lang.empty()) {
      KB_FUZZ_CHECK(kb::analysis::is_language_tag(s->lang) && kb::analysis::normalize_lang(s->lang) == s->lang,
                    "lang '{}' is not a normalised language tag", s->lang);
    }
  } else {
    check_error(std::get<kb::ApiError>(search), "search params");
  }
  auto suggest = kb::parse_suggest_params(r);
  if (auto* s = std::get_if<kb::SuggestRequest>(&suggest)) {
    KB_FUZZ_CHECK(s->limit >= 1 && s->limit <= kb::Suggester::kMaxLimit, "suggest limit {}", s->limit);
    check_text(s->query, kb::kMaxQueryBytes, "suggest q");
    KB_FUZZ_CHECK(s->lang.empty() || kb::analysis::is_language_tag(s->lang), "suggest lang '{}'", s->lang);
  } else {
    check_error(std::get<kb::ApiError>(suggest), "suggest params");
  }
  for (size_t page_size : {size_t{1}, size_t{10}, size_t{7}, kb::kMaxLimit}) {
    auto page = kb::parse_page_param(r, page_size);
    if (auto* offset = std::get_if<size_t>(&page)) {
      KB_FUZZ_CHECK(*offset <= kb::kMaxOffset && *offset % page_size == 0, "page gives offset {} (page size {})",
                    *offset, page_size);
    } else {
      check_error(std::get<kb::ApiError>(page), "page param");
    }
  }
  if (const std::string* slug = r.param("slug")) {
    if (auto e = kb::check_slug(*slug)) check_error(*e, "slug");
  }
}

void check_response(const kb::Request& r, const kb::Response& res, bool staff, std::string_view input) {
  KB_FUZZ_CHECK(res.status >= 200 && res.status < 600, "status {}", res.status);
  KB_FUZZ_CHECK(res.status != 500, "500 for {} {}: {}", r.method, r.path, res.body.substr(0, 500));
  if (res.content_type.starts_with("application/json")) {
    KB_FUZZ_CHECK(nlohmann::json::accept(res.body), "invalid JSON from {} {}: {}", r.method, r.path,
                  res.body.substr(0, 500));
  }
  if (staff || r.headers.count("cookie")) return;
  const std::string typed = kb::fuzz::ascii_lower(input);
  const std::string body = kb::fuzz::ascii_lower(res.body);
  for (auto w : kb::fuzz::kSecretWords) {
    KB_FUZZ_CHECK(typed.find(w) != std::string::npos || body.find(w) == std::string::npos,
                  "'{}' shown to the public by {} {}", w, r.method, r.path);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto dir = kb::fuzz::temp_dir("request");
  kb::fuzz::build_fixture_index(dir / "content", dir / "index");
  fixture = new Fixture(dir / "index");
  auto templates = kb::Templates::load(kb::fs::path(KB_SOURCE_DIR) / "templates");
  if (!templates) fail(__FILE__, __LINE__, "cannot load templates: " + templates.status().message());
  fixture->templates = std::make_unique<kb::Templates>(std::move(templates.value()));
  fixture->tokens = std::make_unique<kb::TokenStore>(fixture->layout.auth_db());
  auto agent = fixture->tokens->create("agent", kb::Role::kAgent);
  auto writer = fixture->tokens->create("writer", kb::Role::kWriter);
  if (!agent || !writer) fail(__FILE__, __LINE__, "cannot create tokens");
  fixture->agent = *agent;
  fixture->writer = *writer;
  kb::AppOptions options;
  options.site_name = "Fuzz Help";
  options.contact_url = "https://example.com/contact";
  fixture->app = std::make_unique<kb::App>(fixture->search, fixture->tokens.get(), *fixture->templates,
                                           fixture->metrics, options);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto [request, staff] = parse_input(input);
  check_params(request);
  const kb::Response response = fixture->app->handle(request);
  check_response(request, response, staff, input);
  return 0;
}
