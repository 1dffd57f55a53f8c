// Language resources behind core/analysis: Finnish morphology (Voikko),
// Polish stems (Hunspell with the Polish dictionary), Latin diacritic folding
// (ICU Latin-ASCII transliteration) and language detection (CLD2).
//
// The dictionaries are read-only system data that take time to load (Hunspell
// Polish: 0.2 s), so one Lexicon is shared by the whole process, loaded on
// first use; results are cached per word, since analysing each distinct word
// once is what keeps morphology affordable at index time. Thread-safe: each
// backend is guarded by its own mutex (Voikko and Hunspell handles are not
// reentrant).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kb::analysis {

class Lexicon {
 public:
  // The process-wide instance.
  static Lexicon& shared();

  // Base forms of a lowercase word in `primary` ("fi", "pl"); empty when the
  // language has no morphology here or the word is unknown to it.
  struct Forms {
    std::vector<std::string> bases;  // lemmas: "kuluraportin" -> "kuluraportti"
    std::vector<std::string> parts;  // compound parts: "kuluraportti" -> "kulu", "raportti"
    // Where the word's parts after the first begin, in bytes: "kuluraportin"
    // -> 4 ("raportin"). Empty for words that are no compound.
    std::vector<size_t> part_starts;
    // What a derived word is made from: "siirto" -> "siirtää", "luonti" -> "luoda".
    std::vector<std::string> derived_from;
  };
  // Shared with the cache (never null): a hit copies a pointer, not the
  // vectors. Hold the pointer while using what it points to: a word that
  // comes once the cache is full is kept by nothing else.
  std::shared_ptr<const Forms> forms(std::string_view primary, const std::string& word);
  bool has_morphology(std::string_view primary) const;

  // Words of `primary` ("fi", "pl") that the dictionary knows and that differ
  // from `word` (lowercase, ASCII, unknown as typed) only by diacritics:
  // "lomapyynnon" -> "lomapyynnön", "zlomowanie" -> "złomowanie". For queries
  // typed without diacritics, whose words the morphology cannot analyse as
  // typed, and that the index has in no spelling (queries ask the index's
  // own words first: analysis::Vocabulary). Every way to accent the word is
  // tried against the dictionary (a few microseconds each; 3-6 ms for the
  // worst word), so words with more than kMaxAccentings ways get nothing; at
  // most kMaxRestored words come back. Cached.
  static constexpr size_t kMaxAccentings = 1024;
  static constexpr size_t kMaxRestored = 3;
  std::vector<std::string> restore_diacritics(std::string_view primary, const std::string& word);

  // The other verb of a Polish verb's aspect pair, for a lemma the
  // dictionary gives ("utworzyć" <-> "tworzyć", "dodać" <-> "dodawać",
  // "usunąć" <-> "usuwać"): regular suffix patterns and a short list of
  // irregular pairs, kept when the dictionary knows the result. Empty for
  // other languages and non-verbs. Cached.
  std::vector<std::string> aspect_partners(std::string_view primary, const std::string& lemma);

  // The Polish verb in "-ować" made from a noun lemma, or the nouns a verb
  // in "-ować" is made from: "eksport" <-> "eksportować", "konfiguracja" <->
  // "konfigurować", "kopia" <-> "kopiować"; kept when the dictionary knows
  // them as lemmas. Empty for other languages. Cached.
  std::vector<std::string> noun_verb_partners(std::string_view primary, const std::string& lemma);

  // Latin letters without diacritics, lowercase: "quản" -> "quan", "złom" -> "zlom",
  // "straße" -> "strasse", "ø" -> "o". Other scripts pass through unchanged.
  std::string fold(const std::string& word);

  // The same for running text. Folding is done character by character
  // (Latin-ASCII's rules are per character), cached per thread, so indexing,
  // querying and highlighting fold identically and without a lock.
  std::string fold_text(std::string_view text);

  // The language of a text (ISO 639-1, or "zh-hant"), when CLD2 is confident.
  std::optional<std::string> detect(std::string_view text);

  Lexicon(const Lexicon&) = delete;
  Lexicon& operator=(const Lexicon&) = delete;

 private:
  Lexicon();
  ~Lexicon();
  struct Impl;
  Impl* impl_;
};

}  // namespace kb::analysis
