#include "core/stopwords.h"

#include <map>
#include <unordered_set>

#include "core/analysis.h"
#include "core/lexicon.h"

namespace kb::analysis {
namespace {

struct List {
  std::unordered_set<std::string> words;   // as written
  std::unordered_set<std::string> folded;  // without diacritics, for words typed so
};

using Lists = std::map<std::string, List, std::less<>>;

Lists build() {
  struct Source {
    const char* lang;
    const char* words;  // space-separated
  };
  static constexpr Source kSources[] = {
#include "core/stopwords_data.inc"
  };
  Lists out;
  for (const Source& s : kSources) {
    List& list = out[s.lang];
    const std::string_view all = s.words;
    for (size_t start = 0; start < all.size();) {
      size_t end = all.find(' ', start);
      if (end == std::string_view::npos) end = all.size();
      if (end > start) {
        std::string w(all.substr(start, end - start));
        // '=': as written only (its folded form is a content word).
        if (w[0] == '=') {
          w.erase(0, 1);
        } else {
          list.folded.insert(Lexicon::shared().fold(w));
        }
        list.words.insert(std::move(w));
      }
      start = end + 1;
    }
  }
  return out;
}

const Lists& lists() {
  static const Lists kLists = build();
  return kLists;
}

bool is_ascii(std::string_view s) {
  for (const char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

}  // namespace

bool is_stopword(std::string_view word, std::string_view lang) {
  const auto it = lists().find(primary_subtag(lang));
  if (it == lists().end() || word.empty()) return false;
  const std::string w(word);
  return it->second.words.count(w) > 0 || (is_ascii(w) && it->second.folded.count(w) > 0);
}

bool is_stopword(std::string_view word, const std::vector<std::string>& langs) {
  for (const auto& lang : langs) {
    if (is_stopword(word, lang)) return true;
  }
  return false;
}

std::vector<std::string> stopword_languages() {
  std::vector<std::string> out;
  for (const auto& [lang, list] : lists()) out.push_back(lang);
  return out;
}

}  // namespace kb::analysis
