#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/catalog.h"
#include "core/revision.h"
#include "core/search_match.h"
#include "core/searcher.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

struct Fixture {
  Fixture() {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    IndexLayout layout(dir / "index");
    auto s = Searcher::open(layout.revision_dir(*layout.current()));
    REQUIRE(s.is_ok());
    searcher = std::move(s.value());
  }
  SearchResult search(SearchRequest r) {
    auto res = searcher->search(r);
    INFO(res.status().message());
    REQUIRE(res.is_ok());
    return std::move(res.value());
  }
  SearchResult search(const std::string& q, Visibility v = Visibility::kPublic) {
    SearchRequest r;
    r.query = q;
    r.visibility = v;
    return search(r);
  }
  test::TempDir dir;
  std::unique_ptr<Searcher> searcher;
};

std::vector<std::string> slugs(const SearchResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.slug);
  return out;
}

}  // namespace

TEST_CASE("search: a title match ranks above a body match") {
  Fixture f;
  auto r = f.search("ledger");
  REQUIRE(r.hits.size() == 2);
  CHECK(r.hits[0].slug == "ledger-basics");
  CHECK(r.hits[1].slug == "reports");
  CHECK(r.hits[0].score > r.hits[1].score);
}

TEST_CASE("search: each hit names its best section, with anchor and highlighted snippet") {
  Fixture f;
  struct Row {
    const char* query;
    const char* slug;
    const char* anchor;
    const char* marked;
  };
  const Row rows[] = {
      {"general ledger csv", "reports", "exporting", "<mark>ledger</mark>"},
      {"business days", "refunds", "timeline", "<mark>business</mark>"},
      {"emailed every month", "reports", "scheduling", "<mark>emailed</mark>"},
      {"kortilla", "laskutus", "maksutavat", "<mark>kortilla</mark>"},
      {"korygującą", "faktury", "korekta", "<mark>korygującą</mark>"},
      {"vai trò", "quan-ly", "phân-quyền", "<mark>vai</mark>"},
      // Typed without diacritics: the section is found through the folded form.
      {"korygujaca", "faktury", "korekta", "<mark>korygującą</mark>"},
      {"vai tro", "quan-ly", "phân-quyền", "<mark>vai</mark>"},
  };
  for (const auto& r : rows) {
    INFO(r.query);
    auto res = f.search(r.query);
    REQUIRE_FALSE(res.hits.empty());
    const auto& h = res.hits[0];
    CHECK(h.slug == r.slug);
    CHECK(h.section_anchor == r.anchor);
    CHECK(h.url == "/articles/" + std::string(r.slug) + "#" + r.anchor);
    CHECK_THAT(h.snippet, Catch::Contains(r.marked));
  }
}

TEST_CASE("search: stemming finds inflected English forms") {
  Fixture f;
  CHECK(slugs(f.search("refunded")) == std::vector<std::string>{"refunds"});
}

TEST_CASE("search: filters by language, tag and category, with facet counts") {
  Fixture f;
  SearchRequest r;
  r.query = "";
  r.category = "Accounting";
  auto res = f.search(r);
  CHECK(res.total == 2);
  CHECK(res.facets["category"]["Accounting"] == 2);

  r = SearchRequest{};
  r.lang = "fi";
  res = f.search(r);
  CHECK(slugs(res) == std::vector<std::string>{"laskutus"});

  r = SearchRequest{};
  r.tag = "billing";
  res = f.search(r);
  CHECK(slugs(res) == std::vector<std::string>{"refunds"});  // the internal and draft billing articles stay hidden

  auto all = f.search("ledger");
  CHECK(all.facets["lang"]["en"] == 2);
  CHECK(all.facets["tag"]["ledger"] == 1);
  CHECK(all.facets["tag"]["reports"] == 1);
}

TEST_CASE("search: filter clauses match any of their values, and every clause must hold") {
  Fixture f;
  using F = FilterField;
  struct Row {
    std::vector<std::vector<FilterValue>> any_of;
    std::vector<std::string> slugs;  // sorted
  };
  const std::vector<Row> rows = {
      {{{{F::kLang, "fi"}, {F::kLang, "pl"}}}, {"faktury", "laskutus"}},
      {{{{F::kCategory, "Billing"}, {F::kCategory, "Laskutus"}}}, {"laskutus", "refunds"}},  // internal goodwill hidden
      {{{{F::kCategory, "Accounting"}, {F::kTag, "billing"}}}, {"ledger-basics", "refunds", "reports"}},
      {{{{F::kLang, "en"}}, {{F::kTag, "reports"}, {F::kTag, "basics"}}}, {"ledger-basics", "reports"}},
      {{{{F::kLang, "fi"}}, {{F::kCategory, "Accounting"}}}, {}},
      {{{{F::kTag, "secret-tag"}, {F::kTag, "draft-tag"}}}, {}},  // the public never sees these
  };
  for (const auto& row : rows) {
    SearchRequest r;
    r.any_of = row.any_of;
    std::vector<std::string> got = slugs(f.search(r));
    std::sort(got.begin(), got.end());
    INFO("expected " << fmt::format("{}", fmt::join(row.slugs, " ")));
    CHECK(got == row.slugs);
  }
  // Facet counts follow the clauses; a query's words are analysed in the
  // clause's languages.
  SearchRequest r;
  r.query = "laskutuksen";
  r.any_of = {{{F::kLang, "fi"}, {F::kLang, "pl"}}};
  const auto res = f.search(r);
  CHECK(slugs(res) == std::vector<std::string>{"laskutus"});
  CHECK(res.facets.at("lang") == FacetCounts{{"fi", 1}});
}

TEST_CASE("search: pagination walks the results without overlap") {
  Fixture f;
  SearchRequest r;
  r.lang = "en";
  r.limit = 2;
  auto p1 = f.search(r);
  r.offset = 2;
  auto p2 = f.search(r);
  CHECK(p1.total == 3);
  CHECK(p1.hits.size() == 2);
  CHECK(p2.hits.size() == 1);
  CHECK(std::find(p1.hits.begin(), p1.hits.end(), p2.hits[0]) == p1.hits.end());
}

TEST_CASE("search: internal articles for agents and writers, drafts for writers") {
  Fixture f;
  struct Row {
    const char* q;
    size_t agent, writer;
  };
  const Row rows[] = {{"zanzibar", 1, 1}, {"goodwill", 1, 1}, {"quixotic", 0, 1}, {"aurora", 0, 1}};
  for (const auto& r : rows) {
    INFO(r.q);
    CHECK(f.search(r.q).total == 0);
    CHECK(f.search(r.q, Visibility::kAgent).total == r.agent);
    CHECK(f.search(r.q, Visibility::kWriter).total == r.writer);
  }
  auto billing = f.search("billing");
  CHECK(billing.facets["tag"].count("secret-tag") == 0);
  CHECK(billing.facets["tag"].count("draft-tag") == 0);
}

TEST_CASE("search: words in no single article fall back to matching any word") {
  Fixture f;
  auto r = f.search("ledger kortilla");
  CHECK(r.relaxed);
  CHECK(r.total == 3);
  CHECK(std::all_of(r.hits.begin(), r.hits.end(), [](const SearchHit& h) { return h.partial; }));
}

TEST_CASE("search: hostile queries never throw") {
  Fixture f;
  for (const char* q : {"\"unbalanced", "AND OR NOT", "((((", "*", "title:x", "請求書 123 請求", "a\tb\nc",
                        "🙂🙂", "NEAR/3", "-"}) {
    INFO(q);
    SearchRequest r;
    r.query = q;
    CHECK(f.searcher->search(r).is_ok());
  }
}

TEST_CASE("snippets escape HTML from the article text") {
  test::TempDir dir;
  test::write_file(dir / "content/x.md",
                   test::article("title: Escapes", "Use the `<script>alert(1)</script>` tag & \"quotes\" carefully.\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  auto s = Searcher::open(layout.revision_dir(*layout.current()));
  REQUIRE(s.is_ok());
  SearchRequest r;
  r.query = "alert quotes";
  auto res = (*s)->search(r);
  REQUIRE(res.is_ok());
  REQUIRE(res->hits.size() == 1);
  const std::string& snip = res->hits[0].snippet;
  CHECK_THAT(snip, !Catch::Contains("<script>"));
  CHECK_THAT(snip, Catch::Contains("&lt;script&gt;"));
  CHECK_THAT(snip, Catch::Contains("<mark>alert</mark>"));
  CHECK_THAT(snip, Catch::Contains("&amp;"));
}

TEST_CASE("search: a revision built by another version of kb is refused with what to do") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  const auto revision = layout.revision_dir(*layout.current());
  REQUIRE(Searcher::open(revision).is_ok());
  {
    Catalog catalog(IndexLayout::catalog_path(revision).string(), SqliteDb::Mode::kReadWrite);
    catalog.set_meta("schema_version", "13");  // before the catalog's values were compressed
  }
  auto refused = Searcher::open(revision);
  REQUIRE_FALSE(refused.is_ok());
  CHECK_THAT(refused.status().message(), Catch::Contains("another version of kb (schema 13"));
  CHECK_THAT(refused.status().message(), Catch::Contains("run kb-index"));
}

TEST_CASE("open_fulltext opens a stub file listing shards") {
  test::TempDir dir;
  for (const char* shard : {"one", "two"}) {
    Xapian::WritableDatabase db((dir / shard).string(), Xapian::DB_CREATE);
    Xapian::Document doc;
    doc.add_term(std::string("shard") + shard);
    db.add_document(doc);
    db.commit();
  }
  test::write_file(dir / "all.stub", "glass one\nglass two\n");
  Xapian::Database db = open_fulltext((dir / "all.stub").string());
  CHECK(db.get_doccount() == 2);
}

TEST_CASE("search: a word is corrected only when nothing the caller may see has it") {
  // "refundz" is a real word of an internal article and of a draft, one
  // letter from the public "refunds": whether it is a typo depends on who
  // asks, and on the language asked for.
  test::TempDir dir;
  test::write_file(dir / "content/en/refunds.md",
                   test::article("title: Request refunds\nslug: refunds", "How refunds reach your card.\n"));
  test::write_file(dir / "content/en/internal.md",
                   test::article("title: Refundz desk\nslug: refundz-desk\naudience: internal",
                                 "The refundz desk handles escalations.\n"));
  test::write_file(dir / "content/en/draft.md",
                   test::article("title: Refundo plan\nslug: refundo-plan\ndraft: true",
                                 "The refundo plan is not out yet.\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  auto opened = Searcher::open(layout.revision_dir(*layout.current()));
  REQUIRE(opened.is_ok());
  struct Row {
    const char* query;
    Visibility visibility;
    const char* lang;
    const char* corrected;  // "" when none
  };
  const Row rows[] = {
      {"refundz", Visibility::kPublic, "", "refunds"},  // internal only: a typo to the public
      {"refundz", Visibility::kAgent, "", ""},          // agents see the article that has it
      {"refundz", Visibility::kWriter, "", ""},
      {"refundo", Visibility::kAgent, "", "refunds"},  // drafts are not for agents
      {"refundo", Visibility::kWriter, "", ""},        // writers see drafts
      {"refunds", Visibility::kPublic, "", ""},
      {"refundz", Visibility::kAgent, "fi", "refunds"},  // not in the language asked for
  };
  for (const auto& r : rows) {
    INFO(r.query << " as " << static_cast<int>(r.visibility) << " lang '" << r.lang << "'");
    SearchRequest req;
    req.query = r.query;
    req.visibility = r.visibility;
    req.lang = r.lang;
    auto res = opened.value()->search(req);
    REQUIRE(res.is_ok());
    CHECK(res.value().corrected.value_or("") == r.corrected);
  }
}

TEST_CASE("search: a word the language's dictionary knows is not corrected to another") {
  // "kissa" (a cat) is one letter from the articles' "kassa" and "mama" one
  // from "mapa", but both are real words: the visitor meant them, and
  // "corrected" they would search for something else.
  test::TempDir dir;
  test::write_file(dir / "content/fi/kassa.md",
                   test::article("title: Kassan avaaminen\nslug: kassa",
                                                "Kassa avataan aamulla. Ostotilauksen kassa.\n"));
  test::write_file(dir / "content/pl/mapa.md",
                   test::article("title: Mapa magazynu\nslug: mapa", "Mapa pokazuje regały.\n"));
  test::index_folder(dir / "content", dir / "index");
  auto searcher = test::open_current(dir / "index");
  struct Row {
    const char* query;
    const char* corrected;  // "" when none
  };
  const Row rows[] = {
      {"kissa", ""},             // Finnish, known to Voikko
      {"kasdsa", "kassa"},       // no word: a typo
      // A typo that Voikko takes for a compound ("osto" + "tila" + "kusen").
      {"ostotilakusen", "ostotilauksen"},
      {"mama", ""},              // Polish, known to Hunspell
      {"mapda", "mapa"},         // no word: a typo
      {"kissa mapda", "kissa mapa"},
  };
  for (const auto& r : rows) {
    INFO(r.query);
    SearchRequest req;
    req.query = r.query;
    auto res = searcher->search(req);
    REQUIRE(res.is_ok());
    CHECK(res.value().corrected.value_or("") == r.corrected);
  }
}

TEST_CASE("search: a misspelled word is corrected from what the caller may see") {
  Fixture f;
  struct Row {
    const char* query;
    const char* corrected;  // for the public and agents; "" when no correction applies
    const char* first_slug;
    const char* agent_corrected = nullptr;  // when agents get another
    const char* agent_first_slug = nullptr;
  };
  const Row rows[] = {
      {"refnds", "refunds", "refunds"},
      {"ledgr basics", "ledger basics", "ledger-basics"},
      {"korygjącą", "korygującą", "faktury"},
      {"korygujaca", "", "faktury"},  // found by folding, nothing to correct
      {"refunds", "", "refunds"},
      // A word only internal articles have is never suggested to the public;
      // agents get it from the staff spelling data (issue 19).
      {"zanzibr", "", "", "zanzibar", "goodwill"},
      // Nor one only a draft has, to agents either.
      {"quixotc", "", ""},
  };
  for (const auto& r : rows) {
    INFO(r.query);
    for (Visibility v : {Visibility::kPublic, Visibility::kAgent}) {
      INFO(static_cast<int>(v));
      const bool agent = v == Visibility::kAgent && r.agent_corrected;
      const std::string corrected = agent ? r.agent_corrected : r.corrected;
      const std::string first = agent ? r.agent_first_slug : r.first_slug;
      auto res = f.search(r.query, v);
      CHECK(res.corrected.value_or("") == corrected);
      if (!first.empty()) {
        REQUIRE_FALSE(res.hits.empty());
        CHECK(res.hits[0].slug == first);
      } else if (v == Visibility::kPublic) {
        CHECK(res.total == 0);
      }
    }
  }
}

TEST_CASE("search: corrections for agents follow the internal articles through updates in place") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  auto corrected = [&](const char* query) {
    SearchRequest req;
    req.query = query;
    req.visibility = Visibility::kAgent;
    auto res = test::open_current(dir / "index")->search(req);
    REQUIRE(res.is_ok());
    return res.value().corrected.value_or("");
  };
  CHECK(corrected("zanzibr") == "zanzibar");
  // The word leaves with its article, and comes with a new one.
  fs::remove(dir / "content/en/internal/goodwill.md");
  test::write_file(dir / "content/en/internal/escalations.md",
                   test::article("title: Escalations\nslug: escalations\naudience: internal",
                                 "Call the marzipan desk.\n"));
  test::index_folder(dir / "content", dir / "index");
  CHECK(corrected("zanzibr") == "");
  CHECK(corrected("marzipn") == "marzipan");
}

TEST_CASE("search: a language filter with no hits names the languages that have some") {
  Fixture f;
  SearchRequest r;
  r.query = "ledger";
  r.lang = "fi";
  auto res = f.search(r);
  CHECK(res.total == 0);
  CHECK(res.other_languages == FacetCounts{{"en", 2}});
  r.lang = "en";
  CHECK(f.search(r).other_languages.empty());
  // Hidden articles are not counted for the public.
  r.query = "zanzibar";
  r.lang = "fi";
  CHECK(f.search(r).other_languages.empty());
}

TEST_CASE("search: a tag longer than Xapian's term limit still filters") {
  test::TempDir dir;
  const std::string tag(300, 't');
  test::write_file(dir / "content/long.md", test::article("title: Long tag\ntags: [" + tag + "]", "Text.\n"));
  test::write_file(dir / "content/other.md", test::article("title: Other", "Text.\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexLayout layout(dir / "index");
  auto s = Searcher::open(layout.revision_dir(*layout.current()));
  REQUIRE(s.is_ok());
  SearchRequest r;
  r.tag = tag;
  auto res = (*s)->search(r);
  REQUIRE(res.is_ok());
  REQUIRE(res->hits.size() == 1);
  CHECK(res->hits[0].title == "Long tag");
}

namespace {

// A searcher over the articles written by `write` into a fresh content folder.
struct CustomIndex {
  template <typename Write>
  explicit CustomIndex(Write&& write) {
    write(dir / "content");
    test::index_folder(dir / "content", dir / "index");
    IndexLayout layout(dir / "index");
    auto s = Searcher::open(layout.revision_dir(*layout.current()));
    REQUIRE(s.is_ok());
    searcher = std::move(s.value());
  }
  SearchResult search(const std::string& q, size_t offset = 0, size_t limit = 10) {
    SearchRequest r;
    r.query = q;
    r.offset = offset;
    r.limit = limit;
    auto res = searcher->search(r);
    REQUIRE(res.is_ok());
    return std::move(res.value());
  }
  test::TempDir dir;
  std::unique_ptr<Searcher> searcher;
};

// A query, the slug of its first hit, and how many articles it matches at least.
struct FirstHit {
  const char* query;
  const char* slug;
  size_t min_total = 1;
};

void check_first_hits(CustomIndex& index, std::initializer_list<FirstHit> rows) {
  for (const auto& r : rows) {
    INFO(r.query);
    auto res = index.search(r.query);
    REQUIRE_FALSE(res.hits.empty());
    CHECK(res.hits[0].slug == r.slug);
    CHECK(res.total >= r.min_total);
  }
}

}  // namespace

TEST_CASE("search: the short article whose title is the question ranks above long ones mentioning its words") {
  // From the d365 known items: "myyntitilausten vahvistaminen" ranked the
  // task "Vahvista myyntitilaukset" 4th, below long articles that say
  // "myyntitilaus" and "vahvistaminen" again and again.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    std::string long_body;
    for (int i = 0; i < 6; ++i) {
      long_body += "## Vaihe " + std::to_string(i) +
                   "\n\nMyyntitilausten vahvistaminen ja myyntitilausten siirtotilausten ylikeräily "
                   "varastossa. Myyntitilaus vahvistetaan ennen keräilyä, ja vahvistaminen kirjataan.\n\n";
    }
    test::write_file(dir / "fi/ylikeraily.md",
                     article("title: Myyntitilausten ja siirtotilausten ylikeräily varastossa\nlang: fi", long_body));
    test::write_file(dir / "fi/oletukset.md",
                     article("title: Tilauksen oletusasetukset dimensioille ja tuotevarianteille\nlang: fi",
                             long_body));
    test::write_file(dir / "fi/vahvista.md",
                     article("title: Vahvista myyntitilaukset\nlang: fi",
                             "Avaa myyntitilaus ja valitse Vahvista. Vahvistaminen lähettää asiakkaalle vahvistuksen.\n"));
  });
  struct Row {
    const char* query;
    const char* first;
  };
  const Row rows[] = {
      {"myyntitilausten vahvistaminen", "fi/vahvista"},
      {"vahvista myyntitilaus", "fi/vahvista"},
      {"myyntitilaukset", "fi/vahvista"},
  };
  for (const auto& r : rows) {
    INFO(r.query);
    auto res = index.search(r.query);
    REQUIRE(res.hits.size() == 3);
    CHECK(res.hits[0].slug == r.first);
    for (size_t i = 1; i < res.hits.size(); ++i) CHECK(res.hits[i - 1].score >= res.hits[i].score);
  }
}

TEST_CASE("search: a compound typed as two words finds and ranks the articles about the compound first") {
  // From the d365 known items: "osto tilauksen luominen" ranked "Ostotilausten
  // luominen" 5th, below articles saying "osto" and "tilausten" apart. As in
  // a real help center, the parts are common words and the compound is not.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 6; ++i) {
      const std::string n = std::to_string(i);
      test::write_file(dir / ("fi/osto-" + n + ".md"),
                       article("title: Osto ja tilaus " + n + "\nlang: fi",
                               "Osto ja myynti: tilausten luominen konsernin yrityksissä. Osto ja tilaus kirjataan.\n"));
      test::write_file(dir / ("de/daten-" + n + ".md"),
                       article("title: Export " + n + "\nlang: de", "Daten der Bank werden exportiert.\n"));
    }
    test::write_file(dir / "fi/ostotilaus.md",
                     article("title: Ostotilausten luominen\nlang: fi", "Ostotilaus luodaan toimittajalle.\n"));
    test::write_file(dir / "de/datenbank.md", article("title: Sicherung\nlang: de", "Die Datenbank wird gesichert.\n"));
  });
  // The articles with the words apart still match (7 in all).
  check_first_hits(index, {
      {"osto tilauksen luominen", "fi/ostotilaus", 7},
      {"osto tilaus", "fi/ostotilaus", 7},
      {"daten bank", "de/datenbank", 7},  // German: no compound parts in the index, the joined word matches
  });
}

TEST_CASE("search: a compound's modifier typed apart and inflected finds the compound") {
  // Issue 19: on d365, "laskun rivit" ranked the first article titled with
  // "laskurivit" 4th, below three with "laskun" (and "rivit") apart: the
  // joined "laskunrivit" is no word, the compound has the modifier's base
  // form.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 6; ++i) {
      const std::string n = std::to_string(i);
      // As in a real help center, the parts are in many compounds.
      test::write_file(dir / ("fi/lasku-" + n + ".md"),
                       article("title: Laskun tiedot " + n + "\nlang: fi",
                               "Laskun otsikko ja rivit. Laskun rivit tulostetaan.\n"));
      test::write_file(dir / ("fi/tilaus-" + n + ".md"),
                       article("title: Tilauksen vahvistus " + n + "\nlang: fi",
                               "Tilauksen rivi ja otsikko. Tilauksen rivi vahvistetaan.\n"));
      test::write_file(dir / ("fi/muut-" + n + ".md"),
                       article("title: Laskupohjat ja tilaustyypit " + n + "\nlang: fi",
                               "Laskupohja, laskuehdot, rivialennus, riviryhmä, tilaustyyppi ja tilaustila.\n"));
    }
    test::write_file(dir / "fi/laskurivit.md",
                     article("title: Laskurivien tuonti\nlang: fi", "Laskurivit tuodaan tiedostosta.\n"));
    test::write_file(dir / "fi/tilausrivit.md",
                     article("title: Tilausrivin alennus\nlang: fi", "Tilausrivin hinta lasketaan.\n"));
  });
  check_first_hits(index, {
      {"laskun rivit", "fi/laskurivit", 7},
      {"tilauksen rivi", "fi/tilausrivit", 7},
  });
}

TEST_CASE("search: a Polish how-to question in the perfective finds the task titled with the imperfective") {
  // From the d365 known items: "jak utworzyć zamówienie sprzedaży?" ranked
  // "Tworzenie zamówień sprzedaży" 6th: "utworzyć" and "tworzenie" (lemma
  // "tworzyć") are two verbs of one aspect pair.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 4; ++i) {
      const std::string n = std::to_string(i);
      test::write_file(dir / ("pl/zamowienia-" + n + ".md"),
                       article("title: Zamówienie sprzedaży " + n + "\nlang: pl",
                               "Zamówienie sprzedaży i zamówienie sprzedaży projektu.\n"));
      test::write_file(dir / ("pl/dostawcy-" + n + ".md"),
                       article("title: Dostawca " + n + "\nlang: pl", "Dostawca, dostawcę i dostawcy.\n"));
    }
    test::write_file(dir / "pl/tworzenie.md",
                     article("title: Tworzenie zamówień sprzedaży\nlang: pl", "Zamówienia sprzedaży w module.\n"));
    test::write_file(dir / "pl/dodawanie.md",
                     article("title: Dodawanie dostawców\nlang: pl", "Dostawcy w module zakupów.\n"));
  });
  check_first_hits(index, {
      {"jak utworzyć zamówienie sprzedaży?", "pl/tworzenie"},
      {"jak dodać dostawcę", "pl/dodawanie"},
  });
}

TEST_CASE("search: a Finnish noun finds the task titled with the verb it is made from") {
  // From the d365 known items: "käyttöomaisuuserän siirto" ranked "Siirrä
  // käyttöomaisuuserä" 5th: "siirto" (a transfer) is made from "siirtää".
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 4; ++i) {
      test::write_file(dir / ("fi/tilit-" + std::to_string(i) + ".md"),
                       article("title: Käyttöomaisuuserän tilit " + std::to_string(i) + "\nlang: fi",
                               "Käyttöomaisuuserän tilit. Käyttöomaisuuserä kirjataan ennen siirtoa.\n"));
    }
    test::write_file(dir / "fi/siirra.md",
                     article("title: Siirrä käyttöomaisuuserä\nlang: fi", "Valitse uusi sijainti ja vahvista.\n"));
  });
  check_first_hits(index, {{"käyttöomaisuuserän siirto", "fi/siirra"}});
}

TEST_CASE("search: a Finnish verb finds the nouns made from it, and they each other") {
  // Issue 19: customers ask "tietojen vieminen" or "miten viedä tiedot" of
  // an article titled with the noun "vienti" (an export), which Voikko
  // derives from "viedä"; the noun's own base form is "vienti".
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 4; ++i) {
      test::write_file(dir / ("fi/tuonti-" + std::to_string(i) + ".md"),
                       article("title: Tietojen tuonti " + std::to_string(i) + "\nlang: fi",
                               "Tiedot tuodaan tiedostosta. Tietojen tarkistus ennen tuontia.\n"));
    }
    test::write_file(dir / "fi/vienti.md",
                     article("title: Tietojen vienti Exceliin\nlang: fi", "Vienti aloitetaan valikosta.\n"));
    test::write_file(dir / "fi/viejat.md",
                     article("title: Viejän asiakirjat\nlang: fi", "Viejä tarvitsee alkuperätodistuksen.\n"));
  });
  check_first_hits(index, {
      {"tietojen vieminen", "fi/vienti"},
      {"miten viedä tiedot", "fi/vienti"},
      {"viejä", "fi/viejat", 2},  // the exporter first, the export also found
  });
}

TEST_CASE("search: a Polish noun finds the task titled with its verb in -ować, and the reverse") {
  // Issue 19: customers write "eksport danych" for "Eksportowanie danych",
  // "jak skonfigurować" for "Konfiguracja"; Hunspell has no derivations.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    for (int i = 0; i < 4; ++i) {
      const std::string n = std::to_string(i);
      test::write_file(dir / ("pl/dane-" + n + ".md"),
                       article("title: Dane klienta " + n + "\nlang: pl", "Dane klienta i dane dostawcy w module.\n"));
      test::write_file(dir / ("pl/drukarki-" + n + ".md"),
                       article("title: Drukarki " + n + "\nlang: pl", "Drukarki i ich konfiguracja w sieci.\n"));
    }
    test::write_file(dir / "pl/eksportowanie.md",
                     article("title: Eksportowanie danych\nlang: pl", "Wybierz format pliku.\n"));
    test::write_file(dir / "pl/konfigurowanie.md",
                     article("title: Jak konfigurować drukarki\nlang: pl", "Ustawienia w module.\n"));
  });
  check_first_hits(index, {
      {"eksport danych", "pl/eksportowanie"},
      {"konfiguracja drukarki", "pl/konfigurowanie"},
  });
}

TEST_CASE("search: pages of a query walk every match once, across the re-ranked top") {
  const int n = 64;  // more than the re-ranked top (50)
  CustomIndex index([&](const fs::path& dir) {
    for (int i = 0; i < n; ++i) {
      // The same text in every article, so BM25 ties all 64; a third have
      // titles the re-ranking favours (words sharing the query's roots, no
      // exact title match). Those in the re-ranked top rise, those past it
      // do not, and every page must agree on what that top holds.
      const std::string body = "The widget counts gears. ";
      const std::string title = i % 3 == 0 ? "Widgetry gearsets" : fmt::format("Note {}", i);
      test::write_file(dir / fmt::format("en/w{:02}.md", i),
                       test::article(fmt::format("title: {}\nlang: en", title), body + "\n"));
    }
  });
  // One page of 100 is the whole order; pages of any size must be its slices.
  std::vector<std::string> whole;
  for (const auto& h : index.search("widget gears", 0, 100).hits) whole.push_back(h.slug);
  REQUIRE(whole.size() == static_cast<size_t>(n));
  // The data does what it is meant to: favoured titles within the top rose
  // to the front, the ones past it stayed where BM25 put them.
  auto favoured = [](const std::string& slug) { return std::stoi(slug.substr(4)) % 3 == 0; };
  const auto top_end = whole.begin() + 50;
  const auto first_plain = std::find_if_not(whole.begin(), top_end, favoured);
  CHECK(first_plain != whole.begin());
  CHECK(std::none_of(first_plain, top_end, favoured));
  CHECK(std::any_of(top_end, whole.end(), favoured));
  for (size_t limit : {7, 9, 10, 11, 25}) {
    INFO("limit " << limit);
    std::vector<std::string> seen;
    for (size_t offset = 0; offset < static_cast<size_t>(n) + limit; offset += limit) {
      auto page = index.search("widget gears", offset, limit);
      CHECK(page.total == static_cast<size_t>(n));
      for (const auto& h : page.hits) seen.push_back(h.slug);
    }
    CHECK(seen == whole);
    std::sort(seen.begin(), seen.end());
    CHECK(seen.size() == static_cast<size_t>(n));
    CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  }
}

TEST_CASE("search: a large index counts exactly up to a bound, then estimates the total and facets, and pages still fill") {
  const CountLimits large;  // the defaults
  const size_t n = large.matches + large.matches / 2;
  CustomIndex index([&](const fs::path& dir) {
    for (size_t i = 0; i < n; ++i) {
      const bool rare = i % 100 == 0;  // 15 articles also say "scanner"
      test::write_file(dir / fmt::format("en/{:03}/p{}.md", i / 500, i),
                       test::article(fmt::format("title: Printer note {}\nlang: en", i),
                                     rare ? "The printer and the scanner.\n" : "The printer needs paper.\n"));
    }
  });
  // A help center of this size counts every match.
  const SearchResult exact = index.search("printer");
  CHECK_FALSE(exact.total_is_estimate);
  CHECK(exact.total == n);
  CHECK(exact.facets.at("lang").at("en") == n);
  // Counted as an index past all_up_to_articles is.
  index.searcher->set_count_limits({.all_up_to_articles = n / 2, .matches = large.matches});
  const SearchResult common = index.search("printer");
  CHECK(common.total_is_estimate);
  CHECK(common.total >= large.matches);
  CHECK(common.total <= 2 * n);
  // One language: its scaled count is the estimated total.
  CHECK(common.facets.at("lang").at("en") == common.total);
  CHECK(common.hits.size() == 10);
  CHECK(index.search("printer", 990, 10).hits.size() == 10);
  const SearchResult rare = index.search("scanner");
  CHECK_FALSE(rare.total_is_estimate);
  CHECK(rare.total == n / 100);
  CHECK(rare.facets.at("lang").at("en") == n / 100);
}

TEST_CASE("search: when few articles have every word, those with some of them follow, marked partial") {
  // "the widget gears": `both` articles have both rare words, `one` only
  // "gears", in their titles too, so BM25 and the title re-ranking alone
  // would put them first. Fewer than Searcher::kFewMatches with both: the
  // others follow. As many or more: only those. None: any rare word
  // (relaxed). The other articles, there to keep both words rare, have only
  // "the": never listed.
  struct Row {
    int both, one;
    size_t total;
    bool relaxed;
  };
  const Row rows[] = {
      {1, 3, 4, false},
      {static_cast<int>(Searcher::kFewMatches) - 1, 3, Searcher::kFewMatches + 2, false},
      {static_cast<int>(Searcher::kFewMatches), 3, Searcher::kFewMatches, false},
      {0, 3, 3, true},
      {1, 60, 61, false},  // partial hits past the re-ranked top (50)
  };
  for (const auto& row : rows) {
    INFO("both " << row.both << ", one " << row.one);
    CustomIndex index([&](const fs::path& dir) {
      // A word in more than 15% of the articles only ranks (plan_query).
      const int others = static_cast<int>((row.both + row.one) / 0.15) + 1;
      for (int i = 0; i < others; ++i) {
        test::write_file(dir / fmt::format("en/other{:03}.md", i),
                         test::article(fmt::format("title: Other {}\nlang: en", i), "The note is about the weather.\n"));
      }
      for (int i = 0; i < row.both; ++i) {
        test::write_file(dir / fmt::format("en/both{:02}.md", i),
                         test::article(fmt::format("title: Note {}\nlang: en", i),
                                       "A long note on many things, among them the widget and its gears.\n"));
      }
      for (int i = 0; i < row.one; ++i) {
        test::write_file(dir / fmt::format("en/one{:02}.md", i),
                         test::article(fmt::format("title: Gears {}\nlang: en", i), "Gears, gears and gears.\n"));
      }
    });
    auto whole = index.search("the widget gears", 0, 100);
    CHECK(whole.total == row.total);
    CHECK(whole.relaxed == row.relaxed);
    REQUIRE(whole.hits.size() == row.total);
    const size_t with_both = static_cast<size_t>(row.relaxed ? 0 : std::min<int>(row.both, static_cast<int>(row.total)));
    for (size_t i = 0; i < whole.hits.size(); ++i) {
      INFO(whole.hits[i].slug);
      CHECK(whole.hits[i].partial == (i >= with_both));
      CHECK(whole.hits[i].slug.find(i < with_both ? "both" : "one") != std::string::npos);
    }
    // Pages of any size are slices of that order.
    for (size_t limit : {3, 10, 25}) {
      INFO("limit " << limit);
      std::vector<std::string> seen;
      for (size_t offset = 0; offset < row.total; offset += limit) {
        auto page = index.search("the widget gears", offset, limit);
        CHECK(page.total == row.total);
        for (const auto& h : page.hits) seen.push_back(h.slug);
      }
      CHECK(seen == slugs(whole));
    }
  }
}

TEST_CASE("search: an article with only the common words of a query is no match") {
  CustomIndex index([&](const fs::path& dir) {
    for (int i = 0; i < 30; ++i) {
      test::write_file(dir / fmt::format("en/how{:02}.md", i),
                       test::article(fmt::format("title: How to do thing {}\nlang: en", i),
                                     "How to do it: open the app and do it.\n"));
    }
    test::write_file(dir / "en/password.md",
                     test::article("title: Reset your password\nlang: en", "To reset your password, open the app.\n"));
  });
  struct Row {
    const char* query;
    size_t total;
  };
  const Row rows[] = {
      {"how do i reset my password", 1},  // a long query: ranked, yet only on its rare words
      {"how to reset", 1},
      {"how to zzzqqq", 0},  // its one rare word is in no article
      {"how to do it", 30},  // every word common: they are what there is (all but one of them)
  };
  for (const auto& r : rows) {
    INFO(r.query);
    SearchRequest req;
    req.query = r.query;
    req.correct_spelling = false;
    auto res = index.searcher->search(req);
    REQUIRE(res.is_ok());
    CHECK(res->total == r.total);
  }
}

TEST_CASE("search: the writers' synonyms find articles in the other words, below the words as typed") {
  // The d365 known items that no analysis finds: Vietnamese "nhân bản" for
  // an article that says "sao chép" (both: to copy), Finnish "faktuura" for
  // "lasku" (an invoice). Only the help center's writers know these.
  CustomIndex index([](const fs::path& dir) {
    using test::article;
    test::write_file(dir / "synonyms.txt",
                     "# what customers type, and what the articles say\n"
                     "sign in, log in\n"
                     "workroom => project  # the old name finds projects, not back\n"
                     "[vi]\n"
                     "nhân bản, sao chép\n"
                     "[fi]\n"
                     "faktuura, lasku\n");
    test::write_file(dir / "vi/sao-chep.md",
                     article("title: Sao chép dự án\nlang: vi", "Chọn dự án và sao chép các dòng của nó.\n"));
    test::write_file(dir / "vi/nhan-ban.md",
                     article("title: Nhân bản dự án mẫu\nlang: vi", "Nhân bản một dự án mẫu.\n"));
    test::write_file(dir / "vi/ngan-sach.md",
                     article("title: Ngân sách dự án\nlang: vi", "Ngân sách của dự án.\n"));
    test::write_file(dir / "fi/lasku.md",
                     article("title: Laskun hyväksyminen\nlang: fi", "Lasku hyväksytään ennen maksua.\n"));
    test::write_file(dir / "fi/tilaus.md", article("title: Tilauksen hyväksyminen\nlang: fi", "Tilaus hyväksytään.\n"));
    test::write_file(dir / "en/projects.md", article("title: Create a project\nlang: en", "Projects hold tasks.\n"));
    test::write_file(dir / "en/workroom.md", article("title: Workroom archive\nlang: en", "Old workroom exports.\n"));
    test::write_file(dir / "en/login.md", article("title: Log in to the portal\nlang: en", "Log in with your work account.\n"));
  });
  struct Row {
    const char* query;
    std::vector<std::string> first;  // the first hits, in order
    const char* marked;              // in the first hit's snippet
  };
  const Row rows[] = {
      // The words as typed first, then the synonym's article, above the one
      // with only the other words.
      {"nhân bản dự án", {"vi/nhan-ban", "vi/sao-chep"}, "<mark>Nhân</mark> <mark>bản</mark>"},
      {"sao chép dự án", {"vi/sao-chep", "vi/nhan-ban"}, "<mark>sao</mark> <mark>chép</mark>"},
      // Without diacritics, and inflected: the entry still matches.
      {"nhan ban du an", {"vi/nhan-ban", "vi/sao-chep"}, "<mark>Nhân</mark>"},
      {"faktuuran hyväksyminen", {"fi/lasku"}, "<mark>Lasku</mark>"},
      {"how do I sign in", {"en/login"}, "<mark>Log</mark>"},
  };
  for (const Row& row : rows) {
    INFO(row.query);
    const auto res = index.search(row.query);
    REQUIRE(res.hits.size() >= row.first.size());
    for (size_t i = 0; i < row.first.size(); ++i) CHECK(res.hits[i].slug == row.first[i]);
    CHECK_THAT(res.hits[0].snippet, Catch::Contains(row.marked));
  }
  // "faktuura" is in no article: it is a synonym, not a typo to correct.
  const auto res = index.search("faktuura");
  CHECK_FALSE(res.corrected);
  REQUIRE_FALSE(res.hits.empty());
  CHECK(res.hits[0].slug == "fi/lasku");
  // The articles suggested as the customer types are found the same way
  // (ranked by BM25 alone: no title re-ranking there).
  const std::pair<const char*, std::set<std::string>> typed_rows[] = {
      {"faktuura ", {"fi/lasku"}},
      {"faktuuran hyv", {"fi/lasku"}},
      {"nhân bản ", {"vi/nhan-ban", "vi/sao-chep"}},
      {"nhan ban ", {"vi/nhan-ban", "vi/sao-chep"}},
  };
  for (const auto& [typed, expected] : typed_rows) {
    INFO(typed);
    TypedQuery q;
    q.text = typed;
    auto top = index.searcher->top_articles(q);
    REQUIRE(top.is_ok());
    std::set<std::string> got;
    for (const auto& h : top.value()) got.insert(h.slug);
    CHECK(got == expected);
  }
  // One way: "workroom" also finds projects; "project" does not bring the
  // articles that say "workroom".
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(sorted(slugs(index.search("workroom"))) == std::vector<std::string>{"en/projects", "en/workroom"});
  CHECK(slugs(index.search("project")) == std::vector<std::string>{"en/projects"});
  // A group under [vi] is for Vietnamese searches only.
  SearchRequest fi;
  fi.query = "nhân bản";
  fi.lang = "fi";
  CHECK(index.searcher->search(fi).value().hits.empty());
}

namespace {

// The words of `revision`'s index, as a query sees them.
struct IndexWords {
  explicit IndexWords(const fs::path& index)
      : db(IndexLayout::xapian_path(IndexLayout(index).revision_dir(*IndexLayout(index).current())).string()),
        vocabulary(db) {}
  Xapian::Database db;
  analysis::Vocabulary vocabulary;
};

bool has_term(const analysis::QueryWord& w, const std::string& term) {
  return std::any_of(w.terms.begin(), w.terms.end(), [&](const analysis::WeightedTerm& t) { return t.term == term; });
}

}  // namespace

TEST_CASE("words typed without diacritics are restored from the index's own words, the dictionary last") {
  test::TempDir dir;
  using test::article;
  using test::write_file;
  write_file(dir / "content/orders.md",
             article("title: Zamówienia sprzedaży\nslug: orders\nlang: pl", "Jak utworzyć nowe zamówienie sprzedaży.\n"));
  write_file(dir / "content/cancel.md",
             article("title: Anulowanie zamówień\nslug: cancel\nlang: pl", "Anulowanych zamówień nie można przywrócić.\n"));
  write_file(dir / "content/leave.md",
             article("title: Lomapyynnön käsittely\nslug: leave\nlang: fi", "Esimies hyväksyy lomapyynnön.\n"));
  write_file(dir / "content/holidays.md",
             article("title: Lomapyyntöjen raportti\nslug: holidays\nlang: fi", "Raportti näyttää kaikki lomat.\n"));
  // A project's code name that a dictionary would read as "złomowanie".
  write_file(dir / "content/codename.md",
             article("title: Projekt Zlomowanie\nslug: codename\nlang: pl", "Nazwa kodowa projektu to zlomowanie.\n"));
  write_file(dir / "content/users.md",
             article("title: Quản lý người dùng\nslug: users\nlang: vi", "Quản lý quân số và quán.\n"));
  test::index_folder(dir / "content", dir / "index");
  IndexWords index(dir / "index");

  struct Accented {
    const char* plain;
    std::vector<std::string> words;  // in byte order
  };
  const Accented table[] = {
      {"zamowienia", {"zamówienia"}},
      {"zamowien", {"zamówień"}},
      {"lomapyynnon", {"lomapyynnön"}},
      {"quan", {"quán", "quân", "quản"}},
      {"raportti", {}},    // written without diacritics
      {"kayttoomaisuuseran", {}},  // not in the articles
  };
  for (const auto& r : table) {
    INFO(r.plain);
    CHECK(index.vocabulary.accented(r.plain) == r.words);
  }

  struct Row {
    const char* typed;
    const char* term;  // a term the query word has, or lacks
    bool has;
  };
  const Row rows[] = {
      // Restored from the articles' words, with the base form that finds
      // other inflections ("zamówień" in the cancel article).
      {"zamowienia", "zamówienia", true},
      {"zamowienia", "Zzamówienie", true},
      {"lomapyynnon", "Zlomapyyntö", true},
      // The articles have it as typed and in no other spelling: a word of
      // its own, not "złomowanie" without its diacritics.
      {"zlomowanie", "złomowanie", false},
      // Vietnamese words are no Finnish or Polish ones.
      {"quan", "quản", false},
      // In no article either way: the dictionary's word, as before.
      {"kayttoomaisuuseran", "käyttöomaisuuserän", true},
  };
  for (const auto& r : rows) {
    INFO(r.typed << " -> " << r.term);
    const auto words = analysis::analyse_query(r.typed, {"fi", "pl", "vi"}, true, &index.vocabulary);
    REQUIRE(words.size() == 1);
    CHECK(has_term(words[0], r.term) == r.has);
  }

  // Two words written together: diacritics from the index's words only (the
  // dictionary would try every way to accent a long joined word).
  struct Joined {
    const char* typed;
    const char* term;
    bool has;
  };
  const Joined joined[] = {
      {"loma pyynnon", "lomapyynnön", true},
      {"kayttoomaisuus eran", "käyttöomaisuuserän", false},
  };
  for (const auto& r : joined) {
    INFO(r.typed << " -> " << r.term);
    const auto pairs = analysis::joined_words(analysis::analyse_query(r.typed, {"fi"}), {"fi"}, &index.vocabulary);
    REQUIRE(pairs.size() == 1);
    CHECK(has_term(pairs[0].word, r.term) == r.has);
  }

  // What a customer sees: both articles about orders, whichever inflection.
  auto s = Searcher::open(IndexLayout(dir / "index").revision_dir(*IndexLayout(dir / "index").current()));
  REQUIRE(s.is_ok());
  SearchRequest request;
  request.query = "zamowienia";
  request.visibility = Visibility::kPublic;
  auto res = (*s)->search(request);
  REQUIRE(res.is_ok());
  std::set<std::string> slugs;
  for (const auto& h : res->hits) slugs.insert(h.slug);
  CHECK(slugs == std::set<std::string>{"orders", "cancel"});
}

TEST_CASE("the index's words with diacritics survive a build in shards and an update in place") {
  // Enough articles for a build in shards (each word's entry is written by
  // one shard, the compactor unites them), then one more article indexed in
  // place.
  test::TempDir dir;
  const char* words[] = {"quản", "quán", "quân", "quần", "quăn"};
  for (int i = 0; i < 250; ++i) {
    const std::string word = i < 5 ? words[i] : "filler";
    test::write_file(dir / fmt::format("content/a{}.md", i),
                     test::article(fmt::format("title: Article {}\nlang: vi", i), "Nội dung " + word + ".\n"));
  }
  test::index_folder(dir / "content", dir / "index");
  CHECK(IndexWords(dir / "index").vocabulary.accented("quan") ==
        std::vector<std::string>{"quán", "quân", "quăn", "quản", "quần"});
  test::write_file(dir / "content/late.md", test::article("title: Late\nlang: vi", "Quạn.\n"));
  test::index_folder(dir / "content", dir / "index");
  CHECK(IndexWords(dir / "index").vocabulary.accented("quan").size() == 6);
}
