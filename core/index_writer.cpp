#include "core/index_writer.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/document_data.h"
#include "core/lexicon.h"
#include "core/parallel.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/section_map.h"
#include "core/shards.h"

namespace kb {
namespace {

constexpr size_t kMinSpellingBytes = 3;
constexpr size_t kMaxSpellingBytes = 40;
// Fewer articles than this go into the index directly: shards and their
// merge cost more than they save.
constexpr size_t kMinShardedArticles = 200;
// A shard writer commits after this many articles: Xapian holds postings in
// memory until then (its own default is 10,000 documents), and a full index
// holds every parsed article besides.
constexpr size_t kShardCommitArticles = 1000;
// Articles analysed together before their documents are written, when
// updating an index in place.
constexpr size_t kAnalysisBatch = 64;

void add_boolean(Xapian::Document& doc, std::string_view prefix, std::string_view value) {
  if (!value.empty()) doc.add_boolean_term(schema::boolean_term(prefix, value));
}

bool has_term(const Xapian::Document& doc, std::string_view term) {
  auto it = doc.termlist_begin();
  it.skip_to(std::string(term));
  return it != doc.termlist_end() && *it == term;
}

// A published document the public does not see: its words go to the staff
// spelling data.
bool staff_only(const Xapian::Document& doc) {
  return !has_term(doc, schema::kTermPublic) && has_term(doc, schema::kTermStaff) &&
         has_term(doc, schema::kTermPublished);
}

// Words worth suggesting: letters first, a sensible length, not CJK n-grams.
std::vector<std::string> spelling_words(const Xapian::Document& doc) {
  std::vector<std::string> out;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) {
    const std::string t = *it;
    if (t.size() < kMinSpellingBytes || t.size() > kMaxSpellingBytes) continue;
    const auto c = static_cast<unsigned char>(t[0]);
    if (!((c >= 'a' && c <= 'z') || (c >= 0xC3 && c <= 0xC9))) continue;  // Latin, with or without diacritics
    out.push_back(t);
  }
  return out;
}

// A spelling word (spelling_words) with diacritics, recorded under its
// folded form in Xapian's synonym table (schema.h) for queries typed
// without them. Keys are plain ASCII: what such a query's words are.
void add_accented(Xapian::WritableDatabase& db, const std::string& word) {
  const std::string folded = analysis::Lexicon::shared().fold(word);
  const bool ascii =
      std::all_of(folded.begin(), folded.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (folded == word || !ascii) return;
  db.add_synonym(std::string(schema::kPrefixFolded) + folded, word);
}

}  // namespace

Xapian::Document make_document(const Article& a, bool agent_copy) {
  using namespace schema;
  const Metadata& m = a.meta;
  Xapian::Document doc;
  analysis::DocumentAnalyzer analyzer(m.lang);
  analyzer.set_document(doc);
  analyzer.index(m.title, kWdfTitle);
  analyzer.index_prefixed(m.title, kPrefixTitle);
  analyzer.start_field(1);
  analyzer.index(m.summary, kWdfSummary);
  const auto& sections = agent_copy ? a.sections_agent : a.sections;
  for (size_t k = 0; k < sections.size(); ++k) {
    analyzer.start_field(section_position(k, true));
    analyzer.index(sections[k].title, kWdfHeading);
    analyzer.start_field(section_position(k, false));
    analyzer.index(sections[k].text, kWdfBody);
  }
  analyzer.finish();

  add_boolean(doc, agent_copy ? kPrefixAgentCopy : kPrefixId, std::to_string(a.id));
  add_boolean(doc, kPrefixLang, m.lang);
  add_boolean(doc, kPrefixCategory, m.category);
  for (const auto& t : m.tags) add_boolean(doc, kPrefixTag, t);
  add_boolean(doc, kPrefixAudience, to_string(m.audience));
  if (m.draft) doc.add_boolean_term(std::string(kTermDraft));
  if (a.is_public() && !agent_copy) doc.add_boolean_term(std::string(kTermPublic));
  if (agent_copy || !a.has_internal_blocks()) doc.add_boolean_term(std::string(kTermStaff));
  if (!m.draft) doc.add_boolean_term(std::string(kTermPublished));

  std::string facets = m.lang + kFacetSeparator + m.category;
  for (const auto& t : m.tags) facets += kFacetSeparator + t;
  doc.add_value(kSlotUpdated, m.updated);
  doc.add_value(kSlotSlug, m.slug);
  doc.add_value(kSlotFacets, facets);
  // One section: it is the best one whatever matched (no map needed).
  if (sections.size() > 1) doc.add_value(kSlotSections, encode_section_map(analyzer.section_fields()));

  doc.add_value(kSlotHit, encode_document_data({a.id, m.slug, a.path, m.title, m.lang, m.category, m.updated,
                                     // Staff results say what must not reach a customer.
                                     !a.is_public() || (agent_copy && a.has_internal_blocks())}));
  return doc;
}

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::filesystem::path& dir) {
  try {
    std::filesystem::create_directories(dir);
    std::unique_ptr<IndexWriter> w(new IndexWriter());
    w->dir_ = dir;
    w->fresh_ = !std::filesystem::exists(IndexLayout::xapian_path(dir));
    w->catalog_ = std::make_unique<Catalog>(IndexLayout::catalog_path(dir).string(), SqliteDb::Mode::kReadWrite);
    w->catalog_->db().exec("PRAGMA journal_mode = DELETE; PRAGMA synchronous = FULL");
    w->catalog_->create_schema();
    w->txn_ = std::make_unique<Transaction>(w->catalog_->db());
    return w;
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("opening index in {}: {}", dir.string(), e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("opening index in {}: {}", dir.string(), e.what()));
  }
}

IndexWriter::~IndexWriter() = default;

Xapian::WritableDatabase& IndexWriter::db() {
  if (!db_) {
    db_ = std::make_unique<Xapian::WritableDatabase>(IndexLayout::xapian_path(dir_).string(),
                                                     Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
    fresh_ = false;
  }
  return *db_;
}

Xapian::WritableDatabase* IndexWriter::shard_spelling_db() {
  if (!shard_spelling_db_ && !fresh_ && std::filesystem::exists(IndexLayout::spelling_path(dir_))) {
    shard_spelling_db_ = std::make_unique<Xapian::WritableDatabase>(IndexLayout::spelling_path(dir_).string(),
                                                                    Xapian::DB_OPEN);
  }
  return shard_spelling_db_.get();
}

Xapian::WritableDatabase& IndexWriter::staff_db() {
  if (!staff_db_) {
    staff_db_ = std::make_unique<Xapian::WritableDatabase>(IndexLayout::staff_spelling_path(dir_).string(),
                                                           Xapian::DB_CREATE_OR_OPEN);
  }
  return *staff_db_;
}

void IndexWriter::update_spelling(const std::string& id_term, const Xapian::Document* replacement) {
  // Spelling data counts, per word, the public articles that contain it, so a
  // suggestion can never reveal a word that only internal articles or drafts
  // have; the staff spelling data counts the published documents only staff
  // see (internal articles, agents' copies with internal blocks). The old
  // version's words are taken back before the new one's count.
  // The split index's copy of the public spelling data (core/shards.h)
  // changes with it.
  Xapian::WritableDatabase& xdb = db();
  Xapian::WritableDatabase* copy = shard_spelling_db();
  changed_terms_.insert(id_term);
  auto old = xdb.postlist_begin(id_term);
  if (old != xdb.postlist_end(id_term)) {
    const Xapian::Document doc = xdb.get_document(*old);
    if (has_term(doc, schema::kTermPublic)) {
      for (const auto& w : spelling_words(doc)) {
        xdb.remove_spelling(w, 1);
        if (copy) copy->remove_spelling(w, 1);
      }
    } else if (staff_only(doc)) {
      for (const auto& w : spelling_words(doc)) staff_db().remove_spelling(w, 1);
    }
  }
  if (replacement && has_term(*replacement, schema::kTermPublic)) {
    for (const auto& w : spelling_words(*replacement)) {
      for (Xapian::WritableDatabase* target : {&xdb, copy}) {
        if (!target) continue;
        target->add_spelling(w, 1);
        add_accented(*target, w);  // never taken back: a stale word matches nothing
      }
    }
  } else if (replacement && staff_only(*replacement)) {
    for (const auto& w : spelling_words(*replacement)) staff_db().add_spelling(w, 1);
  }
}

bool IndexWriter::store(Article& article, size_t index, const std::function<void(size_t, const Status&)>& failed) {
  try {
    catalog_->put(article);
    return true;
  } catch (const std::exception& e) {
    article.id = 0;
    failed(index, Status::error(fmt::format("storing {}: {}", article.path, e.what())));
    return false;
  }
}

Status IndexWriter::put(std::vector<Article>& articles, size_t threads,
                        const std::function<void(size_t, const Status&)>& failed,
                        const std::function<void(size_t, size_t)>& progress) {
  threads = std::max<size_t>(threads, 1);
  try {
    catalog_->train_section_dictionary(articles);
    if (shards_ || (fresh_ && threads > 1 && articles.size() >= kMinShardedArticles)) {
      put_sharded(articles, threads, failed, progress);
    } else {
      put_in_place(articles, threads, failed, progress);
    }
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("indexing: {}", e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("indexing: {}", e.what()));
  }
}

// Updates the revision's index document by document (an article's old
// version is replaced, its spelling data taken back), analysing a batch of
// articles in parallel before writing it: Xapian's writer takes one thread.
void IndexWriter::put_in_place(std::vector<Article>& articles, size_t threads,
                               const std::function<void(size_t, const Status&)>& failed,
                               const std::function<void(size_t, size_t)>& progress) {
  Xapian::WritableDatabase& xdb = db();
  struct Documents {
    Xapian::Document doc, agent_copy;
  };
  std::vector<Documents> batch;
  for (size_t begin = 0; begin < articles.size(); begin += kAnalysisBatch) {
    const size_t end = std::min(articles.size(), begin + kAnalysisBatch);
    for (size_t i = begin; i < end; ++i) store(articles[i], i, failed);
    batch.assign(end - begin, {});
    parallel_for(end - begin, threads, [&](size_t k) {
      const Article& a = articles[begin + k];
      if (a.id == 0) return;
      batch[k].doc = make_document(a);
      if (a.has_internal_blocks()) batch[k].agent_copy = make_document(a, true);
    });
    for (size_t i = begin; i < end; ++i) {
      const Article& a = articles[i];
      if (a.id == 0) continue;
      Documents& d = batch[i - begin];
      const std::string id_term = std::string(schema::kPrefixId) + std::to_string(a.id);
      update_spelling(id_term, &d.doc);
      xdb.replace_document(id_term, d.doc);
      const std::string copy_term = std::string(schema::kPrefixAgentCopy) + std::to_string(a.id);
      if (a.has_internal_blocks()) {
        update_spelling(copy_term, &d.agent_copy);
        xdb.replace_document(copy_term, d.agent_copy);
      } else {
        update_spelling(copy_term, nullptr);
        xdb.delete_document(copy_term);
      }
      if (progress) progress(i + 1, articles.size());
    }
  }
}

// A new index from scratch: this thread stores the articles in the catalog
// (one SQLite connection) while `threads` workers analyse the stored ones,
// each into a Xapian database of its own; commit() has Xapian's compactor
// merge them into the revision's index. The time goes to Xapian's in-memory
// inverter, which does not scale with threads inside one database but does
// across databases. The shards stay open between calls, so a caller may put
// a large help center a batch at a time.
struct IndexWriter::Shards {
  std::filesystem::path dir;
  std::vector<std::unique_ptr<Xapian::WritableDatabase>> dbs;  // one per worker
  std::vector<size_t> added;                                   // articles per shard since it was opened
  // Per worker: public articles containing each word.
  std::vector<std::unordered_map<std::string, Xapian::termcount>> spellings;
  std::vector<std::unordered_map<std::string, Xapian::termcount>> staff_spellings;  // staff_only documents' words
};

// Runs fn(t) on `threads` threads at once; the first exception is rethrown
// once all have stopped, `stop` (under `mu`, `cv` notified) set for the
// others to see.
template <typename Fn>
void run_workers(size_t threads, std::mutex& mu, std::condition_variable& cv, bool& stop, Fn&& fn) {
  std::exception_ptr error;
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        fn(t);
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
        stop = true;
        cv.notify_all();
      }
    });
  }
  for (auto& w : workers) w.join();
  if (error) std::rethrow_exception(error);
}

void IndexWriter::put_sharded(std::vector<Article>& articles, size_t threads,
                              const std::function<void(size_t, const Status&)>& failed,
                              const std::function<void(size_t, size_t)>& progress) {
  if (!shards_) {
    shards_ = std::make_unique<Shards>();
    shards_->dir = dir_ / "xapian-shards";
    std::filesystem::remove_all(shards_->dir);
    std::filesystem::create_directories(shards_->dir);
    for (size_t t = 0; t < threads; ++t) {
      // A shard lives until the compactor has merged it: nothing to fsync.
      shards_->dbs.push_back(std::make_unique<Xapian::WritableDatabase>(
          (shards_->dir / std::to_string(t)).string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS | Xapian::DB_NO_SYNC));
    }
    shards_->added.assign(threads, 0);
    shards_->spellings.resize(threads);
    shards_->staff_spellings.resize(threads);
  }
  Shards& sh = *shards_;
  std::mutex mu;  // guards stored, stop and done
  std::condition_variable cv;
  size_t stored = 0;
  bool stop = false;
  std::atomic<size_t> next{0};
  size_t done = 0;
  std::thread storer([&] {
    for (size_t i = 0; i < articles.size(); ++i) {
      store(articles[i], i, failed);
      std::lock_guard lock(mu);
      if (stop) break;
      stored = i + 1;
      cv.notify_all();
    }
  });
  try {
    run_workers(sh.dbs.size(), mu, cv, stop, [&](size_t t) {
      Xapian::WritableDatabase& shard = *sh.dbs[t];
      for (size_t i; (i = next.fetch_add(1)) < articles.size();) {
        {
          std::unique_lock lock(mu);
          cv.wait(lock, [&] { return stored > i || stop; });
          if (stop) return;
        }
        const Article& a = articles[i];
        if (a.id == 0) continue;
        const Xapian::Document doc = make_document(a);
        if (has_term(doc, schema::kTermPublic)) {
          for (auto& w : spelling_words(doc)) ++sh.spellings[t][std::move(w)];
        } else if (staff_only(doc)) {
          for (auto& w : spelling_words(doc)) ++sh.staff_spellings[t][std::move(w)];
        }
        shard.add_document(doc);
        if (a.has_internal_blocks()) {
          const Xapian::Document copy = make_document(a, true);
          if (staff_only(copy)) {
            for (auto& w : spelling_words(copy)) ++sh.staff_spellings[t][std::move(w)];
          }
          shard.add_document(copy);
        }
        // Xapian keeps a shard's postings in memory until a commit.
        if (++sh.added[t] % kShardCommitArticles == 0) shard.commit();
        if (progress) {
          std::lock_guard lock(mu);
          progress(++done, articles.size());
        }
      }
    });
  } catch (...) {
    {
      std::lock_guard lock(mu);
      stop = true;
    }
    storer.join();
    throw;
  }
  storer.join();
}

// Spelling data, once every article is in: each word goes to one shard (by
// its hash) with its count over all of them, so Xapian builds each word's
// spelling fragments once, on every worker in parallel; a word with
// diacritics also goes into that shard's synonym table under its folded
// form. Then the compactor merges the shards into the revision's index (and
// unites one key's words from several shards).
void IndexWriter::merge_shards() {
  Shards& sh = *shards_;
  const size_t threads = sh.dbs.size();
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  run_workers(threads, mu, cv, stop, [&](size_t t) {
    const std::hash<std::string> hash;
    std::unordered_map<std::string, Xapian::termcount> mine;  // this shard's words, counts summed
    for (const auto& counts : sh.spellings) {
      for (const auto& [word, n] : counts) {
        if (hash(word) % threads == t) mine[word] += n;
      }
    }
    for (const auto& [word, n] : mine) {
      sh.dbs[t]->add_spelling(word, n);
      add_accented(*sh.dbs[t], word);
    }
    sh.dbs[t]->commit();
  });
  sh.spellings.clear();
  // The staff's words: few next to the public's, added here in one go.
  std::map<std::string, Xapian::termcount> staff;
  for (const auto& counts : sh.staff_spellings) {
    for (const auto& [word, n] : counts) staff[word] += n;
  }
  sh.staff_spellings.clear();
  for (const auto& [word, n] : staff) staff_db().add_spelling(word, n);
  Xapian::Database all;
  for (auto& db : sh.dbs) {
    db->close();
    db.reset();
  }
  for (size_t t = 0; t < threads; ++t) all.add_database(Xapian::Database((sh.dir / std::to_string(t)).string()));
  all.compact(IndexLayout::xapian_path(dir_).string(), Xapian::DBCOMPACT_MULTIPASS);
  all.close();
  std::filesystem::remove_all(sh.dir);
  shards_.reset();
  fresh_ = false;
}

Status IndexWriter::remove(int64_t id) {
  try {
    catalog_->remove(id);
    const std::string id_term = std::string(schema::kPrefixId) + std::to_string(id);
    const std::string copy_term = std::string(schema::kPrefixAgentCopy) + std::to_string(id);
    update_spelling(id_term, nullptr);
    update_spelling(copy_term, nullptr);
    db().delete_document(id_term);
    db().delete_document(copy_term);
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("removing article {}: {}", id, e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("removing article {}: {}", id, e.what()));
  }
}

Status IndexWriter::rename(const std::string& old_slug, int64_t old_id, int64_t new_id) {
  try {
    catalog_->add_rename(old_slug, old_id, new_id);
    return Status::ok();
  } catch (const std::exception& e) {
    return Status::error(fmt::format("recording the rename of '{}': {}", old_slug, e.what()));
  }
}

Status IndexWriter::commit() {
  try {
    catalog_->prune_redirects();
    // Images no article shows any more (removed or replaced) go.
    const auto shown = catalog_->media_names();
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(dir_ / "media", ec)) {
      if (!shown.count(f.path().filename().string())) std::filesystem::remove(f.path(), ec);
    }
    if (shards_) merge_shards();
    db().commit();
    // The split of the index as committed: the number asked for, else the
    // number the revision was copied with.
    const std::string meta(schema::kMetaShards);
    const auto had = ShardSet::parse(catalog_->get_meta(meta).value_or(""));
    if (shard_spelling_db_) {
      shard_spelling_db_->commit();
      shard_spelling_db_->close();
    }
    // A revision copied from a split one holds its shards: only the
    // documents changed go to them.
    const size_t had_count = had && std::filesystem::exists(IndexLayout::spelling_path(dir_)) &&
                                     std::filesystem::exists(IndexLayout::shard_path(dir_, had->count - 1))
                                 ? had->count
                                 : 0;
    auto split = write_shards(dir_, shard_count_.value_or(had ? had->count : 0), shard_threads_,
                              had_count ? &changed_terms_ : nullptr, had_count);
    if (!split) return split.status();
    if (had || split.value()) catalog_->set_meta(meta, split.value() ? split.value()->serialise() : "");
    if (staff_db_) {
      staff_db_->commit();
      staff_db_->close();
    }
    txn_->commit();
    db_->close();
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("committing index: {}", e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("committing catalog: {}", e.what()));
  }
}

}  // namespace kb
