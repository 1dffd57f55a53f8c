// Finding query words in article text the way the index found them: exact
// words, base forms and compound parts (through the article's language),
// diacritic-folded forms, and CJK characters. Picks each hit's best section
// and cuts the snippet around the matches, so a hit found through
// "kuluraportin" -> "kuluraportti" or "quan ly" -> "quản lý" is highlighted in
// the original text.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/analysis.h"
#include "core/article.h"

namespace kb {

class Highlighter {
 public:
  // `weights[i]` is how much query word i says about relevance (e.g. idf).
  Highlighter(const std::vector<analysis::QueryWord>& words, std::vector<double> weights);

  // How well a section answers the query: the weights of the distinct query
  // words in it, a heading match counting double.
  double score(const Section& section, const std::string& lang) const;

  // How much of a title the query accounts for: the share of its words that
  // match some query word (in any form the index matches), 0..1. A short
  // title that the query names whole is usually the task being asked about.
  double title_coverage(std::string_view title, const std::string& lang) const;

  // HTML: about `max_bytes` of `text` around the densest matches, matches in
  // <mark>, everything escaped; "" when nothing matches. Reading stops at
  // the first window with `enough` distinct query words (at most all of
  // them): the caller may know from the index how many the text has.
  std::string snippet(std::string_view text, const std::string& lang, size_t max_bytes,
                      size_t enough = std::string::npos) const;

  // Safe HTML (rendered Markdown) with every match in its text wrapped in
  // <mark>; tags are left alone. For an article reached from a result.
  std::string mark_html(std::string_view html, const std::string& lang) const;

 private:
  struct Token {
    size_t begin, end;  // byte span in the text
    int word;           // matched query word, or -1
  };
  std::vector<Token> tokens(std::string_view text, const std::string& lang) const;
  int match(std::string_view token, const std::string& lang) const;
  int match_uncached(std::string_view token, const std::string& lang) const;
  bool may_match(std::string_view text) const;
  // Whether the token, or a base form of it, begins like a query word's form.
  bool shares_root(std::string_view token, const std::string& lang) const;

  std::unordered_map<std::string, int> terms_;  // query term (with prefix) -> word index
  std::vector<std::string> probes_;             // lowercase stems and words, to pre-filter tokens
  std::vector<std::string> probe_heads_;        // their first kProbeBytes
  std::vector<std::string> folded_probes_;      // folded first bytes of every form, to pre-filter sections
  std::vector<double> weights_;
  std::vector<std::string> roots_;              // the query words' own and base forms, for shares_root
  // What match() said per language and token: a query's hits repeat the
  // same words section after section, and matching one (lowercasing,
  // folding, morphology) costs far more than looking it up. A Highlighter
  // serves one request on one thread.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Matches = std::unordered_map<std::string, int, Hash, std::equal_to<>>;  // looked up by string_view
  mutable std::vector<std::pair<std::string, Matches>> matched_;  // per language
};

}  // namespace kb
