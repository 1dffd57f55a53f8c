#include "core/index_writer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/analysis.h"
#include "core/revision.h"
#include "core/schema.h"

namespace kb {
namespace {

constexpr size_t kMinSpellingBytes = 3;
constexpr size_t kMaxSpellingBytes = 40;

void add_boolean(Xapian::Document& doc, std::string_view prefix, std::string_view value) {
  if (!value.empty()) doc.add_boolean_term(schema::boolean_term(prefix, value));
}

bool has_term(const Xapian::Document& doc, std::string_view term) {
  auto it = doc.termlist_begin();
  it.skip_to(std::string(term));
  return it != doc.termlist_end() && *it == term;
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

}  // namespace

Xapian::Document make_document(const Article& a, bool agent_copy) {
  using namespace schema;
  const Metadata& m = a.meta;
  Xapian::Document doc;
  analysis::DocumentAnalyzer analyzer(m.lang);
  analyzer.set_document(doc);
  analyzer.index(m.title, kWdfTitle);
  analyzer.index_prefixed(m.title, kPrefixTitle);
  analyzer.next_field();
  analyzer.index(m.summary, kWdfSummary);
  for (const auto& s : agent_copy ? a.sections_agent : a.sections) {
    analyzer.next_field();
    analyzer.index(s.title, kWdfHeading);
    analyzer.index(s.text, kWdfBody);
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

  std::string tags;
  for (const auto& t : m.tags) {
    if (!tags.empty()) tags += kTagSeparator;
    tags += t;
  }
  doc.add_value(kSlotUpdated, m.updated);
  doc.add_value(kSlotSlug, m.slug);
  doc.add_value(kSlotLang, m.lang);
  doc.add_value(kSlotCategory, m.category);
  doc.add_value(kSlotTags, tags);

  nlohmann::json data = {{"id", a.id},         {"slug", m.slug},         {"path", a.path},
                         {"title", m.title},   {"lang", m.lang},         {"category", m.category},
                         {"updated", m.updated}, {"summary", m.summary},
                         // Staff results say what must not reach a customer.
                         {"internal", !a.is_public() || (agent_copy && a.has_internal_blocks())}};
  doc.set_data(data.dump());
  return doc;
}

Result<std::unique_ptr<IndexWriter>> IndexWriter::open(const std::filesystem::path& dir) {
  try {
    std::filesystem::create_directories(dir);
    std::unique_ptr<IndexWriter> w(new IndexWriter());
    w->dir_ = dir;
    w->db_ = std::make_unique<Xapian::WritableDatabase>(IndexLayout::xapian_path(dir).string(),
                                                         Xapian::DB_CREATE_OR_OPEN | Xapian::DB_BACKEND_GLASS);
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

void IndexWriter::update_spelling(const std::string& id_term, const Xapian::Document* replacement) {
  // Spelling data counts, per word, the public articles that contain it, so a
  // suggestion can never reveal a word that only internal articles or drafts
  // have. The old version's words are taken back before the new one's count.
  auto old = db_->postlist_begin(id_term);
  if (old != db_->postlist_end(id_term)) {
    const Xapian::Document doc = db_->get_document(*old);
    if (has_term(doc, schema::kTermPublic)) {
      for (const auto& w : spelling_words(doc)) db_->remove_spelling(w, 1);
    }
  }
  if (replacement && has_term(*replacement, schema::kTermPublic)) {
    for (const auto& w : spelling_words(*replacement)) db_->add_spelling(w, 1);
  }
}

Status IndexWriter::put(Article& article) {
  try {
    catalog_->put(article);
    const std::string id_term = std::string(schema::kPrefixId) + std::to_string(article.id);
    const Xapian::Document doc = make_document(article);
    update_spelling(id_term, &doc);
    db_->replace_document(id_term, doc);
    // Spelling comes from the public document only.
    const std::string copy_term = std::string(schema::kPrefixAgentCopy) + std::to_string(article.id);
    if (article.has_internal_blocks()) {
      db_->replace_document(copy_term, make_document(article, true));
    } else {
      db_->delete_document(copy_term);
    }
    return Status::ok();
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("indexing {}: {}", article.path, e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("storing {}: {}", article.path, e.what()));
  }
}

Status IndexWriter::remove(int64_t id) {
  try {
    catalog_->remove(id);
    const std::string id_term = std::string(schema::kPrefixId) + std::to_string(id);
    update_spelling(id_term, nullptr);
    db_->delete_document(id_term);
    db_->delete_document(std::string(schema::kPrefixAgentCopy) + std::to_string(id));
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
    db_->commit();
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
