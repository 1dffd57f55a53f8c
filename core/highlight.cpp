#include "core/highlight.h"

#include <algorithm>
#include <array>
#include <set>

#include <xapian.h>

#include "core/lexicon.h"
#include "core/schema.h"
#include "core/text.h"

namespace kb {
namespace {

constexpr double kHeadingWeight = 2.0;
// A title word that matches no query word but begins with the same
// kSharedRootBytes as one of its forms (the query's "siirto" and the title's
// "siirrä", base "siirtää"; "vahvistaminen" and "vahvista") counts this much
// towards the title's coverage: derivations are different lemmas to Voikko
// and Hunspell, and a five-letter prefix is a known fair stem for Finnish.
constexpr size_t kSharedRootBytes = 5;
constexpr double kSharedRootCredit = 0.5;
constexpr size_t kRootProbeBytes = 3;
// Morphology is only consulted for tokens sharing this many leading bytes with
// a query form, or containing one (compound parts): most tokens are skipped.
constexpr size_t kProbeBytes = 4;
// A section is only tokenised when its folded text contains the first bytes
// of some folded query form (stems and inflected forms share their start).
constexpr size_t kFoldedProbeBytes = 3;

bool is_cjk(unsigned cp) {
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x20000 && cp <= 0x2FFFF);
}

// Lowercase as Xapian's tokeniser has it; ASCII without the Unicode tables
// (most tokens, and a tenth of a snippet's time went to the general path).
std::string lower(std::string_view s) {
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return Xapian::Unicode::tolower(std::string(s));
  }
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Which ASCII bytes are word characters, as Xapian::Unicode::is_wordchar
// says (letters, digits, '_'): most text is ASCII, and decoding each byte
// through Xapian's Unicode tables was a fifth of a search's time.
const std::array<bool, 128>& ascii_wordchars() {
  static const std::array<bool, 128> table = [] {
    std::array<bool, 128> t{};
    for (unsigned c = 0; c < t.size(); ++c) t[c] = Xapian::Unicode::is_wordchar(c);
    return t;
  }();
  return table;
}

// Calls fn(begin, end) with the byte span of each word of `text` in order (a
// run of word characters; each CJK character alone, as the index has them)
// until fn returns false. Invalid UTF-8 is read as Xapian's iterator reads it.
template <typename Fn>
void for_each_word(std::string_view text, Fn&& fn) {
  const auto& ascii = ascii_wordchars();
  constexpr size_t kNone = std::string_view::npos;
  size_t word_begin = kNone;
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    size_t next = i + 1;
    bool wordchar = false, cjk = false;
    if (byte < 0x80) {
      wordchar = ascii[byte];
    } else {
      Xapian::Utf8Iterator it(text.data() + i, text.size() - i);
      const unsigned cp = *it;
      ++it;
      next = it == Xapian::Utf8Iterator() ? text.size() : static_cast<size_t>(it.raw() - text.data());
      cjk = is_cjk(cp);
      wordchar = !cjk && Xapian::Unicode::is_wordchar(cp);
    }
    if (!wordchar && word_begin != kNone) {
      if (!fn(word_begin, i)) return;
      word_begin = kNone;
    }
    if (cjk) {
      if (!fn(i, next)) return;
    } else if (wordchar && word_begin == kNone) {
      word_begin = i;
    }
    i = next;
  }
  if (word_begin != kNone) fn(word_begin, text.size());
}

}  // namespace

Highlighter::Highlighter(const std::vector<analysis::QueryWord>& words, std::vector<double> weights)
    : weights_(std::move(weights)) {
  weights_.resize(words.size(), 1.0);
  for (size_t i = 0; i < words.size(); ++i) {
    for (const auto& t : words[i].terms) {
      terms_.emplace(t.term, static_cast<int>(i));
      const bool derived = !t.term.empty() && t.term[0] >= 'A' && t.term[0] <= 'Z';
      std::string form = derived ? t.term.substr(1) : t.term;
      if (!form.empty()) {
        std::string probe = form.substr(0, std::min(form.size(), kProbeBytes * 2));
        std::string head = form.substr(0, std::min(form.size(), kProbeBytes));
        bool known = false;  // the forms of a word often share their first bytes
        for (size_t k = 0; k < probes_.size() && !known; ++k) known = probes_[k] == probe && probe_heads_[k] == head;
        if (!known) {
          probes_.push_back(std::move(probe));
          probe_heads_.push_back(std::move(head));
        }
      }
      if (!derived || t.term[0] == schema::kPrefixStem[0]) {
        if (form.size() >= kSharedRootBytes && std::find(roots_.begin(), roots_.end(), form) == roots_.end()) {
          roots_.push_back(form);
        }
      }
      const std::string folded = analysis::Lexicon::shared().fold_text(form);
      std::string_view head = utf8_truncate(folded, kFoldedProbeBytes);
      if (head.empty()) head = folded;  // one wide character (CJK)
      if (!head.empty() && std::find(folded_probes_.begin(), folded_probes_.end(), head) == folded_probes_.end()) {
        folded_probes_.emplace_back(head);
      }
    }
  }
}

int Highlighter::match(std::string_view token, const std::string& lang) const {
  auto in = std::find_if(matched_.begin(), matched_.end(), [&](const auto& m) { return m.first == lang; });
  if (in == matched_.end()) in = matched_.insert(matched_.end(), {lang, {}});
  Matches& matches = in->second;
  if (auto it = matches.find(token); it != matches.end()) return it->second;
  const int word = match_uncached(token, lang);
  matches.emplace(std::string(token), word);
  return word;
}

int Highlighter::match_uncached(std::string_view token, const std::string& lang) const {
  const std::string word = lower(token);
  if (auto it = terms_.find(word); it != terms_.end()) return it->second;
  auto& lex = analysis::Lexicon::shared();
  std::string folded = word;
  if (std::any_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    folded = lex.fold_text(word);
    if (auto it = terms_.find(std::string(schema::kPrefixFolded) + folded); it != terms_.end()) return it->second;
  }
  // Morphology, only for plausible candidates (by the word or its folded form:
  // "paallikko" is a folded part of "asiakaspalvelupäällikkö").
  bool candidate = false;
  for (size_t i = 0; i < probes_.size() && !candidate; ++i) {
    const std::string& p = probes_[i];
    candidate = word.compare(0, probe_heads_[i].size(), probe_heads_[i]) == 0 ||
                word.find(p) != std::string::npos || folded.find(p) != std::string::npos;
  }
  if (!candidate) return -1;
  const analysis::DerivedTerms d = analysis::derive_terms(lang, word);
  for (const auto& s : d.stems) {
    if (auto it = terms_.find(s); it != terms_.end()) return it->second;
  }
  for (const auto& p : d.parts) {
    if (auto it = terms_.find(p); it != terms_.end()) return it->second;
  }
  for (const auto& r : d.roots) {
    if (auto it = terms_.find(r); it != terms_.end()) return it->second;
  }
  return -1;
}

std::vector<Highlighter::Token> Highlighter::tokens(std::string_view text, const std::string& lang) const {
  std::vector<Token> out;
  for_each_word(text, [&](size_t begin, size_t end) {
    out.push_back({begin, end, match(text.substr(begin, end - begin), lang)});
    return true;
  });
  return out;
}

bool Highlighter::may_match(std::string_view text) const {
  const std::string folded = analysis::Lexicon::shared().fold_text(text);
  return std::any_of(folded_probes_.begin(), folded_probes_.end(),
                     [&](const std::string& p) { return folded.find(p) != std::string::npos; });
}

double Highlighter::score(const Section& section, const std::string& lang) const {
  // Most sections of a hit hold none of the query's words: a substring test
  // on folded text rules them out before any tokenising.
  if (!may_match(section.title) && !may_match(section.text)) return 0;
  const size_t n = weights_.size();
  std::vector<char> in_heading(n), in_text(n);
  const std::string_view title = section.title;
  for_each_word(title, [&](size_t begin, size_t end) {
    if (const int w = match(title.substr(begin, end - begin), lang); w >= 0) in_heading[static_cast<size_t>(w)] = 1;
    return true;
  });
  // The text counts each word once: stop reading once all are found.
  size_t missing = n;
  const std::string_view text = section.text;
  for_each_word(text, [&](size_t begin, size_t end) {
    const int w = match(text.substr(begin, end - begin), lang);
    if (w < 0 || in_text[static_cast<size_t>(w)]) return true;
    in_text[static_cast<size_t>(w)] = 1;
    return --missing > 0;
  });
  double s = 0;
  for (size_t w = 0; w < n; ++w) {
    if (in_heading[w]) s += kHeadingWeight * weights_[w];
    if (in_text[w]) s += weights_[w];
  }
  return s;
}

double Highlighter::title_coverage(std::string_view title, const std::string& lang) const {
  double words = 0, matched = 0;
  for_each_word(title, [&](size_t begin, size_t end) {
    const std::string_view token = title.substr(begin, end - begin);
    ++words;
    if (match(token, lang) >= 0) {
      matched += 1;
    } else if (shares_root(token, lang)) {
      matched += kSharedRootCredit;
    }
    return true;
  });
  return words == 0 ? 0.0 : matched / words;
}

bool Highlighter::shares_root(std::string_view token, const std::string& lang) const {
  if (roots_.empty() || token.size() < kSharedRootBytes) return false;
  // Base forms keep the first letters of the word they come from (siirrä ->
  // siirtää, tworzenie -> tworzyć): a token that starts like no root is not
  // looked up in the morphology, the slow part.
  const std::string lowered = lower(token);
  if (std::none_of(roots_.begin(), roots_.end(), [&](const std::string& r) {
        return lowered.compare(0, kRootProbeBytes, r, 0, kRootProbeBytes) == 0;
      })) {
    return false;
  }
  std::vector<std::string> forms = {lowered};
  for (const auto& s : analysis::derive_terms(lang, forms[0]).stems) forms.push_back(s.substr(1));
  for (const auto& f : forms) {
    for (const auto& r : roots_) {
      if (f.size() >= kSharedRootBytes && r.size() >= kSharedRootBytes &&
          f.compare(0, kSharedRootBytes, r, 0, kSharedRootBytes) == 0) {
        return true;
      }
    }
  }
  return false;
}

std::string Highlighter::snippet(std::string_view text, const std::string& lang, size_t max_bytes,
                                 size_t enough) const {
  enough = std::min(enough, weights_.size());
  // Tokens in order, until a window of max_bytes has `enough` distinct
  // words and the text after it that the window may grow into is read: a
  // long section's later tokens are not matched (the costly part).
  std::vector<Token> toks;
  size_t complete_at = std::string_view::npos;  // where the first window with enough words begins
  std::vector<size_t> last_seen(weights_.size(), std::string_view::npos);  // word -> its latest token
  for_each_word(text, [&](size_t begin, size_t end) {
    if (complete_at != std::string_view::npos && begin > complete_at + max_bytes) return false;
    toks.push_back({begin, end, match(text.substr(begin, end - begin), lang)});
    const int w = toks.back().word;
    if (w < 0 || complete_at != std::string_view::npos || enough == 0) return true;
    last_seen[static_cast<size_t>(w)] = toks.size() - 1;
    // The words whose latest token fits in a window ending here.
    size_t distinct = 0, earliest = toks.size() - 1;
    for (size_t k : last_seen) {
      if (k == std::string_view::npos || end - toks[k].begin > max_bytes) continue;
      ++distinct;
      earliest = std::min(earliest, k);
    }
    if (distinct >= enough) complete_at = toks[earliest].begin;
    return true;
  });
  // The window of at most max_bytes with the most distinct matched words,
  // then the most matches; ties keep the earliest.
  size_t best_first = 0, best_last = 0;
  size_t best_distinct = 0, best_count = 0;
  bool found = false;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (toks[i].word < 0) continue;
    std::set<int> distinct;
    size_t count = 0, last = i;
    for (size_t j = i; j < toks.size() && toks[j].end - toks[i].begin <= max_bytes; ++j) {
      if (toks[j].word >= 0) {
        distinct.insert(toks[j].word);
        ++count;
        last = j;
      }
    }
    if (!found || distinct.size() > best_distinct || (distinct.size() == best_distinct && count > best_count)) {
      found = true;
      best_first = i;
      best_last = last;
      best_distinct = distinct.size();
      best_count = count;
    }
  }
  if (!found) return {};
  // Grow the window around the matches to max_bytes: some context before
  // (back to a sentence start when close), the rest after.
  size_t begin = toks[best_first].begin;
  size_t end = toks[best_last].end;
  const size_t spare = max_bytes > end - begin ? max_bytes - (end - begin) : 0;
  size_t lead = std::min(begin, spare / 3);
  size_t start = begin - lead;
  for (size_t k = begin; k > start; --k) {
    if (text[k - 1] == '.' || text[k - 1] == '\n') {
      start = k;
      break;
    }
  }
  while (start > 0 && start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
  size_t stop = std::min(text.size(), end + (spare - (begin - start)));
  stop = start + utf8_truncate(text.substr(start), stop - start).size();
  // Do not cut a word in half at either end.
  for (const auto& t : toks) {
    if (t.begin < start && t.end > start) start = t.end;
    if (t.begin < stop && t.end > stop) stop = t.begin;
  }
  std::string out;
  if (start > 0) out += "…";
  size_t pos = start;
  static constexpr std::string_view kClose = "</mark>";
  bool just_marked = false;
  for (const auto& t : toks) {
    if (t.end <= start || t.begin >= stop || t.word < 0) continue;
    if (just_marked && t.begin == pos) {
      out.resize(out.size() - kClose.size());  // adjacent CJK characters: one mark
    } else {
      out += html_escape(text.substr(pos, t.begin - pos));
      out += "<mark>";
    }
    out += html_escape(text.substr(t.begin, t.end - t.begin));
    out += kClose;
    pos = t.end;
    just_marked = true;
  }
  out += html_escape(text.substr(pos, stop - pos));
  if (stop < text.size()) out += "…";
  return collapse_whitespace(out);
}

std::string Highlighter::mark_html(std::string_view html, const std::string& lang) const {
  // Text between tags is what a reader sees; tags and attributes stay as
  // they are. cmark-gfm escapes only these entities in text.
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
  std::string out;
  out.reserve(html.size() + html.size() / 8);
  size_t i = 0;
  while (i < html.size()) {
    if (html[i] == '<') {
      size_t close = html.find('>', i);
      if (close == std::string_view::npos) close = html.size() - 1;
      out.append(html.substr(i, close + 1 - i));
      i = close + 1;
      continue;
    }
    size_t next = html.find('<', i);
    if (next == std::string_view::npos) next = html.size();
    std::string text;
    for (size_t k = i; k < next;) {
      bool decoded = false;
      if (html[k] == '&') {
        for (const auto& [entity, c] : kEntities) {
          if (html.substr(k, entity.size()) == entity) {
            text += c;
            k += entity.size();
            decoded = true;
            break;
          }
        }
      }
      if (!decoded) text += html[k++];
    }
    size_t pos = 0;
    if (may_match(text)) {
      for (const auto& t : tokens(text, lang)) {
        if (t.word < 0) continue;
        out += html_escape(std::string_view(text).substr(pos, t.begin - pos));
        out += "<mark>" + html_escape(std::string_view(text).substr(t.begin, t.end - t.begin)) + "</mark>";
        pos = t.end;
      }
    }
    out += html_escape(std::string_view(text).substr(pos));
    i = next;
  }
  return out;
}

}  // namespace kb
