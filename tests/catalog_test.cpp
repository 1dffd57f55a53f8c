#include <catch2/catch.hpp>

#include "core/catalog.h"
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
  CHECK(c.sections_of({id}, Visibility::kPublic)[id].size() == 2);
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
