// Writes articles into one revision: the Xapian index and the catalog
// together. Nothing is visible to readers until the revision is published
// (core/revision.h), so a failure midway loses nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <xapian.h>

#include "core/article.h"
#include "core/catalog.h"
#include "core/status.h"

namespace kb {

// The Xapian document for an article (schema.h). Needs article.id set.
// `agent_copy`: the staff document of an article with internal blocks.
Xapian::Document make_document(const Article& article, bool agent_copy = false);

class IndexWriter {
 public:
  // Opens the revision directory for writing, creating an empty index and
  // catalog when missing.
  static Result<std::unique_ptr<IndexWriter>> open(const std::filesystem::path& revision_dir);
  ~IndexWriter();

  // Stores the articles in the catalog (assigning their ids) and the index,
  // analysing them on up to `threads` threads. May be called several times
  // (a large help center a batch at a time); a new index is built in shards
  // that commit() merges. An article the catalog
  // refuses keeps id 0 and is reported through `failed` (its index in
  // `articles`); an index error fails the whole write. `progress` (may be
  // empty) is called with (done, total), never from two threads at once.
  Status put(std::vector<Article>& articles, size_t threads,
             const std::function<void(size_t, const Status&)>& failed,
             const std::function<void(size_t, size_t)>& progress);
  Status remove(int64_t id);
  // See Catalog::add_rename. Call after put() of the new version.
  Status rename(const std::string& old_slug, int64_t old_id, int64_t new_id);
  // Splits the index into `count` shards at commit (core/shards.h), on up to
  // `threads` threads; < 2: none. Unless called, a revision keeps the
  // number of shards it had.
  void set_shards(size_t count, size_t threads) {
    shard_count_ = count;
    shard_threads_ = threads;
  }
  // Makes everything durable in this revision's files.
  Status commit();

  Catalog& catalog() { return *catalog_; }

 private:
  IndexWriter() = default;
  Xapian::WritableDatabase& db();
  bool store(Article& article, size_t index, const std::function<void(size_t, const Status&)>& failed);
  void put_in_place(std::vector<Article>& articles, size_t threads,
                    const std::function<void(size_t, const Status&)>& failed,
                    const std::function<void(size_t, size_t)>& progress);
  void put_sharded(std::vector<Article>& articles, size_t threads,
                   const std::function<void(size_t, const Status&)>& failed,
                   const std::function<void(size_t, size_t)>& progress);
  void merge_shards();
  // Takes back the spelling data of the document with `id_term` and adds
  // the replacement's (none when null): to the public spelling data or the
  // staff's (IndexLayout::staff_spelling_path), by who sees the document.
  void update_spelling(const std::string& id_term, const Xapian::Document* replacement);
  Xapian::WritableDatabase& staff_db();
  // The split index's spelling data (IndexLayout::spelling_path) when this
  // revision was copied with one, else null; opened on first use.
  Xapian::WritableDatabase* shard_spelling_db();
  std::filesystem::path dir_;
  bool fresh_ = false;  // no index in the revision yet: it may be built from shards
  struct Shards;
  std::unique_ptr<Shards> shards_;  // while a new index is being built in shards
  std::unique_ptr<Xapian::WritableDatabase> db_;  // opened on first use
  std::unique_ptr<Xapian::WritableDatabase> staff_db_;  // opened on first use: staff_db()
  std::unique_ptr<Xapian::WritableDatabase> shard_spelling_db_;  // shard_spelling_db()
  std::set<std::string> changed_terms_;  // unique terms of the documents added, replaced or deleted
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Transaction> txn_;
  std::optional<size_t> shard_count_;
  size_t shard_threads_ = 1;
};

}  // namespace kb
