// kb-index check: one fixture help center that trips every check once, and a
// clean one that trips none.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "core/content_check.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

void write_tripwires(const fs::path& dir) {
  using test::article;
  using test::write_file;
  // Clean: every kind of link that works.
  write_file(dir / "en/good.md",
             article("title: Good\nslug: good\nlang: en\nupdated: 2026-03-01\naliases: [old-good]",
                     "Intro.\n\n## Setup\n\nSee [steps](other.md#steps), [setup](#setup), "
                     "[steps again](/articles/other#steps), [old name](/articles/old-good) and "
                     "[the web](https://example.com/x.md).\n\n![A picture](media/pic.png)\n"));
  write_file(dir / "en/other.md", article("title: Other\nslug: other\nlang: en", "## Steps\n\nDo it.\n"));
  write_file(dir / "en/media/pic.png", std::string("\x89PNG\r\n\x1a\n", 8));
  // Front matter.
  write_file(dir / "en/typo-key.md", article("titel: Oops\nteam: billing", "# Typo key\n\nText.\n"));
  write_file(dir / "en/wrong-type.md", article("title: Wrong type\ndraft: maybe", "Text.\n"));
  write_file(dir / "en/no-title.md", article("lang: en", "Text without a heading.\n"));
  write_file(dir / "en/binary.md", std::string("---\ntitle: Bin\n---\nA\0B\n", 23));
  // Not YAML 1.2 (yaml-cpp published it with the title "Unclosed quote tags: [a, b").
  write_file(dir / "en/unclosed-quote.md", "---\ntitle: \"Unclosed quote\ntags: [a, b\n---\nText.\n");
  // Slugs and titles.
  write_file(dir / "en/same-slug.md", article("title: Duplicate slug\nslug: good", "Text.\n"));
  write_file(dir / "en/title-again.md", article("title: Good\nlang: en", "Text.\n"));
  // Links and images, one broken way each.
  write_file(dir / "en/links.md",
             article("title: Links",
                     "[a](missing.md)\n\n"          // line 4
                     "[b](other.md#nope)\n\n"       // line 6
                     "[c](#nowhere)\n\n"            // line 8
                     "[d](/articles/ghost)\n\n"     // line 10
                     "![e](media/none.png)\n\n"     // line 12
                     "[f](../../outside.md)\n\n"    // line 14
                     "[g](docs/manual.pdf)\n\n"    // line 16
                     "[h](/articles/other#nope)\n\n"     // line 18
                     "[i](/articles/old-good#gone)\n\n"  // line 20: through an alias
                     "[j](other#steps)\n"));              // line 22: a slug, not a file
  // Aliases.
  write_file(dir / "en/alias-a.md", article("title: Alias A\naliases: [other, shared]", "Text.\n"));
  write_file(dir / "en/alias-b.md", article("title: Alias B\naliases: [shared]", "Text.\n"));
  // Translations: an older one, one of nothing, and a Vietnamese one that
  // makes both English sources miss a language.
  write_file(dir / "fi/good.md", article("title: Hyvä\nslug: fi-good\ntranslation_of: good\nupdated: 2026-01-01",
                                         "Teksti.\n"));
  write_file(dir / "pl/orphan.md", article("title: Sierota\nslug: orphan\ntranslation_of: ghost", "Tekst.\n"));
  write_file(dir / "vi/other.md", article("title: Khác\nslug: vi-other\ntranslation_of: other", "Văn bản.\n"));
  // Expiry.
  write_file(dir / "en/expired.md", article("title: Winter sale\nexpires: 2026-01-31", "Text.\n"));
  // Synonyms.
  write_file(dir / "synonyms.txt", "sign in, log in\nlonely\n");
}

}  // namespace

TEST_CASE("check: every check trips on its fixture, with file and line") {
  test::TempDir dir;
  write_tripwires(dir.path());
  CheckOptions options;
  options.content_dir = dir.path();
  options.today = "2026-06-01";
  auto report = check_content(options);
  REQUIRE(report.is_ok());

  struct Row {
    const char* path;
    int line;
    const char* severity;
    const char* check;
    const char* message;
  };
  const Row rows[] = {
      {"en/alias-a.md", 3, "error", "alias", "alias 'other' is the slug of en/other.md"},
      {"en/alias-b.md", 3, "error", "alias", "alias 'shared' is also an alias of en/alias-a.md"},
      {"en/binary.md", 4, "error", "file", "NUL bytes"},
      {"en/expired.md", 3, "warning", "expired", "expired on 2026-01-31"},
      {"en/good.md", 0, "warning", "translation", "not yet translated into vi"},
      {"en/links.md", 4, "error", "link", "broken link 'missing.md': en/missing.md does not exist"},
      {"en/links.md", 6, "error", "link", "broken link 'other.md#nope': en/other.md has no heading '#nope' (headings: #steps)"},
      {"en/links.md", 8, "error", "link", "broken link '#nowhere': this article has no heading '#nowhere'"},
      {"en/links.md", 10, "error", "link", "no article has the slug 'ghost'"},
      {"en/links.md", 12, "error", "image", "image 'media/none.png' not found: en/media/none.png does not exist"},
      {"en/links.md", 14, "error", "link", "'../../outside.md' points outside the content folder"},
      {"en/links.md", 16, "error", "link", "file 'docs/manual.pdf' not found"},
      {"en/links.md", 18, "error", "link", "broken link '/articles/other#nope': en/other.md has no heading '#nope'"},
      {"en/links.md", 20, "error", "link", "broken link '/articles/old-good#gone': en/good.md has no heading '#gone' (headings: #setup)"},
      {"en/links.md", 22, "error", "link",
       "file 'other#steps' not found: en/other does not exist; to link the article with that slug, write "
       "'/articles/other#steps' or the path of its file, en/other.md"},
      {"en/no-title.md", 1, "error", "title", "missing title"},
      {"en/other.md", 0, "warning", "translation", "not yet translated into fi"},
      {"en/same-slug.md", 3, "error", "slug", "duplicate slug 'good': en/good.md already uses it"},
      {"en/title-again.md", 2, "warning", "title", "same title as en/good.md"},
      {"en/typo-key.md", 2, "warning", "front-matter", "unknown key 'titel' is kept as metadata but not used; did you mean 'title'?"},
      {"en/typo-key.md", 3, "warning", "front-matter", "unknown key 'team'"},
      {"en/unclosed-quote.md", 2, "error", "front-matter", "invalid YAML in front matter"},
      {"en/wrong-type.md", 3, "error", "front-matter", "'draft' must be true or false"},
      {"fi/good.md", 5, "warning", "translation", "older than its source en/good.md (updated 2026-01-01 here, 2026-03-01 there)"},
      {"pl/orphan.md", 4, "error", "translation", "translation_of 'ghost': no article has that slug"},
      {"synonyms.txt", 2, "error", "synonyms", "a group needs two or more words or phrases"},
  };
  std::vector<std::string> got;
  for (const auto& item : report->items) got.push_back(format_diagnostic(item.where) + " [" + item.check + "]");
  INFO(Catch::Detail::stringify(got));
  REQUIRE(report->items.size() == std::size(rows));
  for (size_t i = 0; i < std::size(rows); ++i) {
    const Row& r = rows[i];
    const auto& item = report->items[i];
    INFO(r.path << ":" << r.line << " " << r.message);
    CHECK(item.where.path == r.path);
    CHECK(item.where.diagnostic.line == r.line);
    CHECK((item.where.diagnostic.severity == Diagnostic::Severity::kError ? "error" : "warning") == std::string(r.severity));
    CHECK(item.check == r.check);
    CHECK_THAT(item.where.diagnostic.message, Catch::Contains(r.message));
  }
  CHECK(report->files == 17);
  CHECK(report->errors == 19);
  CHECK(report->warnings == 7);
}

TEST_CASE("check: known keys of another system are not reported") {
  test::TempDir dir;
  test::write_file(dir / "a.md", test::article("title: A\nms.date: 2020-01-01\nms.topic: article\nauthor: x", "Text.\n"));
  CheckOptions options;
  options.content_dir = dir.path();
  CHECK(check_content(options)->warnings == 3);
  options.known_keys = {"ms.*", "author"};
  CHECK(check_content(options)->warnings == 0);
}

TEST_CASE("check: the fixture help center and the bundled sample have no errors") {
  test::TempDir dir;
  test::write_fixture(dir.path());
  CheckOptions options;
  options.content_dir = dir.path();
  auto report = check_content(options);
  REQUIRE(report.is_ok());
  CHECK(report->errors == 0);
  CHECK(report->warnings == 0);
  options.content_dir = fs::path(KB_SOURCE_DIR) / "content";
  report = check_content(options);
  REQUIRE(report.is_ok());
  std::vector<std::string> got;
  for (const auto& item : report->items) got.push_back(format_diagnostic(item.where));
  INFO(Catch::Detail::stringify(got));
  CHECK(report->errors == 0);
}

TEST_CASE("kb-index check: exit status, text and JSON output") {
  test::TempDir dir;
  write_tripwires(dir.path());
  auto r = test::run({KB_INDEX_BIN, "check", "--content", dir.path().string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("en/links.md:4: error: broken link 'missing.md'"));
  CHECK_THAT(r.out, Catch::EndsWith("checked 17 files: 19 errors, 7 warnings\n"));

  r = test::run({KB_INDEX_BIN, "check", "--content", dir.path().string(), "--format", "json"});
  CHECK(r.exit_code == 1);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["files"] == 17);
  CHECK(j["errors"] == 19);
  CHECK(j["problems"][0] == nlohmann::json{{"path", "en/alias-a.md"},
                                           {"line", 3},
                                           {"severity", "error"},
                                           {"check", "alias"},
                                           {"message", "alias 'other' is the slug of en/other.md; an alias cannot "
                                                       "redirect away from a live article"}});

  test::TempDir clean;
  test::write_file(clean / "a.md", test::article("title: A\nexpires: 2000-01-01", "Text.\n"));
  CHECK(test::run({KB_INDEX_BIN, "check", "--content", clean.path().string()}).exit_code == 0);
  CHECK(test::run({KB_INDEX_BIN, "check", "--content", clean.path().string(), "--strict"}).exit_code == 1);
  CHECK(test::run({KB_INDEX_BIN, "check", "--content", clean.path().string(), "--index", "x"}).exit_code == 2);
}

TEST_CASE("kb-index and check: a warning repeated in many files is printed a few times, then counted") {
  // d365's `audience: Application User` in 7,000 files buried the errors (issue 18).
  test::TempDir dir;
  const fs::path content = dir / "content";
  for (int i = 0; i < 12; ++i) {
    test::write_file(content / fmt::format("a{:02}.md", i),
                     test::article(fmt::format("title: Article {}\naudience: Application User", i), "Text.\n"));
  }
  test::write_file(content / "zz-broken.md", "---\ntitle: \"Broken\n---\nText.\n");
  const std::string audience = "audience '\u2026' is neither '\u2026' nor '\u2026'; treated as '\u2026'";

  auto r = test::run({KB_INDEX_BIN, "check", "--content", content.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains("a04.md:3: warning: audience 'Application User'"));
  CHECK_THAT(r.out, !Catch::Contains("a05.md"));
  CHECK_THAT(r.out, Catch::Contains("zz-broken.md:2: error: invalid YAML"));
  CHECK_THAT(r.out, Catch::Contains("\u2026 and 7 more warnings like: " + audience));
  CHECK_THAT(r.out, Catch::EndsWith("checked 13 files: 1 errors, 12 warnings\n"));

  r = test::run({KB_INDEX_BIN, "check", "--content", content.string(), "--format", "json"});
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["warnings"] == 12);
  CHECK(j["problems"].size() == 6);
  CHECK(j["omitted"] == nlohmann::json::array({{{"severity", "warning"}, {"kind", audience}, {"count", 7}}}));

  r = test::run({KB_INDEX_BIN, "check", "--content", content.string(), "--warnings-per-kind", "0"});
  CHECK_THAT(r.out, Catch::Contains("a11.md:3: warning"));
  CHECK_THAT(r.out, !Catch::Contains("more warnings like"));

  r = test::run({KB_INDEX_BIN, "--content", content.string(), "--index", (dir / "index").string(), "--quiet"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("zz-broken.md:2: error: invalid YAML"));
  CHECK_THAT(r.err, Catch::Contains("a00.md:3: warning"));
  CHECK_THAT(r.err, !Catch::Contains("a05.md"));
  CHECK_THAT(r.err, Catch::Contains("\u2026 and 7 more warnings like: " + audience));
  CHECK(test::run({KB_INDEX_BIN, "check", "--content", content.string(), "--warnings-per-kind", "x"}).exit_code == 2);
}
