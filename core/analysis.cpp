#include "core/analysis.h"

#include <unicode/uloc.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>
#include <set>

#include "core/lexicon.h"
#include "core/schema.h"

namespace kb::analysis {
namespace {

// Flags shared by indexing and querying: CJK text becomes unigrams and bigrams.
constexpr unsigned kTermGeneratorFlags = Xapian::TermGenerator::FLAG_CJK_NGRAM;
constexpr unsigned kMaxWordBytes = 64;
// How much a match through a derived term counts, against the exact word (1.0).
constexpr double kWeightStem = 1.0;
constexpr double kWeightPart = 0.5;
// Another word for the same action: the other verb of a Polish aspect pair,
// the verb a Finnish noun is made from.
constexpr double kWeightRelated = 0.8;
// A folded match when the user typed no diacritics: as good as exact.
constexpr double kWeightFoldedForPlainQuery = 1.0;
// A folded match when the user typed diacritics: "quản" should not rank
// "quán" (another word in Vietnamese) with the exact matches.
constexpr double kWeightFoldedForAccentedQuery = 0.3;

bool uses_adjacency(std::string_view lang);
std::string adjacency_term(const std::string& a, const std::string& b);

bool is_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Unprefixed (word) terms start with a lowercase letter, digit or non-ASCII.
bool is_word_term(const std::string& t) { return !t.empty() && !(t[0] >= 'A' && t[0] <= 'Z'); }

void add_unique(std::vector<std::string>& v, std::string s) {
  if (s.size() > schema::kMaxTermBytes) return;
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

// Words with their positions, tokenised as the index does it.
std::vector<std::string> tokenise(std::string_view text) {
  Xapian::Document scratch;
  Xapian::TermGenerator tg;
  tg.set_flags(kTermGeneratorFlags);
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  tg.set_max_word_length(kMaxWordBytes);
  tg.set_document(scratch);
  tg.index_text(Xapian::Utf8Iterator(text.data(), text.size()));
  std::multimap<Xapian::termpos, std::string> by_position;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) by_position.emplace(*p, *t);
  }
  std::vector<std::string> words;
  std::set<std::string> seen;
  for (auto& [pos, word] : by_position) {
    if (seen.insert(word).second) words.push_back(word);
  }
  return words;
}

bool uses_adjacency(std::string_view lang) { return primary_subtag(lang) == "vi"; }

std::string adjacency_term(const std::string& a, const std::string& b) {
  return std::string(schema::kPrefixAdjacent) + a + "_" + b;
}

// A word that starts with a letter of an alphabet: not a digit, not CJK
// (whose n-grams are not words).
bool starts_with_letter(const std::string& word) {
  if (word.empty()) return false;
  const auto c = static_cast<unsigned char>(word[0]);
  if (c < 0x80) return std::isalpha(c) != 0;
  return c < 0xE3;  // Latin, Greek, Cyrillic...; CJK and Hangul lead with 0xE3 and above
}

}  // namespace

std::string normalize_lang(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string primary_subtag(std::string_view lang) {
  std::string n = normalize_lang(lang);
  return n.substr(0, n.find('-'));
}

bool writes_compounds_as_one(std::string_view lang) {
  static const std::set<std::string, std::less<>> kLanguages = {"da", "de", "et", "fi", "is", "nb", "nl", "nn", "no", "sv"};
  return kLanguages.count(primary_subtag(lang)) > 0;
}

bool is_language_tag(std::string_view s) {
  // A primary subtag ICU knows as an ISO 639 code, then 2-8 alphanumeric
  // subtags ("pt-BR", "zh-Hant"). Folder names like "api" or "faq" are not
  // languages even though they are shaped like one.
  static const std::set<std::string, std::less<>> kKnown = [] {
    std::set<std::string, std::less<>> known;
    for (const char* const* p = uloc_getISOLanguages(); *p; ++p) known.insert(*p);
    return known;
  }();
  std::string norm = normalize_lang(s);
  size_t dash = norm.find('-');
  if (!kKnown.count(std::string_view(norm).substr(0, dash))) return false;
  while (dash != std::string::npos) {
    size_t next = norm.find('-', dash + 1);
    std::string_view part =
        std::string_view(norm).substr(dash + 1, next == std::string::npos ? std::string::npos : next - dash - 1);
    if (part.size() < 2 || part.size() > 8) return false;
    if (!std::all_of(part.begin(), part.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      return false;
    dash = next;
  }
  return true;
}

Xapian::Stem stemmer_for(std::string_view lang) {
  std::string primary = primary_subtag(lang);
  if (primary.empty()) return Xapian::Stem();
  // Making a stemmer costs ten times what stemming a word does: one per
  // language and thread (a stemmer is not to be shared between threads).
  thread_local std::map<std::string, Xapian::Stem, std::less<>> made;
  if (auto it = made.find(primary); it != made.end()) return it->second;
  Xapian::Stem stem;
  try {
    stem = Xapian::Stem(primary);
  } catch (const Xapian::InvalidArgumentError&) {
    // No Snowball stemmer for this language: none.
  }
  if (made.size() < 64) made.emplace(primary, stem);  // bounded: `lang` may come from a request
  return stem;
}

std::optional<std::string> detect_language(std::string_view text) { return Lexicon::shared().detect(text); }

std::vector<std::string> Vocabulary::accented(const std::string& plain) const {
  std::vector<std::string> out;
  const std::string key = std::string(schema::kPrefixFolded) + plain;
  for (auto it = spelling_.synonyms_begin(key); it != spelling_.synonyms_end(key); ++it) out.push_back(*it);
  return out;
}

bool Vocabulary::contains(const std::string& word) const { return db_.term_exists(word); }

Xapian::doccount Vocabulary::frequency(const std::string& word) const { return db_.get_termfreq(word); }

bool in_alphabet(std::string_view primary, std::string_view word) {
  // The lowercase letters beyond a-z that each language writes (Finnish has
  // "š" and "ž" in loanwords).
  static const std::map<std::string_view, std::u32string_view> kLetters = {
      {"fi", U"åäöšž"},
      {"pl", U"ąćęłńóśźż"},
  };
  const auto letters = kLetters.find(primary);
  if (letters == kLetters.end()) return true;
  for (int32_t i = 0, n = static_cast<int32_t>(word.size()); i < n;) {
    UChar32 c;
    U8_NEXT(word.data(), i, n, c);
    if (c < 0x80) continue;
    // A combining mark (text not in NFC): the letter cannot be told here.
    if (c >= 0x300 && c <= 0x36F) return true;
    if (letters->second.find(static_cast<char32_t>(c)) == std::u32string_view::npos) return false;
  }
  return true;
}

constexpr size_t kMinStemBytes = 2;
// DocumentAnalyzer: positions while analysing jump this far between the
// title, the summary and each section (heading and text together), so that
// word pairs never span two of them.
constexpr Xapian::termpos kPairGap = 100;
// Words of one query whose diacritics may be restored (each costs up to a few
// milliseconds per language the first time): a ticket pasted into
// /api/v1/similar is analysed as a query, and 32 KB of made-up words must not
// cost seconds.
constexpr size_t kMaxRestoredWords = 6;

DerivedTerms derive_terms(std::string_view lang, const std::string& word) {
  DerivedTerms out;
  Lexicon& lex = Lexicon::shared();
  const std::string primary = primary_subtag(lang);
  const bool letter_first = !word.empty() && !std::isdigit(static_cast<unsigned char>(word[0]));
  if (letter_first && word.size() <= kMaxWordBytes) {
    const auto held = lex.forms(primary, word);
    const Lexicon::Forms& forms = *held;
    for (auto& b : forms.bases) add_unique(out.stems, std::string(schema::kPrefixStem) + b);
    for (auto& v : forms.derived_from) add_unique(out.roots, std::string(schema::kPrefixRoot) + v);
    for (auto& p : forms.parts) {
      if (std::find(forms.bases.begin(), forms.bases.end(), p) == forms.bases.end()) {
        add_unique(out.parts, std::string(schema::kPrefixPart) + p);
        // Folded too, so "paallikko" typed on a phone finds "asiakaspalvelupäällikkö".
        if (!is_ascii(p)) add_unique(out.parts, std::string(schema::kPrefixPart) + lex.fold(p));
      }
    }
    // Words the morphology does not know (names, English fragments, typos) and
    // languages without one: Snowball, where Xapian has a stemmer.
    if (forms.bases.empty()) {
      Xapian::Stem stem = stemmer_for(lang);
      // A one-letter stem is noise: Finnish Snowball turns "zz" into "z",
      // which would match every Polish "z" ("with").
      const std::string stemmed = stem.is_none() ? std::string() : stem(word);
      if (stemmed.size() >= kMinStemBytes || stemmed == word) {
        add_unique(out.stems, std::string(schema::kPrefixStem) + stemmed);
      }
    }
  }
  if (!is_ascii(word)) {
    std::string folded = lex.fold(word);
    if (!folded.empty() && folded != word) out.folded = std::string(schema::kPrefixFolded) + folded;
    if (out.folded.size() > schema::kMaxTermBytes) out.folded.clear();
  }
  return out;
}

DocumentAnalyzer::DocumentAnalyzer(std::string_view lang)
    : lang_(normalize_lang(lang)) {
  tg_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  tg_.set_flags(kTermGeneratorFlags);
  tg_.set_max_word_length(kMaxWordBytes);
  prefixed_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  prefixed_.set_flags(kTermGeneratorFlags);
  prefixed_.set_max_word_length(kMaxWordBytes);
}

void DocumentAnalyzer::set_document(Xapian::Document& doc) {
  doc_ = &doc;
  tg_.set_document(doc);
  tg_.set_termpos(0);
  prefixed_.set_document(doc);
  field_starts_.clear();
  fields_.clear();
}

void DocumentAnalyzer::index(std::string_view text, Xapian::termcount wdf_inc) {
  // Positions are only kept while analysing: finish() turns them into
  // word pairs and, through field_starts_, each word's section fields.
  tg_.index_text(Xapian::Utf8Iterator(text.data(), text.size()), wdf_inc);
}

void DocumentAnalyzer::index_prefixed(std::string_view text, std::string_view prefix) {
  prefixed_.index_text_without_positions(Xapian::Utf8Iterator(text.data(), text.size()), 1, std::string(prefix));
}

void DocumentAnalyzer::start_field(Xapian::termpos position) {
  // A section's text goes on from its heading for word pairs, as it reads.
  const bool text_after_heading = !field_starts_.empty() && position >= schema::kFirstSectionPosition &&
                                  field_starts_.back().second + 1 == position &&
                                  schema::is_heading_position(field_starts_.back().second);
  if (!text_after_heading) tg_.increase_termpos(kPairGap);
  field_starts_.emplace_back(tg_.get_termpos() + 1, position);
}

Xapian::termpos DocumentAnalyzer::field_at(Xapian::termpos pos) const {
  // The last field started at or before `pos`; before any, the title's (0).
  auto it = std::upper_bound(field_starts_.begin(), field_starts_.end(), pos,
                             [](Xapian::termpos p, const auto& start) { return p < start.first; });
  return it == field_starts_.begin() ? 0 : std::prev(it)->second;
}

void DocumentAnalyzer::finish() {
  if (!doc_) return;
  // Each word's fields (schema.h: the sections whose heading or text has
  // it), from the positions TermGenerator gave its occurrences.
  struct Word {
    std::string prefix;  // "" or the title prefix
    std::string word;
    Xapian::termcount wdf;
    std::vector<Xapian::termpos> fields;  // section positions, ascending, distinct
  };
  std::vector<Word> words;
  std::map<Xapian::termpos, std::string> at;  // adjacency languages: position -> folded word
  const bool pairs = uses_adjacency(lang_);
  std::vector<std::pair<std::string, Xapian::termcount>> others;  // other terms, kept as they are
  const std::string title(schema::kPrefixTitle);
  for (auto t = doc_->termlist_begin(); t != doc_->termlist_end(); ++t) {
    const std::string term = *t;
    if (is_word_term(term)) {
      Word w{std::string(), term, t.get_wdf(), {}};
      const std::string folded = pairs ? Lexicon::shared().fold(term) : std::string();
      for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) {
        const Xapian::termpos field = field_at(*p);
        if (field >= schema::kFirstSectionPosition && (w.fields.empty() || w.fields.back() != field)) {
          w.fields.push_back(field);
        }
        if (pairs) at.emplace(*p, folded);
      }
      words.push_back(std::move(w));
    } else if (term.size() > title.size() && term.compare(0, title.size(), title) == 0 &&
               is_word_term(term.substr(title.size()))) {
      words.push_back({title, term.substr(title.size()), t.get_wdf(), {}});
    } else {
      others.emplace_back(term, t.get_wdf());
    }
  }
  // The positions were only for the fields and the pairs: the index keeps
  // none (they would double its size and writing time), and the fields go
  // to the section map (core/section_map.h).
  doc_->clear_terms();
  fields_.clear();
  for (const auto& [term, wdf] : others) doc_->add_term(term, wdf);
  auto add = [&](const std::string& term, const Word& w) {
    doc_->add_term(term, w.wdf);
    if (w.fields.empty()) return;
    auto& f = fields_[term];
    if (f.empty()) {
      f = w.fields;
    } else {  // a derived term of several words: the union
      std::vector<Xapian::termpos> both;
      std::set_union(f.begin(), f.end(), w.fields.begin(), w.fields.end(), std::back_inserter(both));
      f = std::move(both);
    }
  };
  // Words, and title words (schema::kPrefixTitle + word): both get derived
  // terms, the title's under the title prefix ("SZfaktura").
  for (const Word& w : words) {
    add(w.prefix + w.word, w);
    const DerivedTerms d = derive_terms(lang_, w.word);
    for (const auto& s : d.stems) add(w.prefix + s, w);
    for (const auto& p : d.parts) add(w.prefix + p, w);
    for (const auto& r : d.roots) add(w.prefix + r, w);
    if (!d.folded.empty()) add(w.prefix + d.folded, w);
  }
  // Word pairs at consecutive positions (kPairGap apart between fields).
  for (auto it = at.begin(); it != at.end(); ++it) {
    auto next = std::next(it);
    if (next == at.end() || next->first != it->first + 1) continue;
    const std::string term = adjacency_term(it->second, next->second);
    if (term.size() <= schema::kMaxTermBytes) doc_->add_term(term, 1);
  }
}

namespace {

// The words of language `primary` a plain word may be when typed without
// diacritics (analyse_query): those of the index's words that fold to it
// (`accented`) which the language writes and its dictionary knows, the most
// frequent first; when the index has the word neither with diacritics nor as
// typed, the dictionary's own (every way to accent it, tried). Without a
// vocabulary, the dictionary's. `dictionary` false: the index's words only.
std::vector<std::string> restored_words(const std::string& primary, const std::string& word,
                                        const Vocabulary* vocabulary, const std::vector<std::string>& accented,
                                        bool dictionary) {
  Lexicon& lex = Lexicon::shared();
  if (!vocabulary) return lex.restore_diacritics(primary, word);
  if (accented.empty()) {
    // The articles have the word as typed, in no other spelling: it is not
    // one typed without its diacritics. (Only the public articles' words are
    // in the vocabulary; an agent's word found only in internal text is
    // restored by the dictionary.)
    if (!dictionary || vocabulary->contains(word)) return {};
    return lex.restore_diacritics(primary, word);
  }
  std::vector<std::pair<Xapian::doccount, std::string>> ranked;
  for (const auto& a : accented) {
    if (in_alphabet(primary, a)) ranked.emplace_back(vocabulary->frequency(a), a);
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::vector<std::string> out;
  for (auto& [n, a] : ranked) {
    if (out.size() == Lexicon::kMaxRestored) break;
    if (!lex.forms(primary, a)->bases.empty()) out.push_back(std::move(a));
  }
  return out;
}

// analyse_query, and for `dictionary` false restoring diacritics from the
// vocabulary's words only.
std::vector<QueryWord> analyse(std::string_view query, const std::vector<std::string>& langs,
                               bool restore_diacritics, const Vocabulary* vocabulary, bool dictionary);

}  // namespace

std::vector<QueryWord> analyse_query(std::string_view query, const std::vector<std::string>& langs,
                                     bool restore_diacritics, const Vocabulary* vocabulary) {
  return analyse(query, langs, restore_diacritics, vocabulary, true);
}

namespace {

std::vector<QueryWord> analyse(std::string_view query, const std::vector<std::string>& langs,
                               bool restore_diacritics, const Vocabulary* vocabulary, bool dictionary) {
  std::vector<std::string> primaries;
  for (const auto& l : langs) {
    std::string p = primary_subtag(l);
    if (std::find(primaries.begin(), primaries.end(), p) == primaries.end()) primaries.push_back(p);
  }
  std::vector<QueryWord> words;
  size_t restorations = 0;  // words given to restore_diacritics, at most kMaxRestoredWords
  for (auto& word : tokenise(query)) {
    QueryWord w;
    w.text = word;
    w.has_diacritics = !is_ascii(word) && Lexicon::shared().fold(word) != word;
    std::vector<std::string> seen = {word};
    w.terms.push_back({word, 1.0});
    auto add = [&](const std::string& term, double weight) {
      if (term.empty() || std::find(seen.begin(), seen.end(), term) != seen.end()) return;
      seen.push_back(term);
      w.terms.push_back({term, weight});
    };
    const bool restorable = restore_diacritics && restorations < kMaxRestoredWords && is_ascii(word);
    bool tried = false;
    // A form's base forms, and the same as a part of longer compounds ("kulu"
    // finds "kuluraportti", below articles about "kulu" itself). The form's
    // own compound parts are not added: a query for
    // "asiakaspalvelupäällikkö" is not a query for "asiakas".
    auto add_forms = [&](const std::string& p, const std::string& form) {
      auto& lex = Lexicon::shared();
      const bool compounds = lex.has_morphology(p);
      const bool roots = compounds && writes_compounds_as_one(p);  // Voikko's derivations: Finnish
      for (const auto& s : derive_terms(p, form).stems) {
        add(s, kWeightStem);
        if (compounds) add(std::string(schema::kPrefixPart) + s.substr(1), kWeightPart);
        // Nouns made from this verb: "viedä" (and "vieminen", which Voikko
        // takes for the verb) finds "vienti".
        if (roots) add(std::string(schema::kPrefixRoot) + s.substr(1), kWeightRelated);
        // The other verb of a Polish aspect pair: "jak utworzyć" finds "Tworzenie".
        for (const auto& v : lex.aspect_partners(p, s.substr(1))) add(std::string(schema::kPrefixStem) + v, kWeightRelated);
        // A Polish noun and its verb in "-ować": "eksport" finds "Eksportowanie".
        for (const auto& v : lex.noun_verb_partners(p, s.substr(1))) add(std::string(schema::kPrefixStem) + v, kWeightRelated);
      }
      // The verb a Finnish noun is made from: "siirto" finds "Siirrä", and
      // the verb's other nouns ("vienti", "viejä").
      const auto form_forms = lex.forms(p, form);  // held: the cache may be full
      for (const auto& v : form_forms->derived_from) {
        add(std::string(schema::kPrefixStem) + v, kWeightRelated);
        add(std::string(schema::kPrefixRoot) + v, kWeightRelated);
      }
    };
    // The index's words that fold to this one, asked once for all languages.
    std::optional<std::vector<std::string>> in_index;
    for (const auto& p : primaries) {
      // "zamówienia" is no Finnish word, "päivä" no Polish one.
      if (!in_alphabet(p, word)) continue;
      const bool compounds = Lexicon::shared().has_morphology(p);
      if (compounds) add(std::string(schema::kPrefixPart) + word, kWeightPart);
      add_forms(p, word);
      // Typed without diacritics and unknown as typed: the words it may be
      // ("lomapyynnon" -> "lomapyynnön"), with their base forms. Folding
      // alone finds only the same inflected form.
      if (!restorable || !compounds || !Lexicon::shared().forms(p, word)->bases.empty()) continue;
      tried = true;
      if (vocabulary && !in_index) in_index = vocabulary->accented(word);
      for (const auto& r :
           restored_words(p, word, vocabulary, in_index ? *in_index : std::vector<std::string>{}, dictionary)) {
        add(r, kWeightFoldedForPlainQuery);
        add_forms(p, r);
      }
    }
    if (tried) ++restorations;
    // The folded form: for a plain word, itself ("quan" finds "quản").
    const std::string folded = w.has_diacritics ? Lexicon::shared().fold(word) : word;
    if (is_ascii(folded)) {
      add(std::string(schema::kPrefixFolded) + folded,
          w.has_diacritics ? kWeightFoldedForAccentedQuery : kWeightFoldedForPlainQuery);
    }
    words.push_back(std::move(w));
  }
  return words;
}

}  // namespace

bool is_dictionary_word(const std::string& word, const std::vector<std::string>& langs) {
  auto& lex = Lexicon::shared();
  return std::any_of(langs.begin(), langs.end(), [&](const std::string& l) {
    const std::string p = primary_subtag(l);
    if (!lex.has_morphology(p) || !in_alphabet(p, word)) return false;
    // Voikko takes any run of known words for a compound: "ostotilakusen"
    // (a typo of "ostotilauksen") is "osto" + "tila" + "kusen" to it.
    const auto forms = lex.forms(p, word);
    return !forms->bases.empty() && forms->parts.empty();
  });
}

std::vector<std::string> match_keys(const QueryWord& word) {
  std::vector<std::string> keys = {std::string(schema::kPrefixFolded) + Lexicon::shared().fold(word.text)};
  for (const auto& t : word.terms) {
    if (t.weight == kWeightStem && t.term.starts_with(schema::kPrefixStem)) add_unique(keys, t.term);
  }
  return keys;
}

Xapian::Query word_query(const QueryWord& w, std::string_view prefix) {
  std::vector<Xapian::Query> alternatives;
  for (const auto& t : w.terms) {
    Xapian::Query q(std::string(prefix) + t.term);
    alternatives.push_back(t.weight == 1.0 ? q : Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, t.weight));
  }
  return Xapian::Query(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
}

Xapian::Query build_query(const std::vector<QueryWord>& words, Xapian::Query::op op) {
  std::vector<Xapian::Query> parts;
  parts.reserve(words.size());
  for (const auto& w : words) parts.push_back(word_query(w));
  if (parts.empty()) return Xapian::Query();
  return Xapian::Query(op, parts.begin(), parts.end());
}

std::vector<JoinedWord> joined_words(const std::vector<QueryWord>& words, const std::vector<std::string>& langs,
                                     const Vocabulary* vocabulary) {
  std::vector<std::string> compounding;
  for (const auto& l : langs) {
    if (writes_compounds_as_one(l)) compounding.push_back(l);
  }
  std::vector<JoinedWord> out;
  if (compounding.empty()) return out;
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string& a = words[i].text;
    const std::string& b = words[i + 1].text;
    if (a.size() < 2 || b.size() < 2 || a.size() + b.size() > kMaxWordBytes) continue;
    if (!starts_with_letter(a) || !starts_with_letter(b)) continue;
    // The first word as typed, and its base forms: a compound's modifier
    // is mostly in its base form, which people inflect when they type it
    // apart ("laskun rivit": "laskurivit", "tilauksen rivi": "tilausrivi").
    std::vector<std::string> modifiers = {a};
    for (const auto& l : compounding) {
      if (!in_alphabet(primary_subtag(l), a)) continue;
      const auto forms = Lexicon::shared().forms(primary_subtag(l), a);  // held: the cache may be full
      for (const auto& base : forms->bases) add_unique(modifiers, base);
    }
    for (const auto& m : modifiers) {
      if (m.size() + b.size() > kMaxWordBytes) continue;
      // Diacritics from the index's words only: a pair is a word the index
      // has or nothing, and asking the dictionary every way to accent a long
      // joined word was 6% of a first-time search's instructions.
      auto joined = vocabulary ? analyse(m + b, compounding, true, vocabulary, false) : analyse_query(m + b, compounding);
      if (joined.size() == 1) out.push_back({i, std::move(joined.front())});
    }
  }
  return out;
}

std::vector<std::string> adjacency_terms(const std::vector<QueryWord>& words, const std::vector<std::string>& langs) {
  std::vector<std::string> out;
  if (!std::any_of(langs.begin(), langs.end(), [](const std::string& l) { return uses_adjacency(l); })) return out;
  auto& lex = Lexicon::shared();
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    add_unique(out, adjacency_term(lex.fold(words[i].text), lex.fold(words[i + 1].text)));
  }
  return out;
}

}  // namespace kb::analysis
