#include "core/search_match.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <memory>
#include <set>

#include "core/schema.h"

namespace kb {
namespace {

// Counts facet values over the documents the matcher checks: every match, or
// past CountLimits a part (see take()). Xapian's own ValueCountMatchSpy
// counts each document's whole facet value (language, category and tags
// joined), and the counts are split into fields afterwards: a built-in spy
// is one a remote database (xapian-tcpsrv) can run too, where a spy of ours
// would be refused, and one map update a document costs no more than three.
class FacetSpy {
 public:
  Xapian::MatchSpy* spy() { return &counts_; }
  // Whether the spy saw fewer than `total` documents: past CountLimits::matches
  // Xapian checks only the documents that could still make the page.
  bool saw_fewer(size_t total) const { return counts_.get_total() < total; }

  // The counts, scaled to `total` matches when the spy saw fewer.
  std::map<std::string, FacetCounts> take(size_t total) const {
    FacetCounts lang, category, tag;
    for (auto it = counts_.values_begin(); it != counts_.values_end(); ++it) {
      const std::string all = *it;
      const size_t n = it.get_termfreq();
      size_t start = 0;
      for (size_t field = 0; start <= all.size(); ++field) {
        size_t end = all.find(schema::kFacetSeparator, start);
        if (end == std::string::npos) end = all.size();
        std::string value = all.substr(start, end - start);
        if (field == 0) {
          lang[std::move(value)] += n;
        } else if (!value.empty()) {
          (field == 1 ? category : tag)[std::move(value)] += n;
        }
        start = end + 1;
      }
    }
    const size_t seen = counts_.get_total();
    if (seen > 0 && total > seen) {
      const double scale = static_cast<double>(total) / static_cast<double>(seen);
      for (FacetCounts* counts : {&lang, &category, &tag}) {
        for (auto& [value, n] : *counts) n = std::max<size_t>(1, std::lround(static_cast<double>(n) * scale));
      }
    }
    return {{"lang", std::move(lang)}, {"category", std::move(category)}, {"tag", std::move(tag)}};
  }

 private:
  Xapian::ValueCountMatchSpy counts_{schema::kSlotFacets};
};

}  // namespace

MatchResult match_search(const Xapian::Database& db, const SearchPlan& plan, size_t offset, size_t limit,
                         const CountLimits& counts, bool remote) {
  MatchResult result;
  const Xapian::Query& filter = plan.filter;
  Xapian::Enquire enquire(db);
  auto spy = std::make_unique<FacetSpy>();
  // With words, the top kRerankDepth are fetched whole to be re-ordered.
  const bool rerank = !plan.words.empty() && offset < kRerankDepth;
  const size_t first = rerank ? 0 : offset;
  const size_t count = rerank ? std::max(kRerankDepth, offset + limit) : limit;
  result.first = first;
  result.reranked = rerank;
  auto run_query = [&](const Xapian::Query& q, size_t from, size_t n) {
    enquire.set_query(filter.empty() ? q : Xapian::Query(Xapian::Query::OP_FILTER, q, filter));
    enquire.clear_matchspies();
    spy = std::make_unique<FacetSpy>();
    enquire.add_matchspy(spy->spy());
    const size_t documents = db.get_doccount();
    const size_t check = documents <= counts.all_up_to_articles ? documents : std::max(counts.matches, from + n);
    return enquire.get_mset(static_cast<Xapian::doccount>(from), static_cast<Xapian::doccount>(n),
                            static_cast<Xapian::doccount>(check));
  };
  auto& ranked = result.ranked;
  auto take = [&](const Xapian::MSet& m, bool partial) {
    for (auto it = m.begin(); it != m.end(); ++it) ranked.push_back({it.get_document(), it.get_weight(), partial});
  };
  Xapian::MSet mset;
  if (plan.words.empty()) {
    // Browsing: everything under the filters, newest first.
    enquire.set_sort_by_value(schema::kSlotUpdated, true);
    mset = run_query(Xapian::Query::MatchAll, first, count);
    take(mset, false);
    if (remote) {
      // Xapian 1.4's remote matcher, sorting by value over several parts
      // for a page shorter than the matches, shows the spy a document
      // twice (24 matches counted as 25): the facets are counted apart,
      // unsorted.
      enquire.set_sort_by_relevance();
      run_query(Xapian::Query::MatchAll, 0, 0);
    }
  } else {
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    mset = run_query(plan.strict, first, count);
    const size_t matched_all = mset.get_matches_estimated();
    if (matched_all == 0 && plan.words.size() > 1) {
      // No article has every word: rank by how many (and how rare) they match.
      mset = run_query(plan.relaxed, first, count);
      result.relaxed = true;
      take(mset, true);
    } else if (plan.filtered && matched_all < kFewMatches) {
      // Few articles have every word: they come first, then the articles
      // with some of the words ("When was this edict declared?": the one
      // article with both rare words is about something else).
      Xapian::MSet all = first == 0 ? mset : run_query(plan.strict, 0, matched_all);
      std::set<Xapian::docid> have_all;
      for (auto it = all.begin(); it != all.end(); ++it) have_all.insert(*it);
      mset = run_query(plan.relaxed, 0, first + count + matched_all);
      std::vector<MatchedDocument> rest;
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        if (!have_all.contains(*it)) rest.push_back({it.get_document(), it.get_weight(), true});
      }
      take(all, false);
      ranked.insert(ranked.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
      ranked.erase(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(std::min(first, ranked.size())));
      if (ranked.size() > count) ranked.resize(count);
    } else {
      take(mset, false);
    }
  }
  result.total = mset.get_matches_estimated();
  // Xapian may know the total exactly and still have skipped documents
  // (every article matches), which the facets then miss.
  result.total_is_estimate =
      mset.get_matches_lower_bound() != mset.get_matches_upper_bound() || spy->saw_fewer(result.total);
  result.max_weight = mset.get_max_attained();
  result.facets = spy->take(result.total);
  return result;
}

FacetCounts count_languages(const Xapian::Database& db, const SearchPlan& plan, bool relaxed) {
  Xapian::Enquire enquire(db);
  const Xapian::Query& q = relaxed ? plan.relaxed : plan.strict;
  enquire.set_query(plan.filter.empty() ? q : Xapian::Query(Xapian::Query::OP_FILTER, q, plan.filter));
  FacetSpy spy;
  enquire.add_matchspy(spy.spy());
  enquire.get_mset(0, 0, db.get_doccount());
  return spy.take(0)["lang"];  // every match checked: exact
}

}  // namespace kb
