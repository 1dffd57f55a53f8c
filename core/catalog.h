// The SQLite catalog (catalog.db) of one index revision: one row per article
// with its metadata, rendered HTML, sections and content hash. The catalog is
// derived data: when its schema version differs from schema::kSchemaVersion,
// kb-index rebuilds it rather than migrating in place.
//
// Methods throw SqliteError; the indexer and searcher catch it at their
// boundary. Not thread-safe: one Catalog per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/article.h"
#include "core/compress.h"
#include "core/sqlite_db.h"

namespace kb {

// What the indexer needs to know about an already indexed file.
struct CatalogEntry {
  int64_t id = 0;
  std::string path;
  std::string slug;
  std::string content_hash;
  std::vector<std::string> aliases;
};

// The public face of an article for listings (no HTML, no section text).
struct ArticleSummary {
  int64_t id = 0;
  std::string slug;
  std::string path;
  std::string title;
  std::string lang;
  std::string category;
  std::string summary;
  std::string updated;
  std::string translation_of;
  bool is_public = true;
  bool draft = false;
};

// A heading of an article (its section's title and anchor), without text.
struct Heading {
  int64_t article_id = 0;
  int level = 0;
  std::string title;
  std::string anchor;
  bool internal = false;  // inside an `::: internal` block: for agents only
};

// What a caller may see: the public sees public, published articles; support
// agents also internal ones; writers also drafts.
enum class Visibility { kPublic, kAgent, kWriter };

inline bool visible_to(Visibility v, bool is_public, bool is_draft) {
  return v == Visibility::kWriter || (v == Visibility::kAgent ? !is_draft : is_public);
}

class Catalog {
 public:
  static constexpr const char* kFileName = "catalog.db";

  Catalog(const std::string& path, SqliteDb::Mode mode);

  // Creates the tables when missing (read-write catalogs only).
  void create_schema();
  int schema_version();

  std::vector<CatalogEntry> entries();
  // The images of every article, by article id.
  std::map<int64_t, std::vector<MediaFile>> media();
  // Whether an image (by served name) belongs to an article the caller may see.
  bool media_visible(const std::string& name, Visibility visibility);
  // Every served image name still shown by some article.
  std::set<std::string> media_names();
  // Inserts or updates by path; sets article.id.
  void put(Article& article);
  // Leaves the article's redirects for prune_redirects(), so that a renamed
  // article's can follow it (add_rename).
  void remove(int64_t id);
  // The article `old_id` (slug `old_slug`) lives on as `new_id` (the same id
  // when only its slug changed): its old slug and its older redirects lead there.
  void add_rename(const std::string& old_slug, int64_t old_id, int64_t new_id);
  // Drops redirects to removed articles and from slugs that are live again.
  void prune_redirects();
  // The current slug of the article an old slug or alias leads to, when the
  // visitor may see it.
  std::optional<std::string> redirect(const std::string& slug, Visibility visibility);

  std::optional<Article> find_by_slug(const std::string& slug, Visibility visibility);
  // Section k of an article (for a result's snippet), without its Markdown;
  // nullopt when there is no such article or section. Agents and writers
  // get the sections with internal blocks' text.
  std::optional<Section> section(int64_t id, size_t k, Visibility visibility);
  // Every visible article, ordered by category then title.
  std::vector<ArticleSummary> list(Visibility visibility);
  // Every heading of every article (visible or not), in article order.
  std::vector<Heading> headings();
  // Articles sharing a translation key with `article` (its translations).
  std::vector<ArticleSummary> translations_of(const Article& article, Visibility visibility);
  // Distinct languages of all articles, sorted.
  std::vector<std::string> languages();

  std::optional<std::string> get_meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);

  SqliteDb& db() { return db_; }

  // Trains the zstd dictionary the sections are compressed with on
  // `articles` (the first batch of a new catalog) and stores it; a catalog
  // that already has sections keeps what it has. Whether the catalog now
  // has a dictionary (a small help center has too little text to train on).
  bool train_section_dictionary(const std::vector<Article>& articles);

 private:
  // About a hundred times the dictionary's size is what zstd wants to train on.
  static constexpr size_t kDictionaryBytes = 112 << 10;
  static constexpr size_t kDictionarySampleBytes = 100 * kDictionaryBytes;
  const CompressionDictionary* section_dictionary();

  SqliteDb db_;
  std::unique_ptr<CompressionDictionary> section_dictionary_;
  bool dictionary_loaded_ = false;
};

}  // namespace kb
