#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "core/catalog.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/synonyms.h"
#include "tests/test_util.h"

using namespace kb;

TEST_CASE("synonyms.txt: groups by line and language, every mistake with its line") {
  struct Row {
    const char* name;
    const char* text;
    std::vector<std::vector<std::string>> groups;  // the language ("" for all), entries, "=>", targets
    std::vector<std::pair<int, std::string>> errors;  // line, part of the message
  };
  const Row rows[] = {
      {"groups, comments and sections",
       "# comment\n\nsign in, log in , login\n[vi]\nnhân bản, sao chép\n[*]\nwifi, wlan\n",
       {{"", "sign in", "log in", "login"}, {"vi", "nhân bản", "sao chép"}, {"", "wifi", "wlan"}},
       {}},
      {"comments after the words", "sign in, log in  # the portal\n[fi]\t# Finnish\nc#, c sharp # languages\n",
       {{"", "sign in", "log in"}, {"fi", "c#", "c sharp"}}, {}},
      {"one way", "workroom, team space => project\nold plan => business plan, business\n",
       {{"", "workroom", "team space", "=>", "project"}, {"", "old plan", "=>", "business plan", "business"}}, {}},
      {"one way needs both sides", "=> project\nworkroom =>\na => b => c\n", {},
       {{1, "both sides"}, {2, "both sides"}, {3, "one '=>' at most"}}},
      {"a one-way target may be anywhere else, its source not", "project, plan\nworkroom => project\nplan => x\n",
       {{"", "project", "plan"}, {"", "workroom", "=>", "project"}}, {{3, "'plan' is already on line 1"}}},
      {"a language tag is normalised", "[pt_BR]\nfatura, nota fiscal\n", {{"pt-br", "fatura", "nota fiscal"}}, {}},
      {"one entry is no group", "a, b\nlonely\n,\n", {{"", "a", "b"}},
       {{2, "two or more"}, {3, "two or more"}}},
      {"the same entry twice in a group counts once", "a, A, b\n", {{"", "a", "b"}}, {}},
      {"an entry in two groups", "log in, sign in\nsign-in, login\n", {{"", "log in", "sign in"}},
       {{2, "already on line 1"}}},
      {"an entry in two groups of different languages is fine", "lasku, faktuura\n[fi]\nlasku, laskelma\n",
       {{"", "lasku", "faktuura"}, {"fi", "lasku", "laskelma"}}, {}},
      {"a typed-without-diacritics duplicate", "[vi]\nquản lý, điều hành\nquan ly, trông coi\n",
       {{"vi", "quản lý", "điều hành"}}, {{3, "already on line 2"}}},
      {"too many words", "a, one two three four five six seven\n", {}, {{1, "at most 6"}}},
      {"no words", "a, ---\n", {}, {{1, "no words"}}},
      {"a section that is not a language skips its groups", "[finnish]\na, b\n[fi]\nc, d\n",
       {{"fi", "c", "d"}}, {{1, "not a language tag"}}},
      {"a section line with more on it", "[fi] a, b\nc, d\n", {}, {{1, "in brackets alone"}}},
      {"not UTF-8", "a, b\n\xff\xfe, c\n", {}, {{0, "UTF-8"}}},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const ParsedSynonyms parsed = parse_synonyms(row.text);
    std::vector<std::vector<std::string>> groups;
    for (const auto& g : parsed.groups) {
      groups.push_back({g.lang});
      groups.back().insert(groups.back().end(), g.entries.begin(), g.entries.end());
      if (!g.targets.empty()) groups.back().push_back("=>");
      groups.back().insert(groups.back().end(), g.targets.begin(), g.targets.end());
    }
    CHECK(groups == row.groups);
    REQUIRE(parsed.diagnostics.size() == row.errors.size());
    for (size_t i = 0; i < row.errors.size(); ++i) {
      CHECK(parsed.diagnostics[i].line == row.errors[i].first);
      CHECK_THAT(parsed.diagnostics[i].message, Catch::Contains(row.errors[i].second));
    }
  }
}

namespace {

std::string published_synonyms(const fs::path& index) {
  IndexLayout layout(index);
  Catalog catalog(IndexLayout::catalog_path(layout.revision_dir(*layout.current())).string(),
                  SqliteDb::Mode::kReadOnly);
  return catalog.get_meta(std::string(schema::kMetaSynonyms)).value_or("");
}

}  // namespace

TEST_CASE("synonyms.txt: a change alone publishes, a bad line is reported and the rest apply") {
  test::TempDir dir;
  const fs::path content = dir / "content";
  test::write_file(content / "en/a.md", test::article("title: Log in\nlang: en", "Log in here.\n"));
  test::index_folder(content, dir / "index");
  CHECK(published_synonyms(dir / "index").empty());

  test::write_file(content / "synonyms.txt", "sign in, log in\nlonely\n");
  IndexReport report = test::index_folder(content, dir / "index");
  CHECK(report.published);
  CHECK(report.has_errors());
  REQUIRE(report.diagnostics.size() == 1);
  CHECK(format_diagnostic(report.diagnostics[0]) ==
        "synonyms.txt:2: error: a group needs two or more words or phrases, separated by commas");
  CHECK(published_synonyms(dir / "index") == "sign in, log in\nlonely\n");

  // Unchanged: nothing to publish.
  report = test::index_folder(content, dir / "index");
  CHECK_FALSE(report.published);

  // Too big to read: the published synonyms stay.
  test::write_file(content / "synonyms.txt", std::string(kMaxSynonymsBytes + 1, 'a'));
  report = test::index_folder(content, dir / "index");
  CHECK_FALSE(report.published);
  REQUIRE(report.diagnostics.size() == 1);
  CHECK_THAT(format_diagnostic(report.diagnostics[0]), Catch::Contains("synonyms.txt: error: file is 1.0 MB"));
  CHECK(published_synonyms(dir / "index") == "sign in, log in\nlonely\n");

  // Removed: none.
  fs::remove(content / "synonyms.txt");
  report = test::index_folder(content, dir / "index");
  CHECK(report.published);
  CHECK(published_synonyms(dir / "index").empty());
}

TEST_CASE("synonyms: one index per file text and languages, shared by the searchers that read it") {
  const auto a = SynonymIndex::shared("sign in, log in\n", {"en", "fi"});
  CHECK(SynonymIndex::shared("sign in, log in\n", {"en", "fi"}) == a);
  const auto b = SynonymIndex::shared("sign in, log in, login\n", {"en", "fi"});
  CHECK(b != a);
  CHECK(SynonymIndex::shared("sign in, log in, login\n", {"en"}) != b);
  CHECK(SynonymIndex::shared("", {"en"})->empty());
  // What the shared index finds: the entry's run of words and the others.
  const auto words = analysis::analyse_query("how to sign in today", {"en"});
  const auto matches = b->find(words, {"en"});
  REQUIRE(matches.size() == 1);
  CHECK(matches[0].first == 2);
  CHECK(matches[0].count == 2);
  REQUIRE(matches[0].alternatives.size() == 2);
  CHECK(matches[0].alternatives[0].size() == 2);  // "log in"
  CHECK(matches[0].alternatives[1][0].text == "login");
}

TEST_CASE("synonyms.txt: a line whose words no article has is a warning with its line, the others are quiet") {
  test::TempDir dir;
  const fs::path content = dir / "content";
  test::write_file(content / "en/a.md", test::article("title: Log in\nlang: en", "Log in here to see your invoices.\n"));
  test::write_file(content / "fi/b.md", test::article("title: Kuluraportti\nlang: fi", "Kuluraportin lähettäminen.\n"));
  test::write_file(content / "vi/c.md", test::article("title: Sao chép dự án\nlang: vi", "Sao chép dự án nhanh.\n"));
  test::write_file(content / "synonyms.txt",
                   "sign in, log in\n"             // 1: "log in" is in an article
                   "regsiter, enrol\n"             // 2: in no article
                   "[fi]\n"                        //
                   "kuluraportit, matkalasku\n"    // 4: another form of an article's word
                   "[vi]\n"                        //
                   "nhan ban, sao chep\n"          // 6: typed without diacritics
                   "[*]\n"                         //
                   "workroom => project\n"         // 8: the target is in no article
                   "bill, fee => invoices\n");     // 9: the target is
  IndexReport report = test::index_folder(content, dir / "index");
  CHECK(report.published);
  CHECK_FALSE(report.has_errors());
  std::vector<std::string> lines;
  for (const auto& d : report.diagnostics) lines.push_back(format_diagnostic(d));
  CHECK(lines == std::vector<std::string>{
                     "synonyms.txt:2: warning: no article has any of \"regsiter\", \"enrol\": the line finds "
                     "nothing (misspelt?)",
                     "synonyms.txt:8: warning: no article has \"project\", what the line's other words should find "
                     "(misspelt?)"});
  // Checked when the file changes, not on every publish.
  test::write_file(content / "en/d.md", test::article("title: Invoices\nlang: en", "Invoices are monthly.\n"));
  report = test::index_folder(content, dir / "index");
  CHECK(report.published);
  CHECK(report.diagnostics.empty());
  // A file of many such lines: the first 20, then how many more.
  std::string many;
  for (int i = 0; i < 25; ++i) many += fmt::format("zork{}, quux{}\n", i, i);
  test::write_file(content / "synonyms.txt", many);
  report = test::index_folder(content, dir / "index");
  REQUIRE(report.diagnostics.size() == 21);
  CHECK(format_diagnostic(report.diagnostics[19]).starts_with("synonyms.txt:20: warning: no article has"));
  CHECK(format_diagnostic(report.diagnostics[20]) ==
        "synonyms.txt: warning: 5 more lines find nothing in the articles");
}
