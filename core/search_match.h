// Step two of a search: the match. Runs a plan's Xapian queries
// (core/search_plan.h) and returns the ranked documents of the asked page
// (the whole top kRerankDepth when the page lies within it, for the present
// step to re-order), the total and the facet counts. The only step that
// walks posting lists.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <xapian.h>

#include "core/search_plan.h"
#include "core/search_types.h"

namespace kb {

// The first kRerankDepth matches are re-ordered by the present step
// (core/search_present.h), so they are fetched whole when a page lies within
// them.
inline constexpr size_t kRerankDepth = 50;
// Fewer matches with all the words than this, and articles with some of
// them are listed after those (SearchHit::partial).
inline constexpr size_t kFewMatches = 10;

// How much of the matches the match step counts. In an index of up to
// `all_up_to_articles` documents every match is checked, so totals and
// facets are exact. In a larger one matches are counted exactly up to
// `matches`. Past that Xapian skips the documents that cannot reach the
// asked page, so the total is its estimate and the facet counts are scaled
// from the documents it checked (MatchResult::total_is_estimate: the total,
// the facets or both). Those documents are the first ones in index order,
// which is folder order, and then the best-ranked ones. A language whose
// folder comes late can be missing from the language facet.
// Counting every match of a common query was half the match time at 100,000
// articles, and made no difference at d365's 7,800 (bench/RESULTS.md, "Cold
// search, fifth slice"). Checking 100 was no faster than 1,000; 10,000
// gave back most of the gain.
struct CountLimits {
  size_t all_up_to_articles = 20000;
  size_t matches = 1000;
};

struct MatchedDocument {
  Xapian::Document doc;
  double weight = 0;  // BM25
  bool partial = false;
};

struct MatchResult {
  std::vector<MatchedDocument> ranked;  // ranking positions [first, first + ranked.size())
  size_t first = 0;
  bool reranked = false;  // ranked is the top kRerankDepth (and more), to re-order
  size_t total = 0;
  bool total_is_estimate = false;  // see CountLimits
  double max_weight = 0;  // the best match's BM25 weight
  bool relaxed = false;   // see SearchResult::relaxed
  std::map<std::string, FacetCounts> facets;
};

// `offset` and `limit` are clamped by the caller. `remote`: `db` has parts
// served by xapian-tcpsrv. Only Xapian's own spies, sorters and weights run
// there: a class of ours derived from MatchSpy, KeyMaker, Weight,
// MatchDecider or PostingSource is refused, or runs as its base class.
MatchResult match_search(const Xapian::Database& db, const SearchPlan& plan, size_t offset, size_t limit,
                         const CountLimits& counts = {}, bool remote = false);

// Matches per language of the plan's query (strict or, with `relaxed`, the
// relaxed one), for "other languages have answers".
FacetCounts count_languages(const Xapian::Database& db, const SearchPlan& plan, bool relaxed);

}  // namespace kb
