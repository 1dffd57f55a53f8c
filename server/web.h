// Helpers every route file shares: URLs, cookies, languages, and the JSON
// shapes of errors and search hits. Nothing here knows the visitor or the
// index; they are plain functions of their arguments.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/search_types.h"
#include "server/http_types.h"
#include "server/params.h"

namespace kb {

inline constexpr const char* kHtml = "text/html; charset=utf-8";
// Pages: no inline script or style, nothing from elsewhere.
inline constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

// The value of one cookie in a Cookie header ("a=1; kb_session=xyz"), or
// nullopt when the header (which may be null) has none of that name.
std::optional<std::string> cookie_value(const std::string* header, std::string_view name);

// Compares secrets in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b);

// Where to go after signing in: `next` when it is a path on this site,
// else "/".
std::string safe_next(const std::string* next);

// "fi" -> "Suomi": the language's name in itself (ICU); the code when ICU
// does not know it.
std::string language_name(const std::string& code);

// A URL path for a header: bytes outside printable ASCII and the characters
// that end or confuse a path are percent-encoded; '/' is kept.
std::string encode_path(std::string_view path);

// A query parameter value: everything but RFC 3986's unreserved characters
// percent-encoded, so a value may itself be a URL with '&' and '='.
std::string encode_component(std::string_view value);

// `path` with the parameters whose values are not empty, encoded.
std::string url_with(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params);

// The first language of an Accept-Language header ("fi-FI,fi;q=0.9,en;q=0.8")
// that is `available`, by exact tag or primary subtag; "" when none.
std::string preferred_language(const std::string* header, const std::vector<std::string>& available);

// "2026-12-04T21:30:00Z": a time in UTC, as logs and Meilisearch's index
// dates write it.
std::string iso_utc(std::time_t t);

// A JSON body; invalid UTF-8 in strings is replaced, never thrown on.
Response json_response(int status, const nlohmann::json& body);

// The API's error shape: {"error": {"code", "message"}} with the status.
Response error_json(const ApiError& e);

// One search hit as /api/v1/search and the agent page give it.
nlohmann::json hit_json(const SearchHit& h);

}  // namespace kb
