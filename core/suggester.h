// Suggestions as the visitor types: article titles and section headings whose
// words start with the typed words, in any order, diacritics optional
// ("obsl" finds "Obsługa", "quan l" finds "Quản lý"), and whose compounds'
// later parts do ("päällikk" finds "Asiakaspalvelupäällikkö"). Built once per index
// revision from the catalog's headings and kept in memory as one sorted array
// of folded word keys, so a lookup is a binary search plus a scan of the
// rarest typed word's matches. Immutable after build(): one instance is shared
// by every thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/catalog.h"
#include "core/status.h"

namespace kb {

struct Suggestion {
  std::string text;  // the title or heading as written
  std::string html;  // the same, escaped, with the typed prefixes in <mark>
  bool is_title = true;
  std::string article_title;  // for headings: the article they belong to
  std::string slug;
  std::string lang;
  std::string category;
  std::string url;  // the article, with the heading's anchor
  double score = 0;
};

struct SuggestRequest {
  std::string query;
  std::string lang;  // suggestions in this language come first (not a filter)
  Visibility visibility = Visibility::kPublic;
  size_t limit = 8;
};

class Suggester {
 public:
  static constexpr size_t kMaxLimit = 20;
  // At most this many suggestions from one article.
  static constexpr size_t kPerArticle = 3;

  // Reads titles and headings of every article in `catalog` (all audiences;
  // visibility is applied per request).
  static std::shared_ptr<const Suggester> build(Catalog& catalog);
  static Result<std::shared_ptr<const Suggester>> load(const std::filesystem::path& revision_dir);

  // Best first. Every typed word must begin a different word of a title or
  // heading; when none has them all, the first words are dropped in turn
  // ("how do I ref" completes "ref"). Never throws on user input.
  std::vector<Suggestion> suggest(const SuggestRequest& request) const;

  // Up to `n` whole words of titles and headings that the last word of
  // `typed` begins (folded, lowercase), the most used first: what an
  // unfinished word may become, for TypedQuery::completions.
  std::vector<std::string> completions(std::string_view typed, size_t n) const;

  // Folded lowercase keys of the words of `text` with their byte spans, as
  // used for both the entries and the typed query.
  struct Word {
    std::string key;
    uint32_t begin = 0, end = 0;
    // A later part of a compound, from where it begins ("päällikkö" in
    // "asiakaspalvelupäällikkö"): typed words complete it too, below words
    // that begin so.
    bool inner = false;
  };
  static std::vector<Word> words(std::string_view text);

  size_t entry_count() const { return entries_.size(); }

 private:
  struct ArticleInfo {
    std::string slug, title, lang, category;
    bool is_public = true;
    bool draft = false;
  };
  struct Entry {
    uint32_t article = 0;
    int level = 0;  // 0: the article's title
    std::string text, anchor;
    std::vector<Word> words;
    double prior = 0;  // query-independent part of the score
    bool internal = false;  // a heading inside an `::: internal` block
  };
  // One word of one entry, with what scoring a one-word query needs, so that
  // the common case (the first word being typed) never leaves this array.
  struct Key {
    std::string key;
    uint32_t entry = 0;
    float prior = 0;        // the entry's
    uint16_t lang = 0;      // index in langs_
    bool first_word = false;
    bool inner = false;  // Word::inner
    bool is_public = true;
    bool draft = false;
    bool operator<(const Key& o) const { return key < o.key; }
  };

  std::vector<Suggestion> suggest_words(const std::vector<Word>& typed, const SuggestRequest& r) const;

  std::vector<ArticleInfo> articles_;
  std::vector<std::string> langs_;
  std::vector<Entry> entries_;
  std::vector<Key> keys_;  // sorted by key
};

}  // namespace kb
