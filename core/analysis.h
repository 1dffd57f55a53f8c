// Language analysis: the one place that decides how text becomes terms, used
// by indexing and by querying alike (if the two disagree, search silently
// misses). Today: Xapian's tokenizer with CJK n-grams and the Snowball stemmer
// of the article's language. Morphology, compounds and diacritic folding
// (issue 3) belong here, behind the same two entry points:
// DocumentAnalyzer for indexing and analyse_query() for querying.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace kb::analysis {

// Lowercases a BCP 47 tag and uses '-' as the separator: "pt_BR" -> "pt-br".
std::string normalize_lang(std::string_view tag);

// True for strings shaped like a BCP 47 language tag that names a language:
// "en", "fi", "pt-BR", "zh-Hant". Used to read languages from folder names.
bool is_language_tag(std::string_view s);

// The Snowball stemmer for a language tag (by its primary subtag), or a
// stemmer that does nothing when Xapian has none (Polish, Vietnamese, CJK...).
Xapian::Stem stemmer_for(std::string_view lang);

// Indexes the text fields of one document for one language. Not thread-safe;
// use one per thread.
class DocumentAnalyzer {
 public:
  explicit DocumentAnalyzer(std::string_view lang);

  // Starts a new document; fields are appended to it.
  void set_document(Xapian::Document& doc);
  // Adds `text`: each word adds `wdf_inc` to its within-document frequency.
  // With a prefix, only unstemmed prefixed terms are added (no positions).
  void index(std::string_view text, Xapian::termcount wdf_inc);
  void index_prefixed(std::string_view text, std::string_view prefix);
  // Keeps phrases from matching across field boundaries.
  void next_field();

 private:
  Xapian::TermGenerator tg_;
  Xapian::TermGenerator prefixed_;
};

// One word of a query and the index terms that may match it.
struct QueryWord {
  std::string text;                // as tokenised (lowercase)
  std::vector<std::string> terms;  // the word itself, then stemmed ("Z") forms
};

// Splits a query into words exactly as DocumentAnalyzer tokenises text, and
// gives each the terms it may match for the given languages (an article is
// stemmed in its own language, so a query for several languages carries the
// stems of each). Never throws on user input.
std::vector<QueryWord> analyse_query(std::string_view query, const std::vector<std::string>& langs);

// ANDs (or ORs) the words; each word matches any of its terms.
Xapian::Query build_query(const std::vector<QueryWord>& words, Xapian::Query::op op);

}  // namespace kb::analysis
