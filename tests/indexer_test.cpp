#include <catch2/catch.hpp>

#include "core/catalog.h"
#include "core/indexer.h"
#include "core/revision.h"
#include "core/searcher.h"
#include "tests/test_util.h"

using namespace kb;
using test::article;
using test::write_file;

namespace {

std::string good(const std::string& slug) { return article("title: Good " + slug + "\nslug: " + slug, "Fine text.\n"); }

const FileDiagnostic* diagnostic_for(const IndexReport& r, const std::string& path) {
  for (const auto& d : r.diagnostics) {
    if (d.path == path && d.diagnostic.severity == Diagnostic::Severity::kError) return &d;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("indexer: one bad file never stops the others") {
  struct Row {
    const char* path;
    std::string content;
    int line;
    const char* message_part;
  };
  std::string nested = "---\ntitle: t\nx: " + std::string(3000, '{') + "\n---\n";
  const std::vector<Row> rows = {
      {"broken-yaml.md", "---\ntitle: x\ntags: [a\n---\nbody\n", 4, "invalid YAML"},
      {"unclosed-quote.md", "---\ntitle: \"Unclosed quote\ntags: [a, b\n---\nbody\n", 2, "closing \" missing"},
      {"duplicate-key.md", "---\ntitle: x\ntitle: y\n---\nbody\n", 3, "duplicate key 'title'"},
      {"bad-utf8.md", "---\ntitle: ok\n---\nline\n\xC3\x28 broken\n", 5, "invalid UTF-8"},
      {"binary.md", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), 3, "NUL bytes"},
      {"empty.md", "", 1, "empty"},
      {"whitespace.md", "  \n\n\t\n", 1, "empty"},
      {"no-title.md", "---\nslug: no-title\n---\nJust text.\n", 1, "missing title"},
      {"dup-slug.md", good("taken"), 1, "duplicate slug 'taken'"},
      {"huge.md", "---\ntitle: big\n---\n" + std::string(10 * 1024 * 1024, 'a'), 0, "limited to"},
      {"nested.md", nested, 0, "YAML"},
      {"bad-lang.md", "---\ntitle: t\nlang: klingon!\n---\n", 0, "language tag"},
  };
  test::TempDir dir;
  const auto content = dir / "content";
  write_file(content / "a-taken.md", good("taken"));  // sorts first: owns the slug
  write_file(content / "ok.md", good("ok"));
  for (const auto& r : rows) write_file(content / r.path, r.content);

  IndexReport report = test::index_folder(content, dir / "index");
  CHECK(report.added == 2);
  CHECK(report.failed == rows.size());
  CHECK(report.has_errors());
  for (const auto& r : rows) {
    INFO(r.path);
    const FileDiagnostic* d = diagnostic_for(report, r.path);
    REQUIRE(d);
    CHECK_THAT(d->diagnostic.message, Catch::Contains(r.message_part));
    if (r.line > 0) CHECK(d->diagnostic.line == r.line);
    CHECK_THAT(format_diagnostic(*d), Catch::StartsWith(std::string(r.path) + ":"));
  }
  auto searcher = test::open_current(dir / "index");
  CHECK(searcher->document_count() == 2);
}

TEST_CASE("indexer: incremental runs skip, update and remove") {
  test::TempDir dir;
  const auto content = dir / "content";
  const auto index = dir / "index";
  write_file(content / "a.md", good("a"));
  write_file(content / "b.md", good("b"));
  write_file(content / "c.md", good("c"));

  auto r1 = test::index_folder(content, index);
  CHECK(r1.added == 3);
  REQUIRE(r1.published);

  auto r2 = test::index_folder(content, index);
  CHECK(r2.unchanged == 3);
  CHECK_FALSE(r2.published);  // nothing changed: no new revision

  write_file(content / "a.md", article("title: Changed a\nslug: a", "New text.\n"));
  fs::remove(content / "c.md");
  write_file(content / "d.md", good("d"));
  auto r3 = test::index_folder(content, index);
  CHECK(r3.updated == 1);
  CHECK(r3.removed == 1);
  CHECK(r3.added == 1);
  CHECK(r3.unchanged == 1);
  REQUIRE(r3.published);
  CHECK(*r3.published != *r1.published);

  auto s = test::open_current(index);
  CHECK(s->document_count() == 3);
  auto a = s->article("a", Visibility::kPublic);
  REQUIRE(a.is_ok());
  REQUIRE(a->has_value());
  CHECK((*a)->meta.title == "Changed a");
  CHECK_FALSE(s->article("c", Visibility::kPublic)->has_value());
}

TEST_CASE("indexer: a file that becomes invalid keeps its published version") {
  test::TempDir dir;
  const auto content = dir / "content";
  write_file(content / "a.md", good("a"));
  test::index_folder(content, dir / "index");
  write_file(content / "a.md", "---\ntitle: [broken\n---\n");
  auto r = test::index_folder(content, dir / "index");
  CHECK(r.failed == 1);
  auto s = test::open_current(dir / "index");
  CHECK(s->article("a", Visibility::kPublic)->has_value());
}


// The scan keeps no Markdown (a large corpus would stay in memory until its
// last batch); each batch reads its files again. A file saved once more in
// between fails rather than publishing text other than the text hashed.
TEST_CASE("indexer: a file saved again during its run fails and its previous version serves") {
  test::TempDir dir;
  const auto content = dir / "content";
  auto text = [](const std::string& slug, const std::string& word) {
    return article("title: Note " + slug + "\nslug: " + slug, "The " + word + " edition.\n");
  };
  write_file(content / "a.md", text("a", "first"));
  write_file(content / "b.md", text("b", "first"));
  test::index_folder(content, dir / "index");
  write_file(content / "a.md", text("a", "second"));
  write_file(content / "b.md", text("b", "second"));
  IndexOptions options;
  options.content_dir = content;
  options.index_dir = dir / "index";
  options.threads = 1;
  options.write_batch = 1;  // a.md is written before b.md is read again
  bool saved = false;
  options.progress = [&](size_t, size_t) {
    if (!std::exchange(saved, true)) write_file(content / "b.md", text("b", "third"));
  };
  auto r = run_indexer(options);
  REQUIRE(r.is_ok());
  CHECK(r->updated == 1);
  CHECK(r->failed == 1);
  const FileDiagnostic* d = diagnostic_for(*r, "b.md");
  REQUIRE(d);
  CHECK_THAT(d->diagnostic.message, Catch::Contains("changed while it was being indexed"));
  auto words = [&](const char* q) {
    SearchRequest request;
    request.query = q;
    auto result = test::open_current(dir / "index")->search(request);
    REQUIRE(result.is_ok());
    std::set<std::string> slugs;
    for (const auto& h : result->hits) slugs.insert(h.slug);
    return slugs;
  };
  CHECK(words("second") == std::set<std::string>{"a"});
  CHECK(words("first") == std::set<std::string>{"b"});
  CHECK(words("third").empty());
  // The next run indexes what the file is now.
  r = run_indexer(options);
  REQUIRE(r.is_ok());
  CHECK(r->updated == 1);
  CHECK(r->failed == 0);
  CHECK(words("third") == std::set<std::string>{"b"});
}
TEST_CASE("indexer: publishing is atomic, readers of the old revision keep working") {
  test::TempDir dir;
  const auto content = dir / "content";
  const auto index = dir / "index";
  write_file(content / "a.md", good("a"));
  test::index_folder(content, index);
  auto old_reader = test::open_current(index);

  // A crashed run leaves an unpublished revision folder behind: it is ignored.
  IndexLayout layout(index);
  fs::create_directories(layout.revision_dir("r99999999") / "xapian");
  write_file(layout.revision_dir("r99999999") / "catalog.db", "garbage");
  CHECK(*layout.current() != "r99999999");
  CHECK(test::open_current(index)->document_count() == 1);
  fs::remove_all(layout.revision_dir("r99999999"));

  write_file(content / "b.md", good("b"));
  auto r = test::index_folder(content, index);
  REQUIRE(r.published);
  CHECK(test::open_current(index)->document_count() == 2);
  // The reader opened before publishing still sees its own, complete revision.
  CHECK(old_reader->document_count() == 1);
  SearchRequest good;
  good.query = "good";
  auto hits = old_reader->search(good);
  REQUIRE(hits.is_ok());
  CHECK(hits->total == 1);
}

TEST_CASE("indexer: language from front matter, else folder, else detected, else default, slug from path") {
  test::TempDir dir;
  const auto content = dir / "content";
  write_file(content / "fi/laskutus/laskut.md", article("title: Laskut", "x"));
  write_file(content / "pt-BR/faturas.md", article("title: Faturas", "x"));
  write_file(content / "api/keys.md", article("title: Keys", "x"));
  write_file(content / "notes/kulut.md",
             article("title: Kulujen kirjaaminen",
                     "Kuluraportin lähettäminen hyväksyttäväksi onnistuu mobiilisovelluksella tai selaimessa. "
                     "Valitse ensin kulut, jotka haluat liittää raporttiin.\n"));
  write_file(content / "vi/explicit.md", article("title: Explicit\nlang: pl", "x"));
  test::index_folder(content, dir / "index");
  auto s = test::open_current(dir / "index");
  struct Row {
    const char* slug;
    const char* lang;
  };
  for (const Row& r : {Row{"fi/laskutus/laskut", "fi"}, Row{"pt-BR/faturas", "pt-br"}, Row{"api/keys", "en"}, Row{"notes/kulut", "fi"},
                       Row{"vi/explicit", "pl"}}) {
    INFO(r.slug);
    auto a = s->article(r.slug, Visibility::kPublic);
    REQUIRE(a.is_ok());
    REQUIRE(a->has_value());
    CHECK((*a)->meta.lang == r.lang);
  }
}

TEST_CASE("indexer: a second indexer on the same index is refused") {
  test::TempDir dir;
  IndexLayout layout(dir / "index");
  auto lock = IndexLock::acquire(layout);
  REQUIRE(lock.is_ok());
  write_file(dir / "content/a.md", good("a"));
  IndexOptions o;
  o.content_dir = dir / "content";
  o.index_dir = dir / "index";
  auto r = run_indexer(o);
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(), Catch::Contains("another kb-index"));
}

TEST_CASE("indexer: a missing content folder is a clear error") {
  test::TempDir dir;
  IndexOptions o;
  o.content_dir = dir / "nope";
  o.index_dir = dir / "index";
  auto r = run_indexer(o);
  REQUIRE_FALSE(r.is_ok());
  CHECK_THAT(r.status().message(), Catch::Contains("does not exist"));
}

TEST_CASE("indexer: an index built on several threads or in batches answers like one built on one") {
  // Enough articles for the sharded build (one Xapian database per thread,
  // merged): the same matches, counts, spelling data and visibility as the
  // one-thread build, and later incremental runs work on the merged index.
  const std::vector<std::pair<std::string, std::vector<std::string>>> vocab = {
      {"en", {"refund", "invoice", "password", "export", "payroll", "approval", "warehouse", "shipment"}},
      {"fi", {"laskun", "kuluraportti", "salasanan", "vienti", "palkanlaskenta", "hyväksyntä", "varasto"}},
      {"pl", {"faktury", "fakturze", "obsługi", "hasło", "eksport", "magazyn", "zatwierdzenie"}},
  };
  test::TempDir dir;
  const auto content = dir / "content";
  for (int i = 0; i < 260; ++i) {
    const auto& [lang, words] = vocab[static_cast<size_t>(i) % vocab.size()];
    std::string body;
    for (int k = 0; k < 12; ++k) body += words[static_cast<size_t>(i * 7 + k * 3) % words.size()] + " ";
    body += "\n";
    std::string front = "title: " + words[static_cast<size_t>(i) % words.size()] + " " + std::to_string(i) +
                        "\nlang: " + lang + "\nslug: a" + std::to_string(i);
    if (i % 50 == 7) front += "\naudience: internal";
    if (i % 40 == 3) body += "\n::: internal\nsecretword escalation notes\n:::\n";
    write_file(content / (lang + "/a" + std::to_string(i) + ".md"), article(front, body));
  }
  auto build = [&](const fs::path& index, size_t threads, size_t batch = 0) {
    IndexOptions options;
    options.content_dir = content;
    options.index_dir = index;
    options.threads = threads;
    options.write_batch = batch;
    auto report = run_indexer(options);
    REQUIRE(report.is_ok());
    CHECK(report->added == 260);
    CHECK(report->failed == 0);
  };
  build(dir / "one", 1);
  build(dir / "two", 2);
  build(dir / "three", 3);
  // A batch at a time: two batches into the shards (the second smaller than
  // a sharded build's minimum), and many small ones written in place.
  build(dir / "batches", 2, 200);
  build(dir / "small-batches", 2, 7);
  for (const char* other : {"two", "three", "batches", "small-batches"}) {
    INFO(other);
    auto one = test::open_current(dir / "one");
    auto many = test::open_current(dir / other);
    CHECK(many->document_count() == one->document_count());
    for (const char* q : {"refund", "faktura", "obslugi", "kulu", "salasana", "refnud invoice", "secretword",
                          "secretwrd", "magazyn eksport"}) {
      for (Visibility v : {Visibility::kPublic, Visibility::kAgent}) {
        INFO(q << " as " << (v == Visibility::kPublic ? "public" : "agent"));
        SearchRequest request;
        request.query = q;
        request.visibility = v;
        request.limit = 100;
        auto a = one->search(request);
        auto b = many->search(request);
        REQUIRE(a.is_ok());
        REQUIRE(b.is_ok());
        CHECK(a->total == b->total);
        CHECK(a->corrected == b->corrected);
        std::set<std::string> sa, sb;
        for (const auto& h : a->hits) sa.insert(h.slug);
        for (const auto& h : b->hits) sb.insert(h.slug);
        CHECK(sa == sb);
        if (std::string(q) == "secretword") CHECK((v == Visibility::kPublic) == sa.empty());
        if (std::string(q) == "refnud invoice" && v == Visibility::kPublic) CHECK(a->corrected);
        // A word of internal blocks only: corrected for agents (staff spelling data), never for the public.
        if (std::string(q) == "secretwrd") CHECK(a->corrected.value_or("") == (v == Visibility::kPublic ? "" : "secretword"));
      }
    }
  }
  // An incremental run on the merged index.
  write_file(content / "en/a0.md", article("title: Zeppelin manual\nlang: en\nslug: a0", "airship\n"));
  auto again = test::index_folder(content, dir / "two");
  CHECK(again.updated == 1);
  auto s = test::open_current(dir / "two");
  SearchRequest request;
  request.query = "airship";
  auto found = s->search(request);
  REQUIRE(found.is_ok());
  REQUIRE(found->hits.size() == 1);
  CHECK(found->hits[0].slug == "a0");
}
