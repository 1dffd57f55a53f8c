// Request parameters, parsed and clamped against named limits (habit from
// Omega). A bad parameter is an ApiError naming it; nothing here throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/searcher.h"
#include "core/suggester.h"
#include "server/http_types.h"

namespace kb {

struct ApiError {
  int status = 400;
  std::string code;     // machine-readable: "invalid_parameter", "not_found"...
  std::string message;  // for people: names the parameter and what to fix
};

inline constexpr size_t kMaxQueryBytes = 512;
inline constexpr size_t kMaxFilterBytes = 200;
inline constexpr size_t kDefaultLimit = 10;
inline constexpr size_t kMaxLimit = Searcher::kMaxLimit;    // larger limits are clamped
inline constexpr size_t kMaxOffset = Searcher::kMaxOffset;  // larger offsets are refused
inline constexpr size_t kMaxParamBytes = 2048;
inline constexpr size_t kDefaultSuggestions = 8;

// q, lang, tag, category, limit, offset. `require_query`: q must be non-empty
// unless a filter is given.
std::variant<SearchRequest, ApiError> parse_search_params(const Request& request);

// q (required, may be empty), lang (preferred, not a filter), limit (clamped
// to 1..Suggester::kMaxLimit).
std::variant<SuggestRequest, ApiError> parse_suggest_params(const Request& request);

// Page number (1-based) of the HTML results page → offset.
std::variant<size_t, ApiError> parse_page_param(const Request& request, size_t page_size);

// The staff's search report (/report): searches over the last `days` days
// by `audience`.
struct ReportRequest {
  int days = 30;
  std::string audience = "public";  // "public", "agents" or "all"
  std::optional<bool> agents() const {
    return audience == "all" ? std::nullopt : std::optional<bool>(audience == "agents");
  }
};
inline constexpr int kMaxReportDays = 365;
// days (1..kMaxReportDays, default 30), audience (default public).
std::variant<ReportRequest, ApiError> parse_report_params(const Request& request);

// A request target ("/path?a=1&token=x") fit for a log line: the values of
// parameters that carry secrets (token, csrf) replaced by "REDACTED", however
// their names are cased or percent-encoded. Tokens are never logged (issue 7),
// and a client may put one in a URL even though /signin takes it from a form.
std::string redact_target(std::string_view target);

// Checks an article slug taken from a URL path.
std::optional<ApiError> check_slug(const std::string& slug);

}  // namespace kb
