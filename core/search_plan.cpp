#include "core/search_plan.h"

#include <algorithm>
#include <cmath>

#include "core/schema.h"
#include "core/stopwords.h"
#include "core/text.h"

namespace kb {
namespace {

// Weight of query words found in the title, on top of their weight anywhere.
constexpr double kTitleBoost = 1.0;
// Rare words a match may lack: none below kOneMissingFrom, else one; queries
// of more than kOneMissingUpTo words match any word and rely on ranking.
constexpr size_t kOneMissingFrom = 3;
constexpr size_t kOneMissingUpTo = 5;
// Words shorter than this are not corrected (too many near neighbours).
constexpr size_t kMinCorrectableBytes = 4;
constexpr unsigned kMaxSpellingEdits = 2;

// How much each query word says about where the answer is: rarer words
// more, function words the least (as if every article had them).
std::vector<double> word_weights(const std::vector<analysis::QueryWord>& words,
                                 const std::vector<Xapian::doccount>& frequencies, const Xapian::Database& db,
                                 const std::vector<std::string>& langs) {
  std::vector<double> out;
  const double n = std::max(1.0, static_cast<double>(db.get_doccount()));
  for (size_t i = 0; i < frequencies.size(); ++i) {
    const double tf = analysis::is_stopword(words[i].text, langs) ? n : static_cast<double>(frequencies[i]);
    out.push_back(1.0 + std::log(n / std::max(1.0, tf)));
  }
  return out;
}

// Fills plan.strict, plan.relaxed and plan.filtered from its words,
// frequencies, languages and synonyms.
void plan_queries(const Xapian::Database& db, const analysis::Vocabulary& vocabulary, SearchPlan& plan) {
  const auto& words = plan.words;
  const auto& frequencies = plan.frequencies;
  const auto& langs = plan.langs;
  const auto& synonyms = plan.synonyms;
  // Ranking: every word, the title boost and word pairs, summed by BM25.
  // Matching: the rare words, all of them when there are one or two, else all
  // but one (a question often has a word its answer does not use); queries
  // of six words or more match any word. Function words ("how", "miten",
  // "jak", "của") and words in a large share of articles only rank:
  // requiring them loses answers and they say little.
  std::vector<Xapian::Query> rare, ranking, in_title;
  std::vector<bool> is_rare;
  for (size_t i = 0; i < words.size(); ++i) {
    const analysis::QueryWord& w = words[i];
    Xapian::Query q = analysis::word_query(w);
    is_rare.push_back(!is_common_word(w.text, frequencies[i], db.get_doccount(), langs));
    if (is_rare.back()) rare.push_back(q);
    ranking.push_back(q);
    in_title.push_back(analysis::word_query(w, schema::kPrefixTitle));
  }
  if (rare.empty()) {
    rare = ranking;
    is_rare.assign(words.size(), true);
  }
  // Two words that the index has as one ("osto tilauksen": "ostotilauksen",
  // "daten bank": "datenbank") rank the articles about that compound first,
  // and match in place of the two words. Short queries only: a pasted
  // question is ranked on its words, and each pair costs a dictionary look-up.
  struct Replacement {
    size_t first, count;  // words[first, first + count) ...
    Xapian::Query query;  // ... may be matched by this instead
  };
  std::vector<Replacement> replacements;
  const std::vector<analysis::JoinedWord> candidates = words.size() <= kOneMissingUpTo
                                                           ? analysis::joined_words(words, langs, &vocabulary)
                                                           : std::vector<analysis::JoinedWord>{};
  for (const auto& j : candidates) {
    const auto& terms = j.word.terms;
    const bool indexed = std::any_of(terms.begin(), terms.end(), [&](const analysis::WeightedTerm& t) {
      return t.weight == 1.0 && db.term_exists(t.term);
    });
    if (!indexed) continue;
    replacements.push_back({j.first, 2, analysis::word_query(j.word)});
    ranking.push_back(replacements.back().query);
    in_title.push_back(analysis::word_query(j.word, schema::kPrefixTitle));
  }
  // The writers' synonyms (synonyms.txt): "nhân bản" also searches for
  // "sao chép", a little below the words as typed, and matches in their place.
  for (const SynonymMatch& m : synonyms) {
    for (const auto& alt : m.alternatives) {
      std::vector<Xapian::Query> all, title;
      for (const auto& w : alt) {
        all.push_back(analysis::word_query(w));
        title.push_back(analysis::word_query(w, schema::kPrefixTitle));
      }
      replacements.push_back({m.first, m.count, Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end())});
      ranking.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, replacements.back().query, kSynonymWeight);
      in_title.emplace_back(Xapian::Query::OP_AND, title.begin(), title.end());
    }
  }
  // Words in the title: an answer's title usually names what was asked.
  ranking.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                       Xapian::Query(Xapian::Query::OP_OR, in_title.begin(), in_title.end()), kTitleBoost);
  // Vietnamese syllable pairs: most words of the language are two syllables,
  // each common on its own, so a pair is as telling as a rare word.
  std::vector<Xapian::Query> pairs;
  for (const auto& t : analysis::adjacency_terms(words, langs)) pairs.emplace_back(t);
  ranking.insert(ranking.end(), pairs.begin(), pairs.end());

  const size_t n = rare.size();
  std::vector<Xapian::Query> enough;  // each: one way to have enough of the rare words
  if (words.size() > kOneMissingUpTo) {
    // Long queries (pasted questions, error messages) are ranked, not filtered.
  } else {
    if (n < kOneMissingFrom) {
      enough.emplace_back(Xapian::Query::OP_AND, rare.begin(), rare.end());
    } else {
      for (size_t skip = 0; skip < n; ++skip) {  // leave out each word in turn
        std::vector<Xapian::Query> subset;
        for (size_t k = 0; k < n; ++k) {
          if (k != skip) subset.push_back(rare[k]);
        }
        enough.emplace_back(Xapian::Query::OP_AND, subset.begin(), subset.end());
      }
    }
    for (const Replacement& r : replacements) {  // the compound or synonym, and the other rare words
      std::vector<Xapian::Query> subset = {r.query};
      for (size_t i = 0, k = 0; i < words.size(); ++i) {
        if (!is_rare[i]) continue;
        if (i < r.first || i >= r.first + r.count) subset.push_back(rare[k]);
        ++k;
      }
      enough.emplace_back(Xapian::Query::OP_AND, subset.begin(), subset.end());
    }
  }
  // Every match has a rare word, or a compound or synonym in place of one:
  // an article with only "how", "to" and "a" of "how to get a refund" is no
  // answer, however far down it is ranked.
  std::vector<Xapian::Query> informative = rare;
  for (const Replacement& r : replacements) informative.push_back(r.query);
  informative.insert(informative.end(), pairs.begin(), pairs.end());
  const Xapian::Query ranked(Xapian::Query::OP_OR, ranking.begin(), ranking.end());
  plan.relaxed = Xapian::Query(Xapian::Query::OP_FILTER, ranked,
                               Xapian::Query(Xapian::Query::OP_OR, informative.begin(), informative.end()));
  plan.filtered = !enough.empty();
  // Each way to have enough has a rare word or what stands in for one, so
  // it implies `informative`: filtering by both again only cost a third
  // walk of the same postings.
  plan.strict = enough.empty() ? plan.relaxed
                               : Xapian::Query(Xapian::Query::OP_FILTER, ranked,
                                               Xapian::Query(Xapian::Query::OP_OR, enough.begin(), enough.end()));
}

// Whether some document has `term` and every one of `filter` (boolean
// terms): the postings are walked together, each skipping to the largest
// document seen, so a rare term decides in a few steps. An Enquire did the
// same at 40 times the cost, most of a plan's time. Except on a remote
// database, where walking a posting list fetches it whole (the language
// and visibility filters' lists: 250 ms a query on d365 over loopback), and
// an Enquire asks the server once.
bool term_passes(const Xapian::Database& db, const std::string& term, const std::vector<std::string>& filter,
                 bool remote) {
  if (db.get_termfreq(term) == 0) return false;
  if (remote) {
    Xapian::Enquire enquire(db);
    const Xapian::Query must(Xapian::Query::OP_AND, filter.begin(), filter.end());
    enquire.set_query(filter.empty() ? Xapian::Query(term) : Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(term), must));
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    return enquire.get_mset(0, 0, 1).get_matches_lower_bound() > 0;
  }
  std::vector<Xapian::PostingIterator> lists;
  lists.push_back(db.postlist_begin(term));
  for (const auto& f : filter) lists.push_back(db.postlist_begin(f));
  const Xapian::PostingIterator end;
  Xapian::docid candidate = 1;
  for (size_t agreed = 0, i = 0; agreed < lists.size(); i = (i + 1) % lists.size()) {
    lists[i].skip_to(candidate);
    if (lists[i] == end) return false;
    if (*lists[i] == candidate) {
      ++agreed;
    } else {
      candidate = *lists[i];
      agreed = 1;
    }
  }
  return true;
}

// The query with each word that matches nothing the caller may see
// replaced by its closest spelling, when any is; nullopt when none is.
// Words inside a synonym match are kept as typed.
std::optional<std::string> correct_spelling(const Xapian::Database& db, bool remote,
                                            const Xapian::Database& spelling, const Xapian::Database* staff_spelling,
                                            const std::vector<analysis::QueryWord>& words,
                                            const std::vector<SynonymMatch>& synonyms,
                                            const std::vector<std::string>& filter,
                                            const std::vector<std::string>& langs) {
  // A word that matches nothing the caller may see, in any form, is replaced
  // by the closest word of the public spelling data, if there is one. A word
  // of a synonym is what the writers expect customers to type: kept.
  bool changed = false;
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    if (std::any_of(synonyms.begin(), synonyms.end(),
                    [&](const SynonymMatch& m) { return i >= m.first && i < m.first + m.count; })) {
      out.push_back(w.text);
      continue;
    }
    const bool found = std::any_of(w.terms.begin(), w.terms.end(),
                                   [&](const analysis::WeightedTerm& t) { return term_passes(db, t.term, filter, remote); });
    std::string suggestion;
    // A function word no article has ("miten" in an English help center)
    // is a word of the question, not a typo; nor is a word the language's
    // dictionary knows.
    if (!found && w.text.size() >= kMinCorrectableBytes && !analysis::is_stopword(w.text, langs) &&
        !analysis::is_dictionary_word(w.text, langs)) {
      suggestion = spelling.get_spelling_suggestion(w.text, kMaxSpellingEdits);
      // Staff also get the words of internal text, when closer.
      if (staff_spelling) {
        std::string internal = staff_spelling->get_spelling_suggestion(w.text, kMaxSpellingEdits);
        if (!internal.empty() &&
            (suggestion.empty() || edit_distance(w.text, internal) < edit_distance(w.text, suggestion))) {
          suggestion = std::move(internal);
        }
      }
    }
    changed = changed || !suggestion.empty();
    out.push_back(suggestion.empty() ? w.text : suggestion);
  }
  if (!changed) return std::nullopt;
  std::string corrected;
  for (const auto& w : out) corrected += (corrected.empty() ? "" : " ") + w;
  return corrected;
}

}  // namespace

bool is_common_word(std::string_view word, Xapian::doccount frequency, Xapian::doccount doccount,
                    const std::vector<std::string>& langs) {
  const double common = std::max(kCommonWordMinArticles, kCommonWordShare * static_cast<double>(doccount));
  return static_cast<double>(frequency) > common || analysis::is_stopword(word, langs);
}

std::vector<std::string> filter_terms(const SearchRequest& r) {
  std::vector<std::string> filters;
  if (r.visibility == Visibility::kPublic) filters.emplace_back(schema::kTermPublic);
  if (r.visibility != Visibility::kPublic) filters.emplace_back(schema::kTermStaff);
  if (r.visibility == Visibility::kAgent) filters.emplace_back(schema::kTermPublished);
  if (!r.lang.empty()) filters.push_back(schema::boolean_term(schema::kPrefixLang, analysis::normalize_lang(r.lang)));
  if (!r.tag.empty()) filters.push_back(schema::boolean_term(schema::kPrefixTag, r.tag));
  if (!r.category.empty()) filters.push_back(schema::boolean_term(schema::kPrefixCategory, r.category));
  for (const auto& clause : r.any_of) {
    if (clause.size() == 1) filters.push_back(filter_term(clause.front()));
  }
  return filters;
}

std::string filter_term(const FilterValue& f) {
  switch (f.field) {
    case FilterField::kLang:
      return schema::boolean_term(schema::kPrefixLang, analysis::normalize_lang(f.value));
    case FilterField::kTag:
      return schema::boolean_term(schema::kPrefixTag, f.value);
    case FilterField::kCategory:
      return schema::boolean_term(schema::kPrefixCategory, f.value);
  }
  return {};
}

Xapian::Query filter_query(const SearchRequest& r) {
  const std::vector<std::string> filters = filter_terms(r);
  std::vector<Xapian::Query> parts(filters.begin(), filters.end());
  for (const auto& clause : r.any_of) {
    if (clause.size() < 2) continue;  // one value: among filter_terms
    std::vector<std::string> terms;
    for (const auto& f : clause) terms.push_back(filter_term(f));
    parts.emplace_back(Xapian::Query::OP_OR, terms.begin(), terms.end());
  }
  if (parts.empty()) return Xapian::Query();
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

std::vector<std::string> query_languages(const SearchRequest& r, const std::vector<std::string>& all) {
  if (!r.lang.empty()) return {r.lang};
  for (const auto& clause : r.any_of) {
    const bool langs_only = !clause.empty() && std::all_of(clause.begin(), clause.end(), [](const FilterValue& f) {
      return f.field == FilterField::kLang;
    });
    if (!langs_only) continue;
    std::vector<std::string> out;
    for (const auto& f : clause) out.push_back(analysis::normalize_lang(f.value));
    return out;
  }
  return all;
}

std::vector<Xapian::doccount> word_frequencies(const std::vector<analysis::QueryWord>& words,
                                               const Xapian::Database& db) {
  std::vector<Xapian::doccount> out;
  for (const auto& w : words) {
    Xapian::doccount tf = 0;
    for (const auto& t : w.terms) tf = std::max(tf, db.get_termfreq(t.term));
    out.push_back(tf);
  }
  return out;
}

SearchPlan plan_search(const PlanContext& context, const SearchRequest& r) {
  SearchPlan plan;
  plan.langs = query_languages(r, context.languages);
  const std::vector<std::string> filter = filter_terms(r);
  plan.filter = filter_query(r);
  const Xapian::Database& spelling = context.spelling ? *context.spelling : context.db;
  const analysis::Vocabulary vocabulary(context.db, &spelling);
  plan.words = analysis::analyse_query(r.query, plan.langs, true, &vocabulary);
  plan.synonyms = context.synonyms.find(plan.words, plan.langs);
  if (auto corrected =
          r.correct_spelling ? correct_spelling(context.db, context.remote, spelling,
                                                r.visibility == Visibility::kPublic ? nullptr : context.staff_spelling,
                                                plan.words, plan.synonyms, filter, plan.langs)
                              : std::nullopt) {
    plan.corrected = *corrected;
    plan.words = analysis::analyse_query(*corrected, plan.langs, true, &vocabulary);
    plan.synonyms = context.synonyms.find(plan.words, plan.langs);
  }
  plan.frequencies = word_frequencies(plan.words, context.db);
  if (!plan.words.empty()) plan_queries(context.db, vocabulary, plan);
  // The synonyms searched for are marked and pick sections too.
  std::vector<Xapian::doccount> marked_frequencies = plan.frequencies;
  if (!plan.synonyms.empty()) {
    plan.marked_ = plan.words;
    for (const auto& m : plan.synonyms) {
      for (const auto& alt : m.alternatives) {
        const auto f = word_frequencies(alt, context.db);
        plan.marked_.insert(plan.marked_.end(), alt.begin(), alt.end());
        marked_frequencies.insert(marked_frequencies.end(), f.begin(), f.end());
      }
    }
  }
  plan.marked_weights = word_weights(plan.marked_words(), marked_frequencies, context.db, plan.langs);
  return plan;
}

}  // namespace kb
