// Meilisearch's search API over kb's one index, read-only, for front ends
// built with the Meilisearch JS client or InstantSearch through
// instant-meilisearch (issue 21; the supported subset is in docs/api.md).
// These are the plain translations: a Meilisearch search request into a
// SearchRequest and display options, a SearchResult into Meilisearch's
// answer, and Meilisearch's error shape. The routes are in
// server/routes_meili.cpp.
//
// The documents kb shows through this API are its articles, one hit each:
//   id (the slug), slug, title, lang, category, url (to the best section),
//   section (its heading), content (the highlighted excerpt of that section
//   kb picked, as plain text), updated.
// Filterable and facet attributes: lang, category, tags.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/search_types.h"

namespace kb::meili {

// The one index: the help center.
inline constexpr std::string_view kIndexUid = "kb";
inline constexpr size_t kDefaultLimit = 20;
// Queries in one /multi-search (InstantSearch sends one, plus one per
// refined facet).
inline constexpr size_t kMaxQueries = 16;
// Clauses a filter may expand to ("a OR (b AND c)" is two).
inline constexpr size_t kMaxFilterClauses = 32;
inline constexpr size_t kMaxFilterBytes = 2048;
inline constexpr size_t kMaxTagBytes = 64;
inline constexpr size_t kDefaultCropLength = 10;
inline constexpr size_t kMaxCropLength = 200;

// Meilisearch's error: {"message", "code", "type", "link"} with a status.
struct Error {
  int status = 400;
  std::string code;     // Meilisearch's code where it has one ("invalid_search_filter")
  std::string message;  // names the field and what to fix
  std::string type = "invalid_request";  // "invalid_request", "auth" or "internal"
};
nlohmann::json error_json(const Error& e);

// How hits are shown, besides what is searched.
struct Display {
  bool pages = false;  // page/hitsPerPage asked: totalHits and totalPages in the answer
  size_t limit = kDefaultLimit, offset = 0;  // as asked (limit may be 0: facets only), and answered
  size_t page = 1, hits_per_page = kDefaultLimit;
  size_t shown = kDefaultLimit;  // hits in the answer: what was asked, at most Searcher::kMaxLimit
  std::vector<std::string> facets;      // attributes counted (lang, category, tags)
  std::vector<std::string> retrieve;    // attributesToRetrieve; empty: all
  std::vector<std::string> highlight;   // attributesToHighlight ("*": all)
  std::vector<std::string> crop;        // attributesToCrop ("*": all)
  size_t crop_length = kDefaultCropLength;
  std::string crop_marker = "…";
  std::string pre_tag = "<em>", post_tag = "</em>";
  bool matches_position = false;
};

struct Query {
  SearchRequest request;  // query, filters, limit and offset (visibility is the caller's)
  Display display;
};

// One search: a POST body, or a multi-search entry (its indexUid checked
// by the caller). Fields kb does not support and that would change the
// answer (sort, vector, hybrid, distinct, ...) are refused by name;
// settings that only tune Meilisearch's ranking are accepted and ignored
// (docs/api.md lists which).
std::variant<Query, Error> parse_query(const nlohmann::json& body);

// The GET form (/indexes/kb/search?q=...&filter=...&facets=a,b): the same
// fields as query parameters, lists comma-separated.
nlohmann::json query_from_params(const std::multimap<std::string, std::string>& params);

// A `filter` (string, or array of strings and arrays of strings) into
// clauses of SearchRequest::any_of: `=`, `IN [...]`, AND, OR and
// parentheses on lang, category and tags (tag).
std::variant<std::vector<std::vector<FilterValue>>, Error> parse_filter(const nlohmann::json& filter);

// HTML of kb's highlighter (text escaped, matches in <mark>) as the text it
// shows with `pre`/`post` around the matches; `matches` gets each match's
// byte offset and length in the text without the tags.
struct Span {
  size_t start = 0, length = 0;
};
std::string from_marked_html(std::string_view html, std::string_view pre, std::string_view post,
                             std::vector<Span>* matches = nullptr);

// At most `words` words of marked text, around the first match (or from
// the start), with `marker` where text was cut.
std::string crop(std::string_view text, std::string_view pre, size_t words, std::string_view marker);

// The answer to one search. `marked_titles[i]` is hit i's title and
// `marked_sections[i]` its section heading, as marked HTML (the caller
// highlights them in the hit's language).
nlohmann::json search_answer(const Query& q, const SearchResult& result, const std::vector<std::string>& marked_titles,
                             const std::vector<std::string>& marked_sections, double took_ms);

}  // namespace kb::meili
