// Suggestions as you type, over the fixture help center (test_util.cpp).
#include <catch2/catch.hpp>

#include "core/suggester.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

struct SuggestFixture {
  SuggestFixture() {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    IndexLayout layout(dir / "index");
    auto s = Suggester::load(layout.revision_dir(*layout.current()));
    REQUIRE(s.is_ok());
    suggester = s.value();
  }
  std::vector<Suggestion> suggest(const std::string& q, Visibility v = Visibility::kPublic, const std::string& lang = "") {
    return suggester->suggest({q, lang, v, 8});
  }
  test::TempDir dir;
  std::shared_ptr<const Suggester> suggester;
};

std::vector<std::string> texts(const std::vector<Suggestion>& s) {
  std::vector<std::string> out;
  for (const auto& x : s) out.push_back(x.text);
  return out;
}

}  // namespace

TEST_CASE("suggest: titles and headings by the beginnings of their words") {
  SuggestFixture f;
  struct Row {
    const char* typed;
    const char* first;     // expected best suggestion
    const char* first_url;
  };
  const Row rows[] = {
      {"led", "Ledger basics", "/articles/ledger-basics"},
      {"basics led", "Ledger basics", "/articles/ledger-basics"},     // any order
      {"open", "Opening balances", "/articles/ledger-basics#opening-balances"},
      {"refund tim", "Refund timeline", "/articles/refunds#timeline"},
      {"how do I refund tim", "Refund timeline", "/articles/refunds#timeline"},  // leading words dropped
      {"Monthly", "Monthly reports", "/articles/reports"},           // case
      {"quan ly", "Quản lý người dùng", "/articles/quan-ly"},          // no diacritics
      {"phan q", "Phân quyền", "/articles/quan-ly#phân-quyền"},
      {"wystaw", "Wystawianie faktury", "/articles/faktury"},
      {"laskutuksen", "Laskutuksen perusteet", "/articles/laskutus"},  // a whole word is a prefix too
      // Function words between the typed words are skipped (core/stopwords.h).
      {"request the ref", "Request a refund", "/articles/refunds"},
      {"quan ly cua ng", "Quản lý người dùng", "/articles/quan-ly"},
  };
  for (const auto& r : rows) {
    INFO(r.typed);
    auto s = f.suggest(r.typed);
    REQUIRE_FALSE(s.empty());
    CHECK(s[0].text == r.first);
    CHECK(s[0].url == r.first_url);
  }
  for (const char* nothing : {"zzz", "ledgerx", ""}) {
    INFO(nothing);
    CHECK(f.suggest(nothing).empty());
  }
}

TEST_CASE("suggest: the typed beginnings are marked, the rest escaped") {
  SuggestFixture f;
  auto s = f.suggest("quan ly");
  REQUIRE_FALSE(s.empty());
  CHECK(s[0].html == "<mark>Quản</mark> <mark>lý</mark> người dùng");
  s = f.suggest("refund tim");
  REQUIRE_FALSE(s.empty());
  CHECK(s[0].html == "<mark>Refund</mark> <mark>tim</mark>eline");
  CHECK_FALSE(s[0].is_title);
  CHECK(s[0].article_title == "Request a refund");
}

TEST_CASE("suggest: internal articles for agents and writers, drafts for writers") {
  SuggestFixture f;
  for (const char* typed : {"goodw", "zanzibar", "aurora"}) {
    INFO(typed);
    CHECK(f.suggest(typed).empty());
    CHECK(f.suggest(typed, Visibility::kAgent).empty() == (std::string(typed) == "aurora"));
    CHECK_FALSE(f.suggest(typed, Visibility::kWriter).empty());
  }
}

TEST_CASE("suggest: the visitor's language first, others still offered") {
  SuggestFixture f;
  // "kor" begins only the Polish heading "Korekta"; "re" begins English titles.
  auto pl = f.suggest("kor", Visibility::kPublic, "pl");
  REQUIRE_FALSE(pl.empty());
  CHECK(pl[0].lang == "pl");
  auto any = texts(f.suggest("re", Visibility::kPublic, "fi"));
  CHECK(std::find(any.begin(), any.end(), "Request a refund") != any.end());
}

TEST_CASE("suggest: words split for any script, CJK by character") {
  struct Row {
    const char* text;
    std::vector<std::string> keys;
  };
  const Row rows[] = {
      {"Obsługa klienta", {"obsluga", "klienta"}},
      {"Päällikkö", {"paallikko"}},
      {"Đăng nhập", {"dang", "nhap"}},
      {"API-avaimet (v2)", {"api", "avaimet", "v2"}},
      {"管理用户", {"管理用户"}},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    std::vector<std::string> keys;
    for (const auto& w : Suggester::words(r.text)) keys.push_back(w.key);
    CHECK(keys == r.keys);
  }
}

TEST_CASE("suggest: CJK titles from any character on") {
  test::TempDir dir;
  test::write_file(dir / "content/zh/users.md", test::article("title: 管理用户权限\nslug: zh-users\nlang: zh", "正文。\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  auto s = Suggester::load(layout.revision_dir(*layout.current()));
  REQUIRE(s.is_ok());
  for (const char* typed : {"管理", "用户", "权限"}) {
    INFO(typed);
    auto out = s.value()->suggest({typed, "", Visibility::kPublic, 8});
    REQUIRE(out.size() == 1);
    CHECK(out[0].url == "/articles/zh-users");
    CHECK_THAT(out[0].html, Catch::Contains(std::string("<mark>") + typed + "</mark>"));
  }
}

TEST_CASE("suggest: a typed word completes a later part of a Finnish compound, below words that begin so") {
  // Issue 19: "päällikk" should offer "Asiakaspalvelupäällikkö";
  // titles hold compounds whose every part is a word people type.
  test::TempDir dir;
  test::write_file(dir / "content/fi/asiakaspalvelu.md",
                   test::article("title: Asiakaspalvelupäällikkö ja tehtävät\nslug: tehtavat",
                                 "## Ostotilausrivien tuonti\n\nRivit tuodaan.\n"));
  test::write_file(dir / "content/fi/paallikko.md",
                   test::article("title: Päällikkö ja tiimi\nslug: tiimi", "Tiimin päällikkö.\n"));
  test::write_file(dir / "content/pl/zamowienia.md",
                   test::article("title: Zamówienia zakupu\nslug: zamowienia", "Zamówienia.\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  auto loaded = Suggester::load(layout.revision_dir(*layout.current()));
  REQUIRE(loaded.is_ok());
  const auto& suggester = *loaded.value();
  struct Row {
    const char* typed;
    std::vector<std::string> texts;  // in this order
    const char* first_html;
  };
  const Row rows[] = {
      {"päällikk", {"Päällikkö ja tiimi", "Asiakaspalvelupäällikkö ja tehtävät"}, "<mark>Päällikk</mark>ö ja tiimi"},
      {"palvelup", {"Asiakaspalvelupäällikkö ja tehtävät"}, "Asiakas<mark>palvelup</mark>äällikkö ja tehtävät"},
      {"paallikko teht", {"Asiakaspalvelupäällikkö ja tehtävät"},
       "Asiakaspalvelu<mark>päällikkö</mark> ja <mark>teht</mark>ävät"},
      {"rivien", {"Ostotilausrivien tuonti"}, "Ostotilaus<mark>rivien</mark> tuonti"},
      {"tilausriv", {"Ostotilausrivien tuonti"}, "Osto<mark>tilausriv</mark>ien tuonti"},
      {"zakup", {"Zamówienia zakupu"}, "Zamówienia <mark>zakup</mark>u"},
      {"ienia", {}, ""},  // the middle of a word is no part
  };
  for (const auto& r : rows) {
    INFO(r.typed);
    const auto s = suggester.suggest({r.typed, "", Visibility::kPublic, 8});
    CHECK(texts(s) == r.texts);
    if (!s.empty()) CHECK(s[0].html == r.first_html);
  }
}
