// What a search is asked and what it answers: the structs the search steps
// (core/search_plan, core/search_match, core/search_present) pass along and
// Searcher returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/article.h"
#include "core/catalog.h"  // Visibility

namespace kb {

// A field articles are filtered by, and one value of it.
enum class FilterField { kLang, kTag, kCategory };
struct FilterValue {
  FilterField field = FilterField::kLang;
  std::string value;
  bool operator==(const FilterValue&) const = default;
};

struct SearchRequest {
  std::string query;  // free text; may be empty when a filter is given
  std::string lang;   // filter (and the language to analyse the query in)
  std::string tag;
  std::string category;
  size_t limit = 10;
  size_t offset = 0;
  Visibility visibility = Visibility::kPublic;
  bool correct_spelling = true;  // false: run the words as typed ("search instead for")
  // More filters, as Meilisearch's API gives them ("lang = fi AND (category
  // = A OR category = B)"): an article must match at least one value of
  // every clause, besides lang, tag and category above. A clause of
  // languages only also names the languages the query is analysed in.
  std::vector<std::vector<FilterValue>> any_of;
};

// Text in a search box, for results as the visitor types.
struct TypedQuery {
  std::string text;  // as typed so far: a last word not followed by a space may be unfinished
  std::string lang;
  Visibility visibility = Visibility::kPublic;
  size_t limit = 3;
  // Whole words (folded, lowercase) the unfinished last word may become
  // ("kulurap" -> "kuluraportti"), e.g. Suggester::completions(); it also
  // matches as typed.
  std::vector<std::string> completions;
};

struct SearchHit {
  int64_t id = 0;
  std::string slug;
  std::string path;
  std::string title;
  std::string lang;
  std::string category;
  std::vector<std::string> tags;
  std::string updated;
  std::string url;  // article URL with the best section's anchor
  std::string section_title;
  std::string section_anchor;
  std::string snippet;  // HTML: matches in <mark>, everything else escaped
  double score = 0;
  // Staff only: an internal article or draft, or one with internal notes.
  bool internal = false;
  // Matches only some of the query's words (see SearchResult::relaxed): such
  // hits come after every hit that has them all.
  bool partial = false;

  bool operator==(const SearchHit& o) const { return id == o.id; }
};

using FacetCounts = std::map<std::string, size_t>;

// Where one uncached search spent its time, per step (milliseconds).
struct SearchTimings {
  double plan_ms = 0;     // analysis, synonyms, spelling, word weights, the Xapian queries
  double match_ms = 0;    // Xapian: ranking, counting, facets
  double present_ms = 0;  // documents, title re-ranking, best sections, snippets
};

struct SearchResult {
  std::optional<std::string> corrected;  // the query actually run, when a typo was corrected
  // Visible matches: exact, or in a large index past CountLimits
  // (core/search_match.h) Xapian's estimate, or exact with facet counts
  // scaled from the matches Xapian checked: either way, total_is_estimate.
  size_t total = 0;
  bool total_is_estimate = false;
  // No article had enough of the rare words (see docs/api.md); matching any
  // rare word instead. When only a few had (Searcher::kFewMatches), the
  // articles with some of them follow those, marked `partial`, and
  // `relaxed` stays false.
  bool relaxed = false;
  std::vector<SearchHit> hits;
  std::map<std::string, FacetCounts> facets;  // "lang", "tag", "category"
  // When a language filter found nothing: matches per other language.
  FacetCounts other_languages;
  SearchTimings timings;
};

}  // namespace kb
