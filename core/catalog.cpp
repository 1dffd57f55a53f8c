#include "core/catalog.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/compress.h"
#include "core/schema.h"
#include "core/text.h"

namespace kb {
namespace {

using nlohmann::json;

constexpr const char* kArticleColumns =
    "id, path, slug, title, lang, category, tags, summary, audience, draft, updated, verified, expires, "
    "aliases, translation_of, extra, html, (SELECT data FROM sections WHERE article_id = articles.id), content_hash, "
    "html_agent, (SELECT agent_data FROM sections WHERE article_id = articles.id)";

// Sections are read for every search hit (to pick the section that answers),
// so they are stored in a form that costs a copy to read, not a parse: five
// length-prefixed fields per section (text.h). Each section is a zstd frame
// of its own (with the catalog's dictionary, when it has one), the frames
// length-prefixed one after the other: a hit's snippet inflates its one
// section, not the whole article with its Markdown (bench/RESULTS.md, "Cold
// search, fourth slice").
std::string encode_section(const Section& s) {
  std::string out;
  out.reserve(s.title.size() + s.anchor.size() + s.text.size() + s.markdown.size() + 32);
  put_length_prefixed(out, s.title);
  put_length_prefixed(out, s.anchor);
  put_length_prefixed(out, std::to_string(s.level));
  put_length_prefixed(out, s.text);
  put_length_prefixed(out, s.markdown);
  return out;
}

std::optional<Section> decode_section(std::string_view data) {
  size_t pos = 0;
  std::optional<std::string_view> f[5];
  for (auto& field : f) {
    field = get_length_prefixed(data, pos);
    if (!field) return std::nullopt;
  }
  return Section{std::string(*f[0]), std::string(*f[1]), std::atoi(std::string(*f[2]).c_str()), std::string(*f[3]),
                 std::string(*f[4])};
}

std::string encode_sections(const std::vector<Section>& sections, const CompressionDictionary* dictionary) {
  std::string out;
  for (const auto& s : sections) put_length_prefixed(out, compress(encode_section(s), dictionary));
  return out;
}

// Section k of a value encode_sections() wrote (nullopt past the last), or
// every section when k is npos. Throws on damage, as decompress() does.
std::vector<Section> decode_sections(std::string_view data, const CompressionDictionary* dictionary,
                                     size_t k = std::string::npos) {
  std::vector<Section> out;
  size_t pos = 0;
  for (size_t i = 0; pos < data.size(); ++i) {
    const auto frame = get_length_prefixed(data, pos);
    if (!frame) throw std::runtime_error("damaged catalog value: sections cut short");
    if (k != std::string::npos && i != k) continue;
    auto section = decode_section(decompress(*frame, dictionary));
    if (!section) throw std::runtime_error("damaged catalog value: a section's fields cut short");
    out.push_back(std::move(*section));
    if (i == k) break;
  }
  return out;
}

std::vector<std::string> strings_from_json(const std::string& text) {
  std::vector<std::string> out;
  json arr = json::parse(text, nullptr, false);
  if (!arr.is_array()) return out;
  for (const auto& s : arr) {
    if (s.is_string()) out.push_back(s.get<std::string>());
  }
  return out;
}

Article article_from_row(const Statement& st, const CompressionDictionary* dictionary) {
  Article a;
  a.id = st.integer(0);
  a.path = st.text(1);
  a.meta.slug = st.text(2);
  a.meta.title = st.text(3);
  a.meta.lang = st.text(4);
  a.meta.category = st.text(5);
  a.meta.tags = strings_from_json(st.text(6));
  a.meta.summary = st.text(7);
  a.meta.audience = st.text(8) == "internal" ? Audience::kInternal : Audience::kPublic;
  a.meta.draft = st.integer(9) != 0;
  a.meta.updated = st.text(10);
  a.meta.verified = st.text(11);
  a.meta.expires = st.text(12);
  a.meta.aliases = strings_from_json(st.text(13));
  a.meta.translation_of = st.text(14);
  a.meta.extra = json::parse(st.text(15), nullptr, false);
  if (a.meta.extra.is_discarded()) a.meta.extra = json::object();
  a.html = decompress(st.bytes(16));
  a.sections = decode_sections(st.bytes(17), dictionary);
  a.content_hash = st.text(18);
  a.html_agent = decompress(st.bytes(19));
  if (a.has_internal_blocks()) a.sections_agent = decode_sections(st.bytes(20), dictionary);
  return a;
}

// SQL condition for what a visibility may see.
const char* visible_clause(Visibility v) {
  switch (v) {
    case Visibility::kWriter:
      return "1";
    case Visibility::kAgent:
      return "draft = 0";
    case Visibility::kPublic:
      break;
  }
  return "audience = 'public' AND draft = 0";
}

ArticleSummary summary_from_row(const Statement& st) {
  ArticleSummary s;
  s.id = st.integer(0);
  s.slug = st.text(1);
  s.path = st.text(2);
  s.title = st.text(3);
  s.lang = st.text(4);
  s.category = st.text(5);
  s.summary = st.text(6);
  s.updated = st.text(7);
  s.translation_of = st.text(8);
  s.is_public = st.integer(9) != 0;
  s.draft = st.integer(10) != 0;
  return s;
}

constexpr const char* kSummaryColumns =
    "id, slug, path, title, lang, category, summary, updated, translation_of, "
    "(audience = 'public' AND draft = 0), draft";

}  // namespace

Catalog::Catalog(const std::string& path, SqliteDb::Mode mode) : db_(path, mode) {
  // Readers do not map the file (SQLite's default, made explicit): kb-server
  // keeps a catalog connection per pooled Searcher, and each mapping of the
  // same file counts again in the process's RSS, which the OOM killer and
  // monitoring read. With a 1 GiB mmap_size, d365 under 32 connections
  // showed 5.2 GB VmRSS (5.06 GB of it the catalog, mapped ~30 times) for a
  // Pss of 300 MB; without, 215 MB VmRSS, the same requests/s within noise
  // and 1-4% slower in process (bench/RESULTS.md, "Memory").
  if (mode != SqliteDb::Mode::kReadWrite) db_.exec("PRAGMA mmap_size = 0");
}

void Catalog::create_schema() {
  db_.exec(R"sql(
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS articles (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      path TEXT NOT NULL UNIQUE,
      slug TEXT NOT NULL UNIQUE,
      content_hash TEXT NOT NULL,
      title TEXT NOT NULL,
      lang TEXT NOT NULL,
      category TEXT NOT NULL DEFAULT '',
      tags TEXT NOT NULL DEFAULT '[]',
      summary TEXT NOT NULL DEFAULT '',
      audience TEXT NOT NULL CHECK (audience IN ('public', 'internal')),
      draft INTEGER NOT NULL DEFAULT 0,
      updated TEXT NOT NULL DEFAULT '',
      verified TEXT NOT NULL DEFAULT '',
      expires TEXT NOT NULL DEFAULT '',
      aliases TEXT NOT NULL DEFAULT '[]',
      translation_of TEXT NOT NULL DEFAULT '',
      extra TEXT NOT NULL DEFAULT '{}',
      -- Large columns last: SQLite walks a row's overflow pages to reach the
      -- columns after them.
      html BLOB NOT NULL,  -- compressed (compress.h), as are the sections
      html_agent BLOB NOT NULL DEFAULT X''  -- with internal blocks: the agents' HTML
    );
    -- Section text (JSON) apart from the article row, read for every result.
    CREATE TABLE IF NOT EXISTS sections (
      article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
      data BLOB NOT NULL,  -- the sections, as encode_sections() writes them: a zstd frame each
      agent_data BLOB NOT NULL DEFAULT X''  -- with internal blocks: the agents' sections
    );
    -- Headings alone (no text), for suggestions as the visitor types.
    CREATE TABLE IF NOT EXISTS headings (
      article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      level INTEGER NOT NULL,
      title TEXT NOT NULL,
      anchor TEXT NOT NULL,
      internal INTEGER NOT NULL DEFAULT 0  -- inside an internal block: agents only
    );
    CREATE INDEX IF NOT EXISTS headings_article ON headings(article_id);
    -- Old addresses of articles: front matter aliases and the slugs of
    -- renamed articles, answered with a 301 to the article's current slug.
    CREATE TABLE IF NOT EXISTS redirects (
      from_slug TEXT PRIMARY KEY,
      article_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('alias', 'renamed'))
    );
    CREATE INDEX IF NOT EXISTS redirects_article ON redirects(article_id);
    -- Local images each article shows, as they were when it was indexed: a
    -- changed image re-renders the article (its served name changes).
    CREATE TABLE IF NOT EXISTS media (
      article_id INTEGER NOT NULL,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ns INTEGER NOT NULL,
      hash TEXT NOT NULL,
      name TEXT NOT NULL,  -- served as /media/<name>; '' when not published
      internal INTEGER NOT NULL DEFAULT 0  -- only inside internal blocks: staff only
    );
    CREATE INDEX IF NOT EXISTS media_article ON media(article_id);
    CREATE INDEX IF NOT EXISTS media_name ON media(name);
    CREATE INDEX IF NOT EXISTS articles_translation ON articles(translation_of);
    -- zstd dictionaries trained on the help center (compress.h), by what
    -- they compress: 'sections'.
    CREATE TABLE IF NOT EXISTS dictionaries (name TEXT PRIMARY KEY, data BLOB NOT NULL);
  )sql");
  if (!get_meta("schema_version")) set_meta("schema_version", std::to_string(schema::kSchemaVersion));
}

int Catalog::schema_version() {
  auto v = get_meta("schema_version");
  return v ? std::atoi(v->c_str()) : 0;
}

std::vector<CatalogEntry> Catalog::entries() {
  std::vector<CatalogEntry> out;
  auto st = db_.prepare("SELECT id, path, slug, content_hash, aliases FROM articles ORDER BY path");
  while (st.step()) {
    out.push_back({st.integer(0), st.text(1), st.text(2), st.text(3), strings_from_json(st.text(4))});
  }
  return out;
}

void Catalog::put(Article& a) {
  const Metadata& m = a.meta;
  auto& st = db_.cached(
      "INSERT INTO articles (path, slug, title, lang, category, tags, summary, audience, draft, updated, verified, "
      "expires, aliases, translation_of, extra, html, content_hash, html_agent) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?19) "
      "ON CONFLICT(path) DO UPDATE SET slug = ?2, title = ?3, lang = ?4, category = ?5, tags = ?6, summary = ?7, "
      "audience = ?8, draft = ?9, updated = ?10, verified = ?11, expires = ?12, aliases = ?13, "
      "translation_of = ?14, extra = ?15, html = ?16, content_hash = ?18, html_agent = ?19 "
      "RETURNING id");
  st.bind(1, a.path).bind(2, m.slug).bind(3, m.title).bind(4, m.lang).bind(5, m.category);
  st.bind(6, json(m.tags).dump()).bind(7, m.summary).bind(8, to_string(m.audience));
  st.bind(9, int64_t{m.draft ? 1 : 0}).bind(10, m.updated).bind(11, m.verified).bind(12, m.expires);
  st.bind(13, json(m.aliases).dump()).bind(14, m.translation_of).bind(15, m.extra.dump());
  st.bind_blob(16, compress(a.html)).bind(18, a.content_hash).bind_blob(19, compress(a.html_agent));
  if (!st.step()) throw SqliteError("upsert returned no id for " + a.path);
  a.id = st.integer(0);
  st.reset();
  db_.cached(
         "INSERT INTO sections (article_id, data, agent_data) VALUES (?1, ?2, ?3) "
         "ON CONFLICT(article_id) DO UPDATE SET data = ?2, agent_data = ?3")
      .bind(1, a.id)
      .bind_blob(2, encode_sections(a.sections, section_dictionary()))
      .bind_blob(3, a.has_internal_blocks() ? encode_sections(a.sections_agent, section_dictionary()) : std::string())
      .run();
  // Aliases: a live article's slug always wins over an alias.
  db_.cached("DELETE FROM redirects WHERE from_slug = ?1").bind(1, m.slug).run();
  db_.cached("DELETE FROM redirects WHERE article_id = ?1 AND kind = 'alias'").bind(1, a.id).run();
  auto& alias = db_.cached(
      "INSERT OR REPLACE INTO redirects (from_slug, article_id, kind) SELECT ?1, ?2, 'alias' "
      "WHERE NOT EXISTS (SELECT 1 FROM articles WHERE slug = ?1)");
  for (const auto& from : m.aliases) alias.bind(1, from).bind(2, a.id).run();
  db_.cached("DELETE FROM media WHERE article_id = ?1").bind(1, a.id).run();
  auto& media = db_.cached(
      "INSERT INTO media (article_id, path, size, mtime_ns, hash, name, internal) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  for (const auto& f : a.media) {
    media.bind(1, a.id).bind(2, f.path).bind(3, static_cast<int64_t>(f.size)).bind(4, f.mtime_ns).bind(5, f.hash);
    media.bind(6, f.hash.empty() ? std::string() : f.served_name()).bind(7, int64_t{f.internal ? 1 : 0}).run();
  }
  db_.cached("DELETE FROM headings WHERE article_id = ?1").bind(1, a.id).run();
  auto& heading = db_.cached(
      "INSERT INTO headings (article_id, level, title, anchor, internal) VALUES (?1, ?2, ?3, ?4, ?5)");
  std::set<std::pair<std::string, std::string>> public_headings;
  for (const auto& s : a.sections) {
    if (s.level == 0 || s.title.empty()) continue;
    public_headings.emplace(s.title, s.anchor);
    heading.bind(1, a.id).bind(2, int64_t{s.level}).bind(3, s.title).bind(4, s.anchor).bind(5, int64_t{0}).run();
  }
  for (const auto& s : a.sections_agent) {  // headings inside internal blocks
    if (s.level == 0 || s.title.empty() || public_headings.count({s.title, s.anchor})) continue;
    heading.bind(1, a.id).bind(2, int64_t{s.level}).bind(3, s.title).bind(4, s.anchor).bind(5, int64_t{1}).run();
  }
}

std::map<int64_t, std::vector<MediaFile>> Catalog::media() {
  std::map<int64_t, std::vector<MediaFile>> out;
  auto st = db_.prepare("SELECT article_id, path, size, mtime_ns, hash FROM media ORDER BY article_id, rowid");
  while (st.step()) {
    out[st.integer(0)].push_back(
        {st.text(1), static_cast<uintmax_t>(st.integer(2)), st.integer(3), st.text(4)});
  }
  return out;
}

bool Catalog::media_visible(const std::string& name, Visibility visibility) {
  auto st = db_.prepare(fmt::format(
      "SELECT 1 FROM media m JOIN articles ON articles.id = m.article_id WHERE m.name = ?1 AND ({}){} LIMIT 1",
      visible_clause(visibility), visibility == Visibility::kPublic ? " AND m.internal = 0" : ""));
  st.bind(1, name);
  return st.step();
}

std::set<std::string> Catalog::media_names() {
  std::set<std::string> out;
  auto st = db_.prepare("SELECT DISTINCT name FROM media WHERE name != ''");
  while (st.step()) out.insert(st.text(0));
  return out;
}

void Catalog::remove(int64_t id) {
  db_.prepare("DELETE FROM media WHERE article_id = ?1").bind(1, id).run();
  db_.prepare("DELETE FROM headings WHERE article_id = ?1").bind(1, id).run();
  db_.prepare("DELETE FROM sections WHERE article_id = ?1").bind(1, id).run();
  db_.prepare("DELETE FROM articles WHERE id = ?1").bind(1, id).run();
}

void Catalog::add_rename(const std::string& old_slug, int64_t old_id, int64_t new_id) {
  // Older addresses of a moved article follow it, its old aliases included
  // (kept as renames: the new front matter no longer lists them).
  if (old_id != new_id) {
    db_.prepare("UPDATE redirects SET article_id = ?2, kind = 'renamed' WHERE article_id = ?1")
        .bind(1, old_id)
        .bind(2, new_id)
        .run();
  }
  db_.prepare(
         "INSERT OR REPLACE INTO redirects (from_slug, article_id, kind) SELECT ?1, ?2, 'renamed' "
         "WHERE NOT EXISTS (SELECT 1 FROM articles WHERE slug = ?1)")
      .bind(1, old_slug)
      .bind(2, new_id)
      .run();
}

void Catalog::prune_redirects() {
  db_.exec(
      "DELETE FROM redirects WHERE article_id NOT IN (SELECT id FROM articles) "
      "OR from_slug IN (SELECT slug FROM articles)");
}

std::optional<std::string> Catalog::redirect(const std::string& slug, Visibility visibility) {
  auto st = db_.prepare(fmt::format(
      "SELECT slug FROM articles WHERE id = (SELECT article_id FROM redirects WHERE from_slug = ?1) AND ({})",
      visible_clause(visibility)));
  st.bind(1, slug);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

std::optional<Article> Catalog::find_by_slug(const std::string& slug, Visibility visibility) {
  auto st = db_.prepare(fmt::format("SELECT {} FROM articles WHERE slug = ?1 AND ({})", kArticleColumns,
                                visible_clause(visibility)));
  st.bind(1, slug);
  if (!st.step()) return std::nullopt;
  Article a = article_from_row(st, section_dictionary());
  if (a.has_internal_blocks() && visibility != Visibility::kPublic) {
    a.html = a.html_agent;
    a.sections = a.sections_agent;
  }
  if (visibility == Visibility::kPublic) {  // never handed to a public path at all
    a.html_agent.clear();
    a.sections_agent.clear();
  }
  return a;
}

std::optional<Section> Catalog::section(int64_t id, size_t k, Visibility visibility) {
  Statement& st = db_.cached(visibility == Visibility::kPublic
                                 ? "SELECT data FROM sections WHERE article_id = ?1"
                                 : "SELECT CASE length(agent_data) WHEN 0 THEN data ELSE agent_data END FROM sections "
                                   "WHERE article_id = ?1");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  std::vector<Section> one = decode_sections(st.bytes(0), section_dictionary(), k);
  st.reset();
  if (one.empty()) return std::nullopt;
  one[0].markdown.clear();
  return std::move(one[0]);
}

const CompressionDictionary* Catalog::section_dictionary() {
  if (!dictionary_loaded_) {
    auto st = db_.prepare("SELECT data FROM dictionaries WHERE name = 'sections'");
    if (st.step()) section_dictionary_ = std::make_unique<CompressionDictionary>(std::string(st.bytes(0)));
    dictionary_loaded_ = true;
  }
  return section_dictionary_.get();
}

bool Catalog::train_section_dictionary(const std::vector<Article>& articles) {
  if (section_dictionary()) return true;
  if (db_.prepare("SELECT 1 FROM sections LIMIT 1").step()) return false;  // stored without one: they stay so
  // Sections spread over the whole batch, up to kDictionarySampleBytes.
  size_t total = 0;
  for (const auto& a : articles) {
    for (const auto& s : a.sections) total += s.title.size() + s.text.size() + s.markdown.size();
  }
  const size_t stride = std::max<size_t>(1, total / kDictionarySampleBytes + 1);
  std::vector<std::string> encoded;
  for (size_t i = 0; i < articles.size(); i += stride) {
    for (const auto& s : articles[i].sections) encoded.push_back(encode_section(s));
  }
  const std::vector<std::string_view> samples(encoded.begin(), encoded.end());
  auto dict = CompressionDictionary::train(samples, kDictionaryBytes);
  if (!dict) return false;  // too little text to learn from: frames without one
  db_.prepare("INSERT INTO dictionaries (name, data) VALUES ('sections', ?1)").bind_blob(1, *dict).run();
  section_dictionary_ = std::make_unique<CompressionDictionary>(std::move(*dict));
  return true;
}

std::vector<ArticleSummary> Catalog::list(Visibility visibility) {
  std::vector<ArticleSummary> out;
  auto st = db_.prepare(fmt::format("SELECT {} FROM articles WHERE {} ORDER BY category, title", kSummaryColumns,
                                visible_clause(visibility)));
  while (st.step()) out.push_back(summary_from_row(st));
  return out;
}

std::vector<Heading> Catalog::headings() {
  std::vector<Heading> out;
  auto st = db_.prepare("SELECT article_id, level, title, anchor, internal FROM headings ORDER BY article_id, rowid");
  while (st.step()) {
    out.push_back({st.integer(0), static_cast<int>(st.integer(1)), st.text(2), st.text(3), st.integer(4) != 0});
  }
  return out;
}

std::vector<ArticleSummary> Catalog::translations_of(const Article& a, Visibility visibility) {
  // Translations share a key: the source's slug. The source itself has none.
  const std::string key = a.meta.translation_of.empty() ? a.meta.slug : a.meta.translation_of;
  std::vector<ArticleSummary> out;
  auto st = db_.prepare(fmt::format("SELECT {} FROM articles WHERE (translation_of = ?1 OR slug = ?1) AND id != ?2 "
                                "AND ({}) ORDER BY lang",
                                kSummaryColumns, visible_clause(visibility)));
  st.bind(1, key).bind(2, a.id);
  while (st.step()) out.push_back(summary_from_row(st));
  return out;
}

std::vector<std::string> Catalog::languages() {
  std::vector<std::string> out;
  auto st = db_.prepare("SELECT DISTINCT lang FROM articles ORDER BY lang");
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::optional<std::string> Catalog::get_meta(const std::string& key) {
  auto st = db_.prepare("SELECT value FROM meta WHERE key = ?1");
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void Catalog::set_meta(const std::string& key, const std::string& value) {
  db_.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2")
      .bind(1, key)
      .bind(2, value)
      .run();
}

}  // namespace kb
