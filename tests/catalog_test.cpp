#include <catch2/catch.hpp>

#include <random>

#include "core/catalog.h"
#include "core/compress.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

Article make(const std::string& path, const std::string& slug, Audience audience, bool draft,
             const std::string& translation_of = "") {
  Article a;
  a.path = path;
  a.meta.slug = slug;
  a.meta.title = "Title " + slug;
  a.meta.lang = "en";
  a.meta.audience = audience;
  a.meta.draft = draft;
  a.meta.translation_of = translation_of;
  a.html = "<p>x</p>";
  a.sections = {{"", "", 0, "intro", "intro"}, {"Steps", "steps", 2, "do it", "do it"}};
  a.content_hash = "h-" + slug;
  return a;
}

// Help-center-like text: sentences drawn (seeded) from a small vocabulary,
// so a dictionary has something to learn and each value still differs.
std::string help_text(std::mt19937& rng, size_t bytes) {
  static const std::vector<std::string> words = {
      "Open",     "the",      "invoice",  "and",        "select",    "Approve", "payment", "terms",   "vendor",
      "customer", "account",  "ledger",   "posting",    "journal",   "from",    "to",      "Settings", "page",
      "in",       "a",        "number",   "sequence",   "warehouse", "item",    "order",   "sales",   "purchase",
      "lomake",   "tilaus",   "myyntitilauksen", "hyväksyminen", "zamówienia", "faktury", "quản lý", "kho"};
  std::string out;
  while (out.size() < bytes) {
    const size_t n = 6 + rng() % 10;
    for (size_t i = 0; i < n; ++i) out += words[rng() % words.size()] + (i + 1 < n ? " " : ". ");
  }
  return out;
}

std::vector<Article> help_center(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Article> out;
  for (size_t i = 0; i < n; ++i) {
    Article a = make("a" + std::to_string(i) + ".md", "a" + std::to_string(i), Audience::kPublic, false);
    a.sections.clear();
    for (int k = 0; k < 4; ++k) {
      const std::string text = help_text(rng, 400 + rng() % 800);
      a.sections.push_back({"Step " + std::to_string(k), "step-" + std::to_string(k), 2, text, "**" + text + "**"});
    }
    out.push_back(std::move(a));
  }
  return out;
}

int64_t stored_section_bytes(Catalog& c) {
  auto st = c.db().prepare("SELECT sum(length(data)) FROM sections");
  REQUIRE(st.step());
  return st.integer(0);
}

}  // namespace

TEST_CASE("catalog: put, update by path, find, remove") {
  test::TempDir dir;
  Catalog c((dir / "catalog.db").string(), SqliteDb::Mode::kReadWrite);
  c.create_schema();
  Article a = make("a.md", "a", Audience::kPublic, false);
  c.put(a);
  CHECK(a.id > 0);
  const int64_t id = a.id;
  a.meta.title = "Changed";
  c.put(a);
  CHECK(a.id == id);  // same path keeps its id
  auto found = c.find_by_slug("a", Visibility::kPublic);
  REQUIRE(found);
  CHECK(found->meta.title == "Changed");
  REQUIRE(found->sections.size() == 2);
  CHECK(found->sections[1].anchor == "steps");
  REQUIRE(c.section(id, 1, Visibility::kPublic));
  CHECK(c.section(id, 1, Visibility::kPublic)->anchor == "steps");
  CHECK_FALSE(c.section(id, 2, Visibility::kPublic));
  c.remove(id);
  CHECK_FALSE(c.find_by_slug("a", Visibility::kPublic));
  CHECK(c.schema_version() > 0);
}

TEST_CASE("catalog: internal articles for agents and writers, drafts for writers") {
  test::TempDir dir;
  Catalog c((dir / "catalog.db").string(), SqliteDb::Mode::kReadWrite);
  c.create_schema();
  Article pub = make("p.md", "p", Audience::kPublic, false);
  Article internal = make("i.md", "i", Audience::kInternal, false);
  Article draft = make("d.md", "d", Audience::kPublic, true);
  Article fi = make("fi/p.md", "p-fi", Audience::kPublic, false, "p");
  Article fi_internal = make("fi/i.md", "p-fi-int", Audience::kInternal, false, "p");
  for (Article* a : {&pub, &internal, &draft, &fi, &fi_internal}) c.put(*a);

  CHECK_FALSE(c.find_by_slug("i", Visibility::kPublic));
  CHECK_FALSE(c.find_by_slug("d", Visibility::kPublic));
  CHECK(c.find_by_slug("i", Visibility::kAgent));
  CHECK_FALSE(c.find_by_slug("d", Visibility::kAgent));
  CHECK(c.find_by_slug("i", Visibility::kWriter));
  CHECK(c.find_by_slug("d", Visibility::kWriter));
  CHECK(c.list(Visibility::kPublic).size() == 2);
  CHECK(c.list(Visibility::kAgent).size() == 4);
  CHECK(c.list(Visibility::kWriter).size() == 5);
  CHECK(c.translations_of(pub, Visibility::kPublic).size() == 1);
  CHECK(c.translations_of(pub, Visibility::kAgent).size() == 2);
  CHECK(c.translations_of(fi, Visibility::kPublic).size() == 1);  // the source
}

TEST_CASE("compress: values come back byte for byte") {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "<p>Lomapyynnön hyväksyminen " + std::to_string(i) + "</p>\n";
  const std::vector<std::string> values = {"", "x", "quản lý kho", all_bytes, big};
  for (const auto& v : values) {
    CAPTURE(v.size());
    const std::string frame = compress(v);
    CHECK(decompress(frame) == v);
    CHECK(frame.empty() == v.empty());  // "" stays "": absent agent copies
  }
  CHECK(compress(big).size() * 10 < big.size());
}

TEST_CASE("compress: a dictionary trained on the help center packs small values, and only it unpacks them") {
  std::mt19937 rng(7);
  std::vector<std::string> texts;
  for (int i = 0; i < 600; ++i) texts.push_back(help_text(rng, 700));
  const std::vector<std::string_view> samples(texts.begin(), texts.end());
  const auto bytes = CompressionDictionary::train(samples, 16 << 10);
  REQUIRE(bytes);
  const CompressionDictionary dict(*bytes);
  const std::string value = help_text(rng, 700);  // not one it was trained on
  const std::string frame = compress(value, &dict);
  CHECK(decompress(frame, &dict) == value);
  CHECK(frame.size() * 10 < compress(value).size() * 7);  // the point of it: 30% or more smaller
  CHECK(compress("", &dict).empty());
  // Without its dictionary, or with another, a frame is damage, named as such.
  CHECK_THROWS_WITH(decompress(frame), Catch::Contains("compression dictionary"));
  std::mt19937 other_rng(8);
  std::vector<std::string> other_texts;
  for (int i = 0; i < 600; ++i) other_texts.push_back(help_text(other_rng, 700));
  const auto other = CompressionDictionary::train({other_texts.begin(), other_texts.end()}, 16 << 10);
  REQUIRE(other);
  const CompressionDictionary other_dict(*other);
  REQUIRE(other_dict.id() != dict.id());
  CHECK_THROWS_WITH(decompress(frame, &other_dict), Catch::Contains("compression dictionary"));
  // A frame without a dictionary reads with or without one.
  CHECK(decompress(compress(value), &dict) == value);
  // Too little to learn from: no dictionary, and not a made-up one.
  CHECK_FALSE(CompressionDictionary::train({samples.begin(), samples.begin() + 10}, 16 << 10));
  CHECK_THROWS_WITH(CompressionDictionary("not a dictionary"), Catch::Contains("not a zstd dictionary"));
}

TEST_CASE("catalog: sections are packed with a dictionary trained on the help center, and read back one by one") {
  test::TempDir dir;
  std::vector<Article> articles = help_center(800, 1);
  Catalog with((dir / "with.db").string(), SqliteDb::Mode::kReadWrite);
  with.create_schema();
  Catalog without((dir / "without.db").string(), SqliteDb::Mode::kReadWrite);
  without.create_schema();
  {
    Transaction t1(with.db()), t2(without.db());
    REQUIRE(with.train_section_dictionary(articles));
    for (auto& a : articles) with.put(a);
    std::vector<Article> copies = articles;
    for (auto& a : copies) without.put(a);
    t1.commit();
    t2.commit();
  }
  CHECK(stored_section_bytes(with) * 10 < stored_section_bytes(without) * 8);
  // A catalog that has sections keeps them as they are: no dictionary later.
  CHECK_FALSE(without.train_section_dictionary(articles));

  // Read back through a fresh connection, as the server reads them.
  Catalog reader((dir / "with.db").string(), SqliteDb::Mode::kReadOnly);
  for (size_t i = 0; i < articles.size(); i += 97) {
    const Article& a = articles[i];
    for (size_t k = 0; k < a.sections.size(); ++k) {
      const auto s = reader.section(a.id, k, Visibility::kPublic);
      REQUIRE(s);
      CHECK(s->text == a.sections[k].text);
      CHECK(s->anchor == a.sections[k].anchor);
      CHECK(s->markdown.empty());
    }
    CHECK_FALSE(reader.section(a.id, a.sections.size(), Visibility::kPublic));
    const auto whole = reader.find_by_slug(a.meta.slug, Visibility::kPublic);
    REQUIRE(whole);
    REQUIRE(whole->sections.size() == a.sections.size());
    for (size_t k = 0; k < a.sections.size(); ++k) CHECK(whole->sections[k].markdown == a.sections[k].markdown);
  }
  // A small help center has too little text to train on: sections still
  // store and read.
  Catalog small((dir / "small.db").string(), SqliteDb::Mode::kReadWrite);
  small.create_schema();
  std::vector<Article> few = help_center(3, 2);
  CHECK_FALSE(small.train_section_dictionary(few));
  for (auto& a : few) small.put(a);
  REQUIRE(small.section(few[2].id, 3, Visibility::kPublic));
  CHECK(small.section(few[2].id, 3, Visibility::kPublic)->text == few[2].sections[3].text);
}

TEST_CASE("compress: a damaged value is an error that says so, never garbage") {
  const std::string frame = compress(std::string(5000, 'a') + "tail");
  const std::vector<std::string> damaged = {"not a frame", frame.substr(0, frame.size() / 2),
                                            frame.substr(0, 3), std::string(16, '\xff')};
  for (const auto& d : damaged) {
    CAPTURE(d.size());
    CHECK_THROWS_WITH(decompress(d), Catch::Contains("damaged catalog value"));
  }
}

TEST_CASE("catalog: HTML and sections are stored compressed and read back whole") {
  test::TempDir dir;
  Catalog c((dir / "catalog.db").string(), SqliteDb::Mode::kReadWrite);
  c.create_schema();
  Article a = make("a.md", "a", Audience::kPublic, false);
  std::string text;
  for (int i = 0; i < 300; ++i) text += "Kuluraportin hyväksyminen vaihe " + std::to_string(i) + ". ";
  a.html = "<p>" + text + "</p>";
  a.sections[1].text = text;
  a.html_agent = a.html + "<div class=\"internal-block\">secret</div>";
  a.sections_agent = a.sections;
  a.sections_agent.push_back({"Internal", "internal", 2, "secret", "secret"});
  c.put(a);

  auto st = c.db().prepare(
      "SELECT length(html), length(html_agent), (SELECT length(data) FROM sections WHERE article_id = articles.id) "
      "FROM articles WHERE id = ?1");
  st.bind(1, a.id);
  REQUIRE(st.step());
  CHECK(st.integer(0) * 4 < static_cast<int64_t>(a.html.size()));
  CHECK(st.integer(1) * 4 < static_cast<int64_t>(a.html_agent.size()));
  CHECK(st.integer(2) * 4 < static_cast<int64_t>(text.size()));

  auto pub = c.find_by_slug("a", Visibility::kPublic);
  REQUIRE(pub);
  CHECK(pub->html == a.html);
  CHECK(pub->sections[1].text == text);
  // One section read alone: its text whole, no Markdown; past the last,
  // and of an article that is not there, nothing.
  const auto one = c.section(a.id, 1, Visibility::kPublic);
  REQUIRE(one);
  CHECK(one->text == text);
  CHECK(one->title == a.sections[1].title);
  CHECK(one->markdown.empty());
  CHECK_FALSE(c.section(a.id, 2, Visibility::kPublic));
  CHECK_FALSE(c.section(a.id + 1000, 0, Visibility::kPublic));
  // Every section and its Markdown come back from the article.
  REQUIRE(pub->sections.size() == a.sections.size());
  for (size_t k = 0; k < a.sections.size(); ++k) CHECK(pub->sections[k].markdown == a.sections[k].markdown);
  auto agent = c.find_by_slug("a", Visibility::kAgent);
  REQUIRE(agent);
  CHECK(agent->html == a.html_agent);
  REQUIRE(c.section(a.id, 2, Visibility::kAgent));
  CHECK(c.section(a.id, 2, Visibility::kAgent)->text == "secret");
  CHECK_FALSE(c.section(a.id, 3, Visibility::kAgent));
}

TEST_CASE("catalog: a damaged stored value is reported, not served") {
  test::TempDir dir;
  Catalog c((dir / "catalog.db").string(), SqliteDb::Mode::kReadWrite);
  c.create_schema();
  Article a = make("a.md", "a", Audience::kPublic, false);
  c.put(a);
  c.db().exec("UPDATE articles SET html = X'28B52FFD0000'");
  CHECK_THROWS_WITH(c.find_by_slug("a", Visibility::kPublic), Catch::Contains("damaged catalog value"));
  // Sections: a frame cut short, and the list of frames cut short.
  c.put(a);
  c.db().exec("UPDATE sections SET data = substr(data, 1, length(data) - 3)");
  CHECK_THROWS_WITH(c.section(a.id, 1, Visibility::kPublic), Catch::Contains("damaged catalog value"));
  c.db().exec("UPDATE sections SET data = X'39393A'");
  CHECK_THROWS_WITH(c.section(a.id, 0, Visibility::kPublic), Catch::Contains("damaged catalog value"));
}
