// Writes articles into one revision: the Xapian index and the catalog
// together. Nothing is visible to readers until the revision is published
// (core/revision.h), so a failure midway loses nothing.
#pragma once

#include <filesystem>
#include <memory>

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

  // Stores the article in the catalog (assigning article.id) and the index.
  Status put(Article& article);
  Status remove(int64_t id);
  // See Catalog::add_rename. Call after put() of the new version.
  Status rename(const std::string& old_slug, int64_t old_id, int64_t new_id);
  // Makes everything durable in this revision's files.
  Status commit();

  Catalog& catalog() { return *catalog_; }

 private:
  IndexWriter() = default;
  void update_spelling(const std::string& id_term, const Xapian::Document* replacement);
  std::filesystem::path dir_;
  std::unique_ptr<Xapian::WritableDatabase> db_;
  std::unique_ptr<Catalog> catalog_;
  std::unique_ptr<Transaction> txn_;
};

}  // namespace kb
