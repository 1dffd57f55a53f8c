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
#include "core/search_match.h"
#include "core/search_types.h"
#include "core/shards.h"
#include "core/synonyms.h"

namespace kb {

struct PlanContext;

// Opens the full-text index at `path`: a Xapian database directory or a stub
// file listing several databases (shards, or remote ones via xapian-tcpsrv).
// Everything that reads the index opens it through here.
// A stub's remote databases are opened with open_remote (core/shards.h).
// `remote`, when given, says whether the stub named remote databases.
Xapian::Database open_fulltext(const std::string& path, bool* remote = nullptr);

class Searcher {
 public:
  static constexpr size_t kMaxLimit = 100;
  static constexpr size_t kMaxOffset = 1000;
  static constexpr size_t kFewMatches = kb::kFewMatches;  // core/search_match.h

  // The revision's index, or its shards at `shards` ("host:port" each,
  // shard 0 first; core/shards.h) when given.
  static Result<std::unique_ptr<Searcher>> open(const std::filesystem::path& revision_dir,
                                                const std::vector<std::string>& shards = {});

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
  // How far searches count matches (core/search_match.h); the defaults
  // unless set, as tests do to see a large index's estimates in a small one.
  void set_count_limits(const CountLimits& limits) { count_limits_ = limits; }
  const std::vector<std::string>& languages() const { return languages_; }
  // A remote database failed to answer one of this Searcher's reads: its
  // connection is unusable, and the Searcher must be opened anew.
  bool unreachable() const { return unreachable_; }
  // Whether the index has parts served by xapian-tcpsrv.
  bool remote() const { return remote_; }

 private:
  Searcher(Xapian::Database db, std::unique_ptr<Catalog> catalog);
  // plan (core/search_plan) -> match (core/search_match) -> present
  // (core/search_present), each step timed in SearchResult::timings.
  SearchResult run(const SearchRequest& request);
  // What planning a search reads (core/search_plan.h).
  PlanContext plan_context() const;
  std::vector<SearchHit> run_related(const Article& article, Visibility visibility, size_t limit);
  std::vector<SearchHit> run_top_articles(const TypedQuery& typed);

  Xapian::Database db_;
  std::optional<Xapian::Database> staff_spelling_;  // IndexLayout::staff_spelling_path, when there is one
  std::optional<Xapian::Database> spelling_;  // IndexLayout::spelling_path, when db_ is shards
  std::unique_ptr<Catalog> catalog_;
  std::vector<std::string> languages_;
  std::shared_ptr<const SynonymIndex> synonyms_;  // never null
  CountLimits count_limits_;
  bool unreachable_ = false;
  bool remote_ = false;  // db_ has databases served by xapian-tcpsrv
  // The database holding the public spelling data and diacritics table.
  const Xapian::Database& spelling() const { return spelling_ ? *spelling_ : db_; }
  template <typename F>
  auto guarded(std::string_view what, F&& f) -> Result<decltype(f())>;
};

}  // namespace kb
