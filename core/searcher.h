// Query parsing, filters, ranking, facets, best section and snippets over one
// index revision. A Searcher owns its Xapian database and catalog connection
// and must be used by one thread at a time (Xapian Database objects are not
// thread-safe); the server keeps a pool of them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "core/analysis.h"
#include "core/article.h"
#include "core/catalog.h"
#include "core/status.h"
#include "core/synonyms.h"

namespace kb {

class Highlighter;

// Opens the full-text index at `path`: a Xapian database directory or a stub
// file listing several databases (shards, or remote ones via xapian-tcpsrv).
// Everything that reads the index opens it through here.
Xapian::Database open_fulltext(const std::string& path);

struct SearchRequest {
  std::string query;  // free text; may be empty when a filter is given
  std::string lang;   // filter (and the language to analyse the query in)
  std::string tag;
  std::string category;
  size_t limit = 10;
  size_t offset = 0;
  Visibility visibility = Visibility::kPublic;
  bool correct_spelling = true;  // false: run the words as typed ("search instead for")
};

// Text in a search box, for results as the visitor types.
struct TypedQuery {
  std::string text;  // as typed so far: a last word not followed by a space may be unfinished
  std::string lang;
  Visibility visibility = Visibility::kPublic;
  size_t limit = 3;
  // Whole words (folded, lowercase) the unfinished last word may become
  // ("kulurap" -> "kuluraportti"), e.g. Suggester::completions(); it also
  // matches as typed.
  std::vector<std::string> completions;
};

struct SearchHit {
  int64_t id = 0;
  std::string slug;
  std::string path;
  std::string title;
  std::string lang;
  std::string category;
  std::string updated;
  std::string url;  // article URL with the best section's anchor
  std::string section_title;
  std::string section_anchor;
  std::string snippet;  // HTML: matches in <mark>, everything else escaped
  double score = 0;
  // Staff only: an internal article or draft, or one with internal notes.
  bool internal = false;
  // Matches only some of the query's words (see SearchResult::relaxed): such
  // hits come after every hit that has them all.
  bool partial = false;

  bool operator==(const SearchHit& o) const { return id == o.id; }
};

using FacetCounts = std::map<std::string, size_t>;

struct SearchResult {
  std::optional<std::string> corrected;  // the query actually run, when a typo was corrected
  size_t total = 0;  // exact number of visible matches
  // No article had enough of the rare words (see docs/api.md); matching any
  // rare word instead. When only a few had (Searcher::kFewMatches), the
  // articles with some of them follow those, marked `partial`, and
  // `relaxed` stays false.
  bool relaxed = false;
  std::vector<SearchHit> hits;
  std::map<std::string, FacetCounts> facets;  // "lang", "tag", "category"
  // When a language filter found nothing: matches per other language.
  FacetCounts other_languages;
};

class Searcher {
 public:
  static constexpr size_t kMaxLimit = 100;
  static constexpr size_t kMaxOffset = 1000;
  static constexpr size_t kSnippetBytes = 240;
  // Fewer matches with all the words than this, and articles with some of
  // them are listed after those (SearchHit::partial).
  static constexpr size_t kFewMatches = 10;

  static Result<std::unique_ptr<Searcher>> open(const std::filesystem::path& revision_dir);

  // Never throws; a failure inside Xapian or SQLite becomes a Status.
  Result<SearchResult> search(const SearchRequest& request);
  // The best few articles for text typed so far: ids, titles and URLs only,
  // no facets, snippets or corrections. Articles in `lang` when it has any.
  Result<std::vector<SearchHit>> top_articles(const TypedQuery& typed);
  // Articles about the same things as `article` (Xapian relevance feedback:
  // its most telling terms, searched for), in its language when there are
  // enough, never itself or its translations.
  Result<std::vector<SearchHit>> related(const Article& article, Visibility visibility, size_t limit);
  // Articles likely to answer a support ticket: the ticket's most telling
  // words (rare in the help center, frequent in the ticket) ranked by BM25,
  // in the ticket's language when the help center has it (`lang` overrides).
  // `language` is set to the language searched in ("" for all).
  Result<SearchResult> similar(std::string_view ticket, const std::string& lang, Visibility visibility, size_t limit,
                               std::string* language = nullptr);
  Result<std::optional<Article>> article(const std::string& slug, Visibility visibility);
  // Whether an image may be shown to the caller (Catalog::media_visible).
  Result<bool> media_visible(const std::string& name, Visibility visibility);
  // Where an old slug or alias leads now (Catalog::redirect).
  Result<std::optional<std::string>> redirect(const std::string& slug, Visibility visibility);
  Result<std::vector<ArticleSummary>> list(Visibility visibility);
  Result<std::vector<ArticleSummary>> translations(const Article& article, Visibility visibility);

  size_t document_count() const { return db_.get_doccount(); }
  const std::vector<std::string>& languages() const { return languages_; }

 private:
  Searcher(Xapian::Database db, std::unique_ptr<Catalog> catalog);
  struct QueryPlan {
    Xapian::Query strict;   // rare words required, common ones and word pairs boost
    Xapian::Query relaxed;  // any rare word (any word, when every one is common)
    bool filtered = false;  // strict matches fewer articles than relaxed
  };
  // `frequencies[i]`: articles containing words[i] (word_frequencies()).
  // `synonyms`: synonyms_.find(words, langs).
  QueryPlan plan_query(const std::vector<analysis::QueryWord>& words, const std::vector<Xapian::doccount>& frequencies,
                       const std::vector<std::string>& langs, const std::vector<SynonymMatch>& synonyms) const;
  SearchResult run(const SearchRequest& request);
  std::vector<SearchHit> run_related(const Article& article, Visibility visibility, size_t limit);
  std::vector<SearchHit> run_top_articles(const TypedQuery& typed);
  // Words inside a synonym match are kept as typed.
  std::optional<std::string> correct_spelling(const std::vector<analysis::QueryWord>& words,
                                              const std::vector<SynonymMatch>& synonyms, const Xapian::Query& filter);
  // Scales the scores of `hits` (Xapian's ranking from position `first`,
  // score = BM25 weight) to `max_weight`, and re-orders the part within the
  // first kRerankDepth positions by adding the title's coverage by the query;
  // hits with every word stay above partial ones.
  void rerank_by_title(const Highlighter& highlighter, double max_weight, size_t first,
                       std::vector<SearchHit>& hits) const;
  void fill_sections(const Highlighter& highlighter, Visibility visibility, SearchResult& result);

  Xapian::Database db_;
  std::unique_ptr<Catalog> catalog_;
  std::vector<std::string> languages_;
  std::shared_ptr<const SynonymIndex> synonyms_;  // never null
};

}  // namespace kb
