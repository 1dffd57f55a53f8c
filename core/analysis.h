// Language analysis: the one place that decides how text becomes terms, used
// by indexing and by querying alike (if the two disagree, search silently
// misses). Words come from Xapian's tokenizer (CJK as n-grams); each word then
// gets derived terms from its language (schema.h: Z stems and base forms, P
// compound parts, F diacritic-folded forms), computed once per distinct word
// through the shared Lexicon.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace kb::analysis {

// Lowercases a BCP 47 tag and uses '-' as the separator: "pt_BR" -> "pt-br".
std::string normalize_lang(std::string_view tag);

// True for strings shaped like a BCP 47 language tag whose primary subtag is
// an ISO 639 code: "en", "fi", "pt-BR", "zh-Hant".
bool is_language_tag(std::string_view s);

// "pt-br" -> "pt".
std::string primary_subtag(std::string_view lang);

// Languages that write a compound as one word ("ostotilaus", "Datenbank"),
// which people type as two.
bool writes_compounds_as_one(std::string_view lang);

// The Snowball stemmer for a language tag (by its primary subtag), or a
// stemmer that does nothing when Xapian has none (Polish, Vietnamese, CJK...).
Xapian::Stem stemmer_for(std::string_view lang);

// The dominant language of an article's text, when it can be told.
std::optional<std::string> detect_language(std::string_view text);

// The derived terms of one lowercase word in one language (prefixes included).
struct DerivedTerms {
  std::vector<std::string> stems;  // "Z..."
  std::vector<std::string> parts;  // "P..."
  std::vector<std::string> roots;  // "R..."
  std::string folded;              // "F...", empty when folding changes nothing
};
DerivedTerms derive_terms(std::string_view lang, const std::string& word);

// Indexes the text fields of one document in its language. Not thread-safe;
// use one per thread.
class DocumentAnalyzer {
 public:
  explicit DocumentAnalyzer(std::string_view lang);

  // Starts a new document; fields are appended to it.
  void set_document(Xapian::Document& doc);
  // Adds `text`: each word adds `wdf_inc` to its within-document frequency.
  void index(std::string_view text, Xapian::termcount wdf_inc);
  // Adds the words of `text` under `prefix`, without positions; finish() adds
  // their derived terms under the same prefix.
  void index_prefixed(std::string_view text, std::string_view prefix);
  // The words indexed from now on are in the field at `position`
  // (schema::section_position, for a section's heading or text); word pairs
  // (adjacency terms) never span two fields. The title and summary come
  // before the first call, or at a position below
  // schema::kFirstSectionPosition, and get no positions.
  void start_field(Xapian::termpos position);
  // Adds the derived terms of every word indexed so far. Call once, last.
  void finish();
  // After finish(): each word and derived term -> the section positions
  // (schema.h) it was indexed at, ascending; for encode_section_map().
  const std::map<std::string, std::vector<Xapian::termpos>>& section_fields() const { return fields_; }

 private:
  std::string lang_;
  // The field at a position TermGenerator gave (start_field's argument).
  Xapian::termpos field_at(Xapian::termpos pos) const;
  std::vector<std::pair<Xapian::termpos, Xapian::termpos>> field_starts_;  // first position -> field, ascending
  std::map<std::string, std::vector<Xapian::termpos>> fields_;
  Xapian::Document* doc_ = nullptr;
  Xapian::TermGenerator tg_;
  Xapian::TermGenerator prefixed_;
};

// One query term and how much a match on it counts.
struct WeightedTerm {
  std::string term;
  double weight = 1.0;
};

// One word of a query and the index terms that may match it.
struct QueryWord {
  std::string text;  // as tokenised (lowercase)
  bool has_diacritics = false;
  std::vector<WeightedTerm> terms;  // the word itself first
};

// What an index knows of its own words, for queries typed without
// diacritics (schema.h, "Xapian's synonym table"): restoring a plain word's
// diacritics from the articles' words costs one look-up, from a dictionary up
// to 1,024 (Lexicon::restore_diacritics). Borrows the database.
class Vocabulary {
 public:
  // `spelling`: where the diacritics table is, when not in `db` (a remote
  // database does not serve it; core/shards.h).
  explicit Vocabulary(const Xapian::Database& db, const Xapian::Database* spelling = nullptr)
      : db_(db), spelling_(spelling ? *spelling : db) {}
  // The articles' words with diacritics that fold to `plain` ("zamowienia"
  // -> "zamówienia"), in byte order.
  std::vector<std::string> accented(const std::string& plain) const;
  // Whether some article has `word` as written.
  bool contains(const std::string& word) const;
  // In how many articles `word` occurs as written.
  Xapian::doccount frequency(const std::string& word) const;

 private:
  const Xapian::Database& db_;
  const Xapian::Database& spelling_;
};

// Whether a language writes every letter of `word` (lowercase): Finnish has
// no "ó", Polish no "ä", neither has Vietnamese "ư". True for languages
// without a table here. A word outside a language's alphabet is not
// analysed by its morphology.
bool in_alphabet(std::string_view primary, std::string_view word);

// Whether the dictionary of one of `langs` (Voikko for Finnish, Hunspell for
// Polish) knows `word` (lowercase) as a word of the language, not as a
// compound of known words: such a word is what the visitor meant, not a
// typo of another ("kissa" is no misspelling of "kassa"), even when no
// article has it. Voikko accepts any run of known words as a compound, so
// typos such as "ostotilakusen" are compounds to it.
bool is_dictionary_word(const std::string& word, const std::vector<std::string>& langs);

// Splits a query into words exactly as DocumentAnalyzer tokenises text, and
// gives each the terms it may match for the given languages (an article is
// analysed in its own language, so a query for several languages carries the
// terms of each). A word typed with diacritics still matches its folded form,
// but below the exact form. Never throws on user input.
// `restore_diacritics`: Finnish and Polish words typed without diacritics
// and unknown as typed also get the words they may be, with their base
// forms: from `vocabulary` (the index's words that fold to them, known to
// the language's dictionary) when given; from the dictionary alone (up to
// 1,024 look-ups a word) when there is no vocabulary, or when the index has
// the word neither as typed nor with diacritics. Off for text written with
// care, such as a writer's synonyms.
std::vector<QueryWord> analyse_query(std::string_view query, const std::vector<std::string>& langs,
                                     bool restore_diacritics = true, const Vocabulary* vocabulary = nullptr);

// The forms by which two words count as the same word, e.g. for synonyms:
// the folded word and its base forms (those of the forms it may be when
// typed without diacritics included). Two words are the same when they
// share one.
std::vector<std::string> match_keys(const QueryWord& word);

// A word matches any of its terms, each scaled by its weight; with a prefix,
// the same terms of one field (schema::kPrefixTitle: title words).
Xapian::Query word_query(const QueryWord& word, std::string_view prefix = {});

// ANDs (or ORs) the words.
Xapian::Query build_query(const std::vector<QueryWord>& words, Xapian::Query::op op);

// Adjacent query words written together ("osto tilauksen" ->
// "ostotilauksen"), analysed for those of `langs` that write compounds as
// one word (Finnish, German, Swedish...), where typing a compound as two words
// is a common slip. A joined word only says something when the index has it:
// the caller checks, and uses it for ranking (the separate words already
// match the compound through its parts).
struct JoinedWord {
  size_t first = 0;  // words[first] and words[first + 1], written together
  QueryWord word;
};
// With `vocabulary`, a joined word's diacritics come from the index's words
// only, never from the dictionary.
std::vector<JoinedWord> joined_words(const std::vector<QueryWord>& words, const std::vector<std::string>& langs,
                                     const Vocabulary* vocabulary = nullptr);

// Terms for adjacent word pairs ("B" + folded word + "_" + folded word), for
// languages whose words are runs of syllables (Vietnamese: "quản lý" is one
// word written as two): the index has them for such articles, and a query in
// such a language uses them to favour articles with its words side by side.
// `words` are a query's words in order.
std::vector<std::string> adjacency_terms(const std::vector<QueryWord>& words, const std::vector<std::string>& langs);

}  // namespace kb::analysis
