#include "core/lexicon.h"

#include <iconv.h>

#include <cld2/internal/lang_script.h>
#include <cld2/public/compact_lang_det.h>
#include <hunspell/hunspell.hxx>
#include <libvoikko/voikko.h>
#include <unicode/locid.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace kb::analysis {
namespace {

constexpr const char* kPolishAff = "/usr/share/hunspell/pl_PL.aff";
constexpr const char* kPolishDic = "/usr/share/hunspell/pl_PL.dic";
// Words longer than this are not analysed (URLs, hashes, junk).
constexpr size_t kMaxMorphologyBytes = 64;
// Caches stop growing here; a corpus has far fewer distinct words.
constexpr size_t kMaxCacheEntries = 2'000'000;
// Share of the text the top language needs when CLD2 is not sure.
constexpr int kMinDominantPercent = 60;

// Converts between UTF-8 and a legacy dictionary encoding (Hunspell's Polish
// dictionary is ISO-8859-2). Returns "" when the text cannot be represented.
std::string convert(const char* to, const char* from, const std::string& in) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) return {};
  std::string out(in.size() * 4 + 4, '\0');
  char* ip = const_cast<char*>(in.data());
  size_t il = in.size();
  char* op = out.data();
  size_t ol = out.size();
  const size_t rc = iconv(cd, &ip, &il, &op, &ol);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return {};
  out.resize(out.size() - ol);
  return out;
}

std::string lower_utf8(const std::string& s) {
  std::string out;
  icu::UnicodeString::fromUTF8(s).toLower(icu::Locale::getRoot()).toUTF8String(out);
  return out;
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

// Compound parts from Voikko's WORDBASES, e.g.
// "+asiakas(asiakas)+palvel(palvella)+u(+u)+päällikkö(päällikkö)" ->
// asiakas, palvelu, päällikkö. Each piece is "+surface" with its base forms
// in parentheses. A piece whose base starts with '+' is a derivational
// suffix, and one without a base a piece of one ("+ost(ostaa)(+o)+o" is
// "osto", "+käytet(käyttää)+täv+ä(+ä)" is "käytettävä"): both belong to
// the part before them, or, first, to the part after ("+esi+merkki(merkki)"
// is "esimerkki"). A part of one piece is its base form, a derived one what
// is written.
struct CompoundParts {
  std::vector<std::string> parts;
  std::vector<size_t> starts;  // byte offset of each part after the first in `spelt`
  std::string spelt;           // the pieces as written, lowercase
};
CompoundParts compound_parts(const std::string& wordbases) {
  struct Part {
    std::string surface, base;
    bool derived = false;
  };
  std::vector<Part> parts;
  std::string prefix;  // pieces before the first part's own
  size_t i = 0;
  while (i < wordbases.size()) {
    if (wordbases[i] != '+') return {};
    const size_t end = std::min(wordbases.find('(', i), wordbases.find('+', i + 1));
    const std::string surface = wordbases.substr(i + 1, end == std::string::npos ? end : end - i - 1);
    std::string base;
    i = end;
    while (i < wordbases.size() && wordbases[i] == '(') {  // "(ostaa)(+o)": the first is the base
      const size_t close = wordbases.find(')', i);
      if (close == std::string::npos) return {};
      if (base.empty()) base = wordbases.substr(i + 1, close - i - 1);
      i = close + 1;
    }
    if (base.empty() || base[0] == '+') {  // a piece of a derivation
      if (parts.empty()) {
        prefix += surface;
      } else {
        parts.back().surface += surface;
        parts.back().derived = true;
      }
      continue;
    }
    parts.push_back({prefix + surface, base, !prefix.empty()});
    prefix.clear();
  }
  CompoundParts out;
  for (const Part& p : parts) {
    if (!out.spelt.empty()) out.starts.push_back(out.spelt.size());
    out.spelt += lower_utf8(p.surface);
    std::string lowered = lower_utf8(p.derived ? p.surface : p.base);
    lowered.erase(std::remove(lowered.begin(), lowered.end(), '='), lowered.end());
    add_unique(out.parts, std::move(lowered));
  }
  return out;
}

// The word a derived word is made from, when Voikko's WORDBASES says it is
// one word plus derivational suffixes: "+siir(siirtää)+to(+to)" ->
// "siirtää". Compounds ("+kulu(kulu)+raportti(raportti)") give "".
std::string derived_from(const std::string& wordbases) {
  const size_t open = wordbases.find('(');
  const size_t close = open == std::string::npos ? open : wordbases.find(')', open);
  if (close == std::string::npos || wordbases.empty() || wordbases[0] != '+') return {};
  const std::string base = wordbases.substr(open + 1, close - open - 1);
  if (base.empty() || base[0] == '+' || close + 1 >= wordbases.size()) return {};
  // Every later piece must be a derivational suffix: "(+...)".
  for (size_t i = wordbases.find('(', close); i != std::string::npos; i = wordbases.find('(', i + 1)) {
    if (i + 1 >= wordbases.size() || wordbases[i + 1] != '+') return {};
  }
  return lower_utf8(base);
}

template <typename Value>
using Cache = std::unordered_map<std::string, std::shared_ptr<const Value>>;

// `compute()` for primary + word, remembered in `cache` (guarded by `mu`)
// until it holds kMaxCacheEntries. A hit takes the lock shared and copies a
// pointer, not the value: a full index asks for every word of every article
// from two threads, and copying the vectors under one exclusive lock was a
// tenth of its time. `compute` runs outside the lock (it takes the
// backend's own, and may ask the cache again).
template <typename Value, typename Compute>
std::shared_ptr<const Value> cached(std::shared_mutex& mu, Cache<Value>& cache, std::string_view primary,
                                    const std::string& word, Compute&& compute) {
  thread_local std::string key;  // no allocation per look-up
  key.assign(primary);
  key += '\0';
  key += word;
  {
    std::shared_lock lock(mu);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::string own = key;  // compute() may look up another word
  auto value = std::make_shared<const Value>(compute());
  std::unique_lock lock(mu);
  if (cache.size() < kMaxCacheEntries) cache.emplace(std::move(own), value);
  return value;
}

}  // namespace

// Polish verbs come in aspect pairs: a how-to question uses the perfective
// ("jak utworzyć", "jak dodać"), a task's title the imperfective's verbal
// noun ("Tworzenie", "Dodawanie"), whose lemma the dictionary gives as the
// imperfective ("tworzyć", "dodawać"). The dictionary does not link the two.
// Most pairs follow a few suffix patterns; candidates made by them count
// only when the dictionary knows them as verbs.
struct SuffixSwap {
  std::string_view perfective, imperfective;  // endings of the infinitive
};
constexpr SuffixSwap kAspectSuffixes[] = {
    {"ić", "iać"},   // zmienić / zmieniać, ustawić / ustawiać
    {"ić", "ać"},    // sprawdzić / sprawdzać, wprowadzić / wprowadzać
    {"yć", "ać"},    // włączyć / włączać, obliczyć / obliczać
    {"ać", "awać"},  // dodać / dodawać, sprzedać / sprzedawać
    {"ać", "ywać"},  // zapisać / zapisywać, przypisać / przypisywać
    {"ać", "iwać"},  // wyszukać / wyszukiwać
    {"nąć", "wać"},  // usunąć / usuwać
};
// Perfectives formed with a prefix that only marks the aspect, on verbs
// borrowed into -ować ("zaimportować" / "importować"); kept to long stems,
// where a prefix rarely changes the meaning ("opracować" is not "pracować").
constexpr std::string_view kAspectPrefixes[] = {"za", "wy", "prze", "z", "s", "o", "u"};
constexpr size_t kMinPrefixedStemBytes = 10;
// Pairs no pattern makes, common in software help.
constexpr std::pair<std::string_view, std::string_view> kIrregularAspectPairs[] = {
    {"utworzyć", "tworzyć"},       {"otworzyć", "otwierać"},     {"przetworzyć", "przetwarzać"},
    {"uruchomić", "uruchamiać"},   {"pobrać", "pobierać"},       {"wybrać", "wybierać"},
    {"wysłać", "wysyłać"},         {"zamknąć", "zamykać"},       {"znaleźć", "znajdować"},
    {"przenieść", "przenosić"},    {"umieścić", "umieszczać"},   {"przejrzeć", "przeglądać"},
    {"zrobić", "robić"},           {"napisać", "pisać"},         {"wydrukować", "drukować"},
    {"skopiować", "kopiować"},     {"zaplanować", "planować"},   {"zablokować", "blokować"},
    {"zalogować", "logować"},      {"wylogować", "wylogowywać"}, {"podzielić", "dzielić"},
    {"zapłacić", "płacić"},        {"policzyć", "liczyć"},       {"nadać", "nadawać"},
};

// Imperfectives the suffix patterns make of a perfective, and the other way.
std::vector<std::string> by_suffix(std::string_view lemma, bool to_imperfective) {
  std::vector<std::string> out;
  for (const auto& [pf, impf] : kAspectSuffixes) {
    const std::string_view from = to_imperfective ? pf : impf;
    const std::string_view to = to_imperfective ? impf : pf;
    if (lemma.size() > from.size() && lemma.ends_with(from)) out.push_back(std::string(lemma.substr(0, lemma.size() - from.size())) + std::string(to));
  }
  return out;
}

struct Lexicon::Impl {
  std::mutex voikko_mu;
  VoikkoHandle* voikko = nullptr;

  std::mutex hunspell_mu;
  std::unique_ptr<Hunspell> hunspell;
  std::string hunspell_encoding;

  std::mutex fold_mu;  // guards latin_ascii (ICU transliterators are not thread-safe)
  std::unique_ptr<icu::Transliterator> latin_ascii;

  std::shared_mutex forms_mu;
  Cache<Forms> forms_cache;  // key: primary + '\0' + word
  Cache<std::vector<std::string>> restored_cache;   // same key; under forms_mu
  Cache<std::vector<std::string>> aspect_cache;     // same key; under forms_mu
  Cache<std::vector<std::string>> noun_verb_cache;  // same key; under forms_mu

  Impl() {
    const char* error = nullptr;
    voikko = voikkoInit(&error, "fi", nullptr);  // null when voikko-fi is missing: no Finnish morphology
    hunspell = std::make_unique<Hunspell>(kPolishAff, kPolishDic);
    hunspell_encoding = hunspell->get_dict_encoding();
    if (hunspell_encoding == "ISO8859-2") hunspell_encoding = "ISO-8859-2";
    UErrorCode status = U_ZERO_ERROR;
    latin_ascii.reset(icu::Transliterator::createInstance("Latin-ASCII", UTRANS_FORWARD, status));
    if (U_FAILURE(status)) latin_ascii.reset();
  }
  ~Impl() {
    if (voikko) voikkoTerminate(voikko);
  }

  Forms finnish(const std::string& word) {
    Forms f;
    std::lock_guard lock(voikko_mu);
    if (!voikko) return f;
    voikko_mor_analysis** analyses = voikkoAnalyzeWordCstr(voikko, word.c_str());
    for (size_t i = 0; analyses && analyses[i]; ++i) {
      char* base = voikko_mor_analysis_value_cstr(analyses[i], "BASEFORM");
      char* bases = voikko_mor_analysis_value_cstr(analyses[i], "WORDBASES");
      if (base) add_unique(f.bases, lower_utf8(base));
      if (bases) {
        if (auto from = derived_from(bases); !from.empty() && (!base || from != lower_utf8(base))) {
          add_unique(f.derived_from, std::move(from));
        }
        const auto [parts, starts, spelt] = compound_parts(bases);
        // Where the parts begin, when the pieces spell the word as written
        // up to the last part (a "=" for a hyphen would shift them).
        if (parts.size() > 1 && f.part_starts.empty() && word.starts_with(spelt.substr(0, starts.back()))) {
          f.part_starts = starts;
        }
        if (parts.size() > 1) {
          for (const auto& p : parts) add_unique(f.parts, p);
          // Shorter compounds inside the word too: "omaisuuserä" in
          // "käyttöomaisuuserä" (käyttö + omaisuus + erä).
          for (size_t len = 2; len < parts.size(); ++len) {
            for (size_t first = 0; first + len <= parts.size(); ++first) {
              std::string joined;
              for (size_t k = first; k < first + len; ++k) joined += parts[k];
              add_unique(f.parts, std::move(joined));
            }
          }
        }
      }
      voikko_free_mor_analysis_value_cstr(base);
      voikko_free_mor_analysis_value_cstr(bases);
    }
    if (analyses) voikko_free_mor_analysis(analyses);
    return f;
  }

  // Every way to put diacritics on `word`, in the dictionary's encoding
  // (`variants`: for each ASCII letter, the bytes it may become), accepted
  // by `known`; the accepted ones in UTF-8 via `to_utf8`.
  template <typename Known, typename ToUtf8>
  static std::vector<std::string> accentings(const std::string& word,
                                             const std::unordered_map<char, std::vector<std::string>>& variants,
                                             Known&& known, ToUtf8&& to_utf8) {
    std::vector<size_t> at;
    size_t ways = 1;
    for (size_t i = 0; i < word.size(); ++i) {
      auto v = variants.find(word[i]);
      if (v == variants.end()) continue;
      at.push_back(i);
      ways *= v->second.size() + 1;
      if (ways > kMaxAccentings) return {};
    }
    std::vector<std::string> out;
    std::vector<size_t> choice(at.size(), 0);  // 0: the letter as typed
    for (size_t n = 1; n < ways && out.size() < kMaxRestored; ++n) {
      for (size_t k = 0; k < choice.size(); ++k) {  // next combination (mixed radix)
        if (++choice[k] <= variants.at(word[at[k]]).size()) break;
        choice[k] = 0;
      }
      std::string candidate;
      size_t from = 0;
      for (size_t k = 0; k < at.size(); ++k) {
        if (choice[k] == 0) continue;
        candidate.append(word, from, at[k] - from);
        candidate += variants.at(word[at[k]])[choice[k] - 1];
        from = at[k] + 1;
      }
      candidate.append(word, from);
      if (known(candidate)) out.push_back(to_utf8(candidate));
    }
    return out;
  }

  std::vector<std::string> finnish_accentings(const std::string& word) {
    static const std::unordered_map<char, std::vector<std::string>> kVariants = {{'a', {"ä"}}, {'o', {"ö"}}};
    std::lock_guard lock(voikko_mu);
    if (!voikko) return {};
    return accentings(
        word, kVariants, [&](const std::string& w) { return voikkoSpellCstr(voikko, w.c_str()) == VOIKKO_SPELL_OK; },
        [](const std::string& w) { return w; });
  }

  std::vector<std::string> polish_accentings(const std::string& word) {
    // Polish letters in ISO-8859-2, the encoding of Debian's pl_PL dictionary.
    static const std::unordered_map<char, std::vector<std::string>> kVariants = {
        {'a', {"\xB1"}}, {'c', {"\xE6"}}, {'e', {"\xEA"}}, {'l', {"\xB3"}}, {'n', {"\xF1"}},
        {'o', {"\xF3"}}, {'s', {"\xB6"}}, {'z', {"\xBF", "\xBC"}}};
    if (hunspell_encoding != "ISO-8859-2") return {};
    std::lock_guard lock(hunspell_mu);
    if (!hunspell) return {};
    return accentings(
        word, kVariants, [&](const std::string& w) { return hunspell->spell(w); },
        [](const std::string& w) { return convert("UTF-8", "ISO-8859-2", w); });
  }

  // True when the Polish dictionary has `lemma` (UTF-8) as a base form.
  bool polish_lemma(const std::string& lemma) {
    const std::string encoded = convert(hunspell_encoding.c_str(), "UTF-8", lemma);
    if (encoded.empty()) return false;
    std::lock_guard lock(hunspell_mu);
    if (!hunspell || !hunspell->spell(encoded)) return false;
    const auto stems = hunspell->stem(encoded);
    return std::find(stems.begin(), stems.end(), encoded) != stems.end();
  }

  Forms polish(const std::string& word) {
    Forms f;
    const std::string encoded = convert(hunspell_encoding.c_str(), "UTF-8", word);
    if (encoded.empty()) return f;
    std::vector<std::string> stems;
    {
      std::lock_guard lock(hunspell_mu);
      if (!hunspell) return f;
      stems = hunspell->stem(encoded);
    }
    for (const auto& s : stems) add_unique(f.bases, lower_utf8(convert("UTF-8", hunspell_encoding.c_str(), s)));
    return f;
  }
};

Lexicon& Lexicon::shared() {
  static Lexicon instance;  // immutable dictionaries + internally locked caches
  return instance;
}

Lexicon::Lexicon() : impl_(new Impl()) {}
Lexicon::~Lexicon() { delete impl_; }

bool Lexicon::has_morphology(std::string_view primary) const { return primary == "fi" || primary == "pl"; }

std::shared_ptr<const Lexicon::Forms> Lexicon::forms(std::string_view primary, const std::string& word) {
  static const auto none = std::make_shared<const Forms>();
  if (!has_morphology(primary) || word.empty() || word.size() > kMaxMorphologyBytes) return none;
  return cached(impl_->forms_mu, impl_->forms_cache, primary, word,
                [&] { return primary == "fi" ? impl_->finnish(word) : impl_->polish(word); });
}

std::vector<std::string> Lexicon::restore_diacritics(std::string_view primary, const std::string& word) {
  const bool plain = std::all_of(word.begin(), word.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  if (!has_morphology(primary) || !plain || word.size() < 3 || word.size() > kMaxMorphologyBytes) return {};
  return *cached(impl_->forms_mu, impl_->restored_cache, primary, word, [&] {
    if (!forms(primary, word)->bases.empty()) return std::vector<std::string>();  // known as typed
    return primary == "fi" ? impl_->finnish_accentings(word) : impl_->polish_accentings(word);
  });
}

std::vector<std::string> Lexicon::noun_verb_partners(std::string_view primary, const std::string& lemma) {
  constexpr std::string_view kVerb = "ować", kAction = "acja";
  constexpr size_t kMinStemBytes = 3;
  if (primary != "pl" || lemma.size() > kMaxMorphologyBytes) return {};
  return *cached(impl_->forms_mu, impl_->noun_verb_cache, primary, lemma, [&] {
    std::vector<std::string> candidates;
    if (lemma.ends_with(kVerb)) {
      const std::string stem = lemma.substr(0, lemma.size() - kVerb.size());
      if (stem.size() >= kMinStemBytes) candidates = {stem + std::string(kAction), stem, stem + "a"};
    } else if (!lemma.ends_with("ć") && lemma.size() > kMinStemBytes) {
      std::string stem = lemma;
      if (stem.ends_with(kAction)) {
        stem.resize(stem.size() - kAction.size());
      } else if (stem.ends_with("a")) {
        stem.pop_back();
      }
      if (stem.size() >= kMinStemBytes) candidates = {stem + std::string(kVerb)};
    }
    std::vector<std::string> out;
    for (auto& c : candidates) {
      if (c != lemma && impl_->polish_lemma(c)) add_unique(out, std::move(c));
    }
    return out;
  });
}

std::vector<std::string> Lexicon::aspect_partners(std::string_view primary, const std::string& lemma) {
  if (primary != "pl" || !lemma.ends_with("ć") || lemma.size() > kMaxMorphologyBytes) return {};
  return *cached(impl_->forms_mu, impl_->aspect_cache, primary, lemma, [&] {
    auto known = [&](const std::string& verb) { return verb != lemma && impl_->polish_lemma(verb); };
    // Of the patterns' imperfectives, the first the dictionary knows
    // ("wystawić": "wystawiać", not "wystawać", which is another verb).
    auto imperfective = [&](std::string_view perfective) -> std::string {
      for (auto& c : by_suffix(perfective, true)) {
        if (impl_->polish_lemma(c)) return c;
      }
      return {};
    };
    std::vector<std::string> out;
    for (const auto& [pf, impf] : kIrregularAspectPairs) {
      if (lemma == pf) add_unique(out, std::string(impf));
      if (lemma == impf) add_unique(out, std::string(pf));
    }
    if (auto impf = imperfective(lemma); !impf.empty() && impf != lemma) add_unique(out, std::move(impf));
    for (auto& c : by_suffix(lemma, false)) {  // a perfective whose imperfective this is
      if (known(c) && imperfective(c) == lemma) {
        add_unique(out, std::move(c));
        break;
      }
    }
    if (lemma.ends_with("ować")) {
      for (std::string_view prefix : kAspectPrefixes) {  // the longest prefix that matches decides
        if (!lemma.starts_with(prefix)) continue;
        std::string bare(lemma.substr(prefix.size()));
        if (bare.size() >= kMinPrefixedStemBytes && known(bare)) add_unique(out, std::move(bare));
        break;
      }
    }
    return out;
  });
}

std::string Lexicon::fold(const std::string& word) {
  const bool ascii = std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return ascii ? word : fold_text(word);
}

std::string Lexicon::fold_text(std::string_view text) {
  // Per-thread cache of folded characters: the hot path takes no lock.
  thread_local std::unordered_map<uint32_t, std::string> cache;
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < text.size() && j - i < 4 && (static_cast<unsigned char>(text[j]) & 0xC0) == 0x80) ++j;
    const std::string_view ch = text.substr(i, j - i);
    uint32_t key = 0;
    for (char b : ch) key = (key << 8) | static_cast<unsigned char>(b);
    auto it = cache.find(key);
    if (it == cache.end()) {
      icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(ch.data(), static_cast<int32_t>(ch.size())));
      {
        std::lock_guard lock(impl_->fold_mu);
        if (impl_->latin_ascii) impl_->latin_ascii->transliterate(u);
      }
      std::string folded;
      u.toLower(icu::Locale::getRoot()).toUTF8String(folded);
      it = cache.emplace(key, std::move(folded)).first;
    }
    out += it->second;
    i = j;
  }
  return out;
}

std::optional<std::string> Lexicon::detect(std::string_view text) {
  bool reliable = false;
  CLD2::Language lang3[3];
  int percent3[3];
  int text_bytes = 0;
  const CLD2::Language lang = CLD2::DetectLanguageSummary(text.data(), static_cast<int>(text.size()), true, lang3,
                                                          percent3, &text_bytes, &reliable);
  if (lang == CLD2::UNKNOWN_LANGUAGE || lang == CLD2::TG_UNKNOWN_LANGUAGE) return std::nullopt;
  // Mixed text (English fragments in a Finnish article) is fine as long as
  // one language clearly dominates.
  if (!reliable && percent3[0] < kMinDominantPercent) return std::nullopt;
  std::string code = CLD2::LanguageCode(lang);
  std::transform(code.begin(), code.end(), code.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  if (code.empty() || code == "un") return std::nullopt;
  return code;
}

}  // namespace kb::analysis
