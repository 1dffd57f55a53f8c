#include "core/suggester.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <xapian.h>

#include "core/analysis.h"
#include "core/content_loader.h"
#include "core/lexicon.h"
#include "core/revision.h"
#include "core/stopwords.h"
#include "core/text.h"

namespace kb {
namespace {

// Query-independent preferences: titles over headings, short over long,
// distinctive headings over ones many articles share ("Overview").
constexpr double kTitlePrior = 300;
constexpr double kSectionPrior = 200;
constexpr double kSubsectionPrior = 100;
constexpr double kMaxLengthPenalty = 100;
constexpr double kSharedHeadingPenalty = 60;  // per doubling of articles sharing it
// Query-dependent: the visitor's language first, then text that starts with
// what was typed, then whole words over word beginnings.
constexpr double kLanguageBonus = 1000;
constexpr double kStartsWithBonus = 150;
constexpr double kWholeWordBonus = 20;
// A typed word completing a later part of a compound, not a word's start.
constexpr double kInnerPartPenalty = 50;
// Shorter words are seldom compounds: not sent to the morphology.
constexpr size_t kMinCompoundBytes = 8;
// A CJK run is keyed at every character (there are no spaces to start words),
// up to this many characters.
constexpr int kCjkKeyChars = 8;
constexpr size_t kMinCompletedBytes = 3;

bool is_cjk(UChar32 c) {
  UErrorCode err = U_ZERO_ERROR;
  const UScriptCode s = uscript_getScript(c, &err);
  return s == USCRIPT_HAN || s == USCRIPT_HIRAGANA || s == USCRIPT_KATAKANA || s == USCRIPT_HANGUL;
}

bool is_word_char(UChar32 c) {
  if (u_isalnum(c)) return true;
  const int8_t t = u_charType(c);
  return t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK || t == U_ENCLOSING_MARK;
}

std::string key_of(std::string_view text) {
  return analysis::Lexicon::shared().fold_text(Xapian::Unicode::tolower(std::string(text)));
}

// Splits into words; CJK runs give a key at each character when
// `every_cjk_start` (entries), one key for the whole run otherwise (queries).
std::vector<Suggester::Word> split(std::string_view text, bool every_cjk_start) {
  std::vector<Suggester::Word> out;
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t n = static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX));
  int32_t i = 0;
  while (i < n) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (c < 0 || !is_word_char(c)) continue;
    const bool cjk = is_cjk(c);
    std::vector<int32_t> starts = {start};
    int32_t end = i;
    while (end < n) {
      int32_t next = end;
      UChar32 d;
      U8_NEXT(s, next, n, d);
      if (d < 0 || !is_word_char(d) || is_cjk(d) != cjk) break;
      if (cjk) starts.push_back(end);
      end = next;
    }
    if (!cjk || !every_cjk_start) starts.resize(1);
    for (size_t k = 0; k < starts.size(); ++k) {
      const int32_t b = starts[k];
      const int32_t e = cjk && every_cjk_start && k + kCjkKeyChars < starts.size() ? starts[k + kCjkKeyChars] : end;
      std::string key = key_of(text.substr(static_cast<size_t>(b), static_cast<size_t>(e - b)));
      if (!key.empty()) out.push_back({std::move(key), static_cast<uint32_t>(b), static_cast<uint32_t>(e)});
    }
    i = end;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Byte length of the beginning of `word` whose key is `typed` (folding may
// change lengths: "ł" is two bytes, "l" one).
size_t prefix_bytes(std::string_view word, std::string_view typed) {
  const auto* s = reinterpret_cast<const uint8_t*>(word.data());
  const int32_t n = static_cast<int32_t>(word.size());
  int32_t i = 0;
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    if (key_of(word.substr(0, static_cast<size_t>(i))).size() >= typed.size()) break;
  }
  return static_cast<size_t>(i);
}

// Appends to `words` (of `text`, in language `primary`) a word for each
// later part of their compounds, as far as the morphology tells them
// ("Asiakaspalvelupäällikkö": "palvelupäällikkö", "päällikkö").
void add_compound_parts(std::string_view text, const std::string& primary, analysis::Lexicon& lex,
                        std::vector<Suggester::Word>& words) {
  if (!analysis::writes_compounds_as_one(primary) || !lex.has_morphology(primary)) return;
  const size_t n = words.size();
  for (size_t w = 0; w < n; ++w) {
    const Suggester::Word word = words[w];
    const std::string_view written = text.substr(word.begin, word.end - word.begin);
    if (written.size() < kMinCompoundBytes) continue;
    const std::string lower = Xapian::Unicode::tolower(std::string(written));
    if (lower.size() != written.size()) continue;  // the offsets are the lowercase word's
    const auto forms = lex.forms(primary, lower);  // held: the cache may be full
    for (const size_t start : forms->part_starts) {
      std::string key = key_of(written.substr(start));
      const auto begin = word.begin + static_cast<uint32_t>(start);
      if (!key.empty()) words.push_back({std::move(key), begin, word.end, true});
    }
  }
}

}  // namespace

std::vector<Suggester::Word> Suggester::words(std::string_view text) { return split(text, false); }

std::shared_ptr<const Suggester> Suggester::build(Catalog& catalog) {
  auto s = std::make_shared<Suggester>();
  std::unordered_map<int64_t, uint32_t> by_id;
  for (const auto& a : catalog.list(Visibility::kWriter)) {
    by_id[a.id] = static_cast<uint32_t>(s->articles_.size());
    s->articles_.push_back({a.slug, a.title, a.lang, a.category, a.is_public, a.draft});
    s->entries_.push_back({by_id[a.id], 0, a.title, "", {}, kTitlePrior});
  }
  for (auto& h : catalog.headings()) {
    auto it = by_id.find(h.article_id);
    if (it == by_id.end()) continue;
    s->entries_.push_back({it->second, h.level, std::move(h.title), std::move(h.anchor), {},
                           h.level <= 2 ? kSectionPrior : kSubsectionPrior, h.internal});
  }
  std::unordered_map<std::string, int> shared;  // folded heading text -> entries with it
  auto& lex = analysis::Lexicon::shared();
  for (auto& e : s->entries_) {
    e.words = split(e.text, true);
    add_compound_parts(e.text, analysis::primary_subtag(s->articles_[e.article].lang), lex, e.words);
    e.prior -= std::min(kMaxLengthPenalty, static_cast<double>(e.text.size()) / 4);
    if (e.level > 0) ++shared[key_of(e.text)];
  }
  for (uint32_t id = 0; id < s->entries_.size(); ++id) {
    Entry& e = s->entries_[id];
    if (e.level > 0) e.prior -= kSharedHeadingPenalty * std::log2(static_cast<double>(shared[key_of(e.text)]));
    const ArticleInfo& a = s->articles_[e.article];
    auto lang = std::find(s->langs_.begin(), s->langs_.end(), a.lang);
    if (lang == s->langs_.end()) lang = s->langs_.insert(lang, a.lang);
    const auto lang_id = static_cast<uint16_t>(lang - s->langs_.begin());
    for (size_t w = 0; w < e.words.size(); ++w) {
      // A heading inside an internal block is as hidden as an internal article.
      s->keys_.push_back({e.words[w].key, id, static_cast<float>(e.prior), lang_id, w == 0, e.words[w].inner,
                          a.is_public && !e.internal, a.draft});
    }
  }
  std::sort(s->keys_.begin(), s->keys_.end());
  return s;
}

Result<std::shared_ptr<const Suggester>> Suggester::load(const std::filesystem::path& revision_dir) {
  try {
    Catalog catalog(IndexLayout::catalog_path(revision_dir).string(), SqliteDb::Mode::kReadOnly);
    return build(catalog);
  } catch (const std::exception& e) {
    return Status::error(fmt::format("reading suggestions from {}: {}", revision_dir.string(), e.what()));
  }
}

std::vector<std::string> Suggester::completions(std::string_view typed, size_t n) const {
  const std::vector<Word> words = split(typed, false);
  if (words.empty() || n == 0) return {};
  const std::string& prefix = words.back().key;
  // One or two letters begin too many words to search them all quickly.
  if (prefix.size() < kMinCompletedBytes) return {};
  auto it = std::lower_bound(keys_.begin(), keys_.end(), Key{prefix});
  std::vector<std::pair<size_t, std::string_view>> counted;  // (entries with the word, word)
  while (it != keys_.end() && starts_with(it->key, prefix)) {
    auto run = it;
    while (run != keys_.end() && run->key == it->key) ++run;
    counted.emplace_back(static_cast<size_t>(run - it), it->key);
    it = run;
  }
  const size_t keep = std::min(n, counted.size());
  std::partial_sort(counted.begin(), counted.begin() + static_cast<std::ptrdiff_t>(keep), counted.end(),
                    [](const auto& x, const auto& y) { return x.first != y.first ? x.first > y.first : x.second < y.second; });
  std::vector<std::string> out;
  for (size_t i = 0; i < keep; ++i) out.emplace_back(counted[i].second);
  return out;
}

std::vector<Suggestion> Suggester::suggest(const SuggestRequest& r) const {
  std::vector<Word> typed = split(r.query, false);
  // Function words before the last ("reset the pass"), when other words
  // remain: a title need not have them ("Reset your password"). The last
  // word may be the start of any word, so it stays.
  std::vector<Word> telling;
  for (size_t i = 0; i < typed.size(); ++i) {
    if (i + 1 == typed.size() || !analysis::is_stopword(typed[i].key, langs_)) telling.push_back(typed[i]);
  }
  typed = std::move(telling);
  // "how do I ref" has no title with every word: complete the last words.
  while (!typed.empty()) {
    auto out = suggest_words(typed, r);
    if (!out.empty() || typed.size() == 1) return out;
    typed.erase(typed.begin());
  }
  return {};
}

std::vector<Suggestion> Suggester::suggest_words(const std::vector<Word>& typed, const SuggestRequest& r) const {
  // Drive the scan with the typed word that has the fewest matching keys.
  using It = std::vector<Key>::const_iterator;
  It first = keys_.end(), last = keys_.end();
  size_t fewest = SIZE_MAX;
  for (const auto& t : typed) {
    const It b = std::lower_bound(keys_.begin(), keys_.end(), Key{t.key, 0});
    const It e = std::lower_bound(b, keys_.end(), Key{t.key + '\xff', 0});  // '\xff' never occurs in UTF-8
    if (static_cast<size_t>(e - b) < fewest) {
      fewest = static_cast<size_t>(e - b);
      first = b;
      last = e;
    }
  }
  if (fewest == 0) return {};

  // Every typed word must start a different word of the entry.
  struct Match {
    double score;
    uint32_t entry;
  };
  std::vector<Match> matches;

  if (typed.size() == 1) {
    // One word: scored from the keys alone. An entry with two words that
    // begin so is listed twice; the output skips repeated texts.
    const auto lang = std::find(langs_.begin(), langs_.end(), r.lang);
    const auto lang_id = static_cast<uint16_t>(lang - langs_.begin());  // == size(): none
    const size_t typed_size = typed[0].key.size();
    matches.reserve(static_cast<size_t>(last - first));
    for (It k = first; k != last; ++k) {
      if (!visible_to(r.visibility, k->is_public, k->draft)) continue;
      double score = k->prior;
      if (k->inner) {
        score -= kInnerPartPenalty;
      } else if (k->key.size() == typed_size) {
        score += kWholeWordBonus;
      }
      if (k->first_word) score += kStartsWithBonus;
      if (k->lang == lang_id) score += kLanguageBonus;
      matches.push_back({score, k->entry});
    }
  }
  std::vector<bool> seen(typed.size() == 1 ? 0 : entries_.size());
  std::vector<bool> used;
  for (It k = first; typed.size() > 1 && k != last; ++k) {
    if (seen[k->entry]) continue;
    seen[k->entry] = true;
    const Entry& e = entries_[k->entry];
    const ArticleInfo& a = articles_[e.article];
    if (!visible_to(r.visibility, a.is_public && !e.internal, a.draft)) continue;
    used.assign(e.words.size(), false);
    double score = e.prior;
    bool all = true;
    for (size_t t = 0; t < typed.size() && all; ++t) {
      all = false;
      for (size_t w = 0; w < e.words.size(); ++w) {
        if (used[w] || !starts_with(e.words[w].key, typed[t].key)) continue;
        used[w] = all = true;
        if (e.words[w].inner) {
          score -= kInnerPartPenalty;
        } else if (e.words[w].key.size() == typed[t].key.size()) {
          score += kWholeWordBonus;
        }
        if (t == 0 && w == 0) score += kStartsWithBonus;
        break;
      }
    }
    if (!all) continue;
    if (!r.lang.empty() && a.lang == r.lang) score += kLanguageBonus;
    matches.push_back({score, k->entry});
  }
  const size_t limit = std::clamp<size_t>(r.limit, 1, kMaxLimit);
  auto better = [&](const Match& x, const Match& y) {
    if (x.score != y.score) return x.score > y.score;
    return x.entry < y.entry;  // entries are in category and title order
  };
  // Only the best few are shown: order enough of them to fill the list after
  // duplicates and the per-article cap are skipped, not every match ("pr"
  // matches thousands of headings).
  const size_t enough = limit * kPerArticle * 4;
  if (matches.size() > enough) {
    std::nth_element(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(enough), matches.end(), better);
    matches.resize(enough);
  }
  std::sort(matches.begin(), matches.end(), better);

  std::vector<Suggestion> out;
  std::unordered_map<uint32_t, size_t> per_article;
  for (const Match& m : matches) {
    if (out.size() >= limit) break;
    const Entry& e = entries_[m.entry];
    const ArticleInfo& a = articles_[e.article];
    if (per_article[e.article] >= kPerArticle) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Suggestion& s) { return s.text == e.text; })) continue;
    ++per_article[e.article];
    // Mark the typed beginning of each matched word.
    std::vector<std::pair<size_t, size_t>> marks;
    std::vector<bool> taken(e.words.size(), false);
    for (const auto& t : typed) {
      for (size_t w = 0; w < e.words.size(); ++w) {
        if (taken[w] || !starts_with(e.words[w].key, t.key)) continue;
        taken[w] = true;
        const Word& word = e.words[w];
        const std::string_view span(e.text.data() + word.begin, word.end - word.begin);
        marks.emplace_back(word.begin, word.begin + prefix_bytes(span, t.key));
        break;
      }
    }
    std::sort(marks.begin(), marks.end());
    std::string html;
    size_t pos = 0;
    for (const auto& [b, end] : marks) {
      if (b < pos) continue;
      html += html_escape(std::string_view(e.text).substr(pos, b - pos));
      html += "<mark>" + html_escape(std::string_view(e.text).substr(b, end - b)) + "</mark>";
      pos = end;
    }
    html += html_escape(std::string_view(e.text).substr(pos));

    Suggestion s;
    s.text = e.text;
    s.html = std::move(html);
    s.is_title = e.level == 0;
    s.article_title = a.title;
    s.slug = a.slug;
    s.lang = a.lang;
    s.category = a.category;
    s.url = article_url(a.slug) + (e.anchor.empty() ? "" : "#" + e.anchor);
    s.score = m.score;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace kb
