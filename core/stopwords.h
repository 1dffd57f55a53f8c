// Function words per language ("how", "the", "miten", "jak", "của"): words
// that say how a question is asked, not what it is about. A help center of
// five articles cannot tell them from its document frequencies (every word is
// in a large share of five), so search, suggest, similar and answer learn
// them here: such a word ranks but is never required, never corrected and
// never makes a ticket look like an article (issue 18).
//
// The lists (core/stopwords_data.inc) are ours: picked by hand from word
// frequencies we counted in our own and public help-center corpora, plus the
// closed-class words customers type; the file's header says how.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kb::analysis {

// True when `word` (lowercase, as tokenised) is a function word of `lang`
// (its primary subtag: "fi" for "fi-FI"). A word typed without diacritics
// also matches the folded form of a listed word ("cua" for "của"), unless
// the list marks that form as another word's ("ban": "bán", not "bạn").
// Thread-safe; the lists are built on first use.
bool is_stopword(std::string_view word, std::string_view lang);

// True when `word` is a function word of any of `langs`.
bool is_stopword(std::string_view word, const std::vector<std::string>& langs);

// The languages that have a list, sorted.
std::vector<std::string> stopword_languages();

}  // namespace kb::analysis
