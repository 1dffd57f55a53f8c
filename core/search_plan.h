// Step one of a search: the plan. Everything about the query that does not
// depend on which articles match, worked out once per query: its words
// analysed for the languages searched, the writers' synonyms, the spelling
// correction, how rare each word is, and the Xapian queries that the match
// step runs (core/search_match.h). The present step (core/search_present.h)
// marks and picks sections by the same words.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "core/analysis.h"
#include "core/search_types.h"
#include "core/synonyms.h"

namespace kb {

// The visibility, language, tag and category filters of a request: the
// boolean terms a match must all have (none: no filter; clauses of
// SearchRequest::any_of with one value are among them), and the whole
// filter, clauses of several values included, as one query.
std::vector<std::string> filter_terms(const SearchRequest& request);
Xapian::Query filter_query(const SearchRequest& request);
// The boolean term of one filter value.
std::string filter_term(const FilterValue& value);
// The languages a query is analysed in: the request's language, else the
// first clause that names only languages, else `all`.
std::vector<std::string> query_languages(const SearchRequest& request, const std::vector<std::string>& all);

// What plan_search reads: the index, its synonyms and the languages it holds.
// Borrowed for the call only.
struct PlanContext {
  const Xapian::Database& db;
  const SynonymIndex& synonyms;
  const std::vector<std::string>& languages;
  // The words only staff may see, for correcting staff queries (null: none).
  const Xapian::Database* staff_spelling = nullptr;
  // `db` has remote parts (xapian-tcpsrv): reading a posting list there
  // fetches it whole.
  bool remote = false;
  // The public spelling data and the diacritics table, when not in `db`:
  // a remote database serves neither (core/shards.h).
  const Xapian::Database* spelling = nullptr;
};

struct SearchPlan {
  std::vector<std::string> langs;  // the languages the words were analysed for
  std::vector<analysis::QueryWord> words;  // as corrected, when they were
  std::vector<SynonymMatch> synonyms;      // synonyms.find(words, langs)
  std::vector<Xapian::doccount> frequencies;  // articles with words[i], in its most frequent form
  std::optional<std::string> corrected;       // the query run, when a typo was corrected
  Xapian::Query filter;                       // filter_query(request)
  Xapian::Query strict;   // rare words required, common ones and word pairs boost
  Xapian::Query relaxed;  // any rare word (any word, when every one is common)
  bool filtered = false;  // strict matches fewer articles than relaxed

  // The words the present step marks and picks sections by, with how much
  // each says (rarer: more): the query's words and its synonyms' words.
  const std::vector<analysis::QueryWord>& marked_words() const { return synonyms.empty() ? words : marked_; }
  std::vector<double> marked_weights;

  std::vector<analysis::QueryWord> marked_;  // words and synonyms' words, when there are synonyms
};

// Never throws on user input; Xapian errors propagate (Searcher turns them
// into a Status).
SearchPlan plan_search(const PlanContext& context, const SearchRequest& request);

// In how many articles each query word occurs, in its most frequent form.
std::vector<Xapian::doccount> word_frequencies(const std::vector<analysis::QueryWord>& words,
                                               const Xapian::Database& db);

// A writer's synonym counts a little less than the words as typed: an article
// in the customer's own words is the better answer (search and suggestions).
inline constexpr double kSynonymWeight = 0.9;
// A query word in more than this share of articles only ranks...
inline constexpr double kCommonWordShare = 0.15;
// ...and in more than this many: in a small help center every word is rare
// by its count, so function words are known from lists (core/stopwords.h).
inline constexpr double kCommonWordMinArticles = 10;

// Whether a query word says how the question is asked rather than what it is
// about: a function word of one of `langs`, or a word in more than
// kCommonWordShare of the `doccount` articles (and more than
// kCommonWordMinArticles). Such a word ranks but is never required, never
// corrected, and counts least in picking sections and ticket words.
bool is_common_word(std::string_view word, Xapian::doccount frequency, Xapian::doccount doccount,
                    const std::vector<std::string>& langs);

}  // namespace kb
