// Old addresses keep working: front matter aliases and the slugs of renamed
// or moved files answer 301 with the article's current address.
#include <catch2/catch.hpp>

#include "core/catalog.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

struct Site {
  Site() {
    test::write_file(content / "en/pricing.md",
                     test::article("title: Pricing\nslug: pricing\naliases: [plans, old/prices]", "Prices.\n"));
    test::write_file(content / "en/setup.md", test::article("title: Setting up", "Setup steps.\n\n## Steps\n\nGo.\n"));
    test::write_file(content / "en/secret.md",
                     test::article("title: Secret\nslug: secret\naudience: internal\naliases: [hidden-old]", "Hush.\n"));
    reindex();
    server = std::make_unique<test::TestServer>(index);
  }
  void reindex() const { test::index_folder(content, index); }

  // (status, Location) of a GET, redirects not followed.
  std::pair<int, std::string> head(const std::string& target, const std::string& token = "") const {
    auto c = server->client();
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    auto res = c.Get(target, h);
    REQUIRE(res);
    return {res->status, res->get_header_value("Location")};
  }

  test::TempDir dir;
  fs::path content = dir / "content";
  fs::path index = dir / "index";
  std::unique_ptr<test::TestServer> server;
};

}  // namespace

TEST_CASE("redirects: aliases answer 301 to the article, keeping the query") {
  Site s;
  struct Row {
    const char* target;
    int status;
    const char* location;
  };
  const Row rows[] = {
      {"/articles/pricing", 200, ""},
      {"/articles/plans", 301, "/articles/pricing"},
      {"/articles/old/prices?hl=cost", 301, "/articles/pricing?hl=cost"},
      {"/api/v1/articles/plans", 301, "/api/v1/articles/pricing"},
      {"/articles/never-was", 404, ""},
      // An internal article's alias does not reveal its slug to the public.
      {"/articles/hidden-old", 404, ""},
  };
  for (const auto& r : rows) {
    INFO(r.target);
    auto [status, location] = s.head(r.target);
    CHECK(status == r.status);
    CHECK(location == r.location);
  }
  // Cached for a while, not forever: the slug may come back as an article.
  auto res = s.server->client().Get("/articles/plans");
  REQUIRE(res);
  CHECK(res->get_header_value("Cache-Control") == "public, max-age=3600");
  const std::string token = *s.server->tokens().create("agent");
  CHECK(s.head("/articles/hidden-old", token) == std::make_pair(301, std::string("/articles/secret")));
}

TEST_CASE("redirects: renamed and moved files keep their old slugs working") {
  Site s;
  // Moved to another folder (slug from the path changes): found by content.
  fs::create_directories(s.content / "guides");
  fs::rename(s.content / "en/setup.md", s.content / "guides/setup.md");
  s.reindex();
  CHECK(s.head("/articles/en/setup") == std::make_pair(301, std::string("/articles/guides/setup")));
  // Then its slug changed in the front matter, same path.
  test::write_file(s.content / "guides/setup.md",
                   test::article("title: Setting up\nslug: getting-started", "Setup steps, revised.\n"));
  s.reindex();
  // Both older addresses lead to the newest one, in one hop.
  CHECK(s.head("/articles/guides/setup") == std::make_pair(301, std::string("/articles/getting-started")));
  CHECK(s.head("/articles/en/setup") == std::make_pair(301, std::string("/articles/getting-started")));
  CHECK(s.head("/articles/getting-started").first == 200);

  // Moved and edited at once: matched by file name.
  fs::create_directories(s.content / "billing");
  test::write_file(s.content / "billing/pricing.md",
                   test::article("title: Pricing and plans\nslug: pricing-and-plans\naliases: [plans]", "New prices.\n"));
  fs::remove(s.content / "en/pricing.md");
  s.reindex();
  CHECK(s.head("/articles/pricing") == std::make_pair(301, std::string("/articles/pricing-and-plans")));
  CHECK(s.head("/articles/plans") == std::make_pair(301, std::string("/articles/pricing-and-plans")));
  // An alias the new front matter no longer lists still leads to it, also
  // after the article's next edit.
  CHECK(s.head("/articles/old/prices").second == "/articles/pricing-and-plans");
  test::write_file(s.content / "billing/pricing.md",
                   test::article("title: Pricing and plans\nslug: pricing-and-plans", "Newer prices.\n"));
  s.reindex();
  CHECK(s.head("/articles/old/prices").second == "/articles/pricing-and-plans");
  CHECK(s.head("/articles/plans").first == 404);  // dropped from the front matter by the writer

  // A new article taking an old slug wins over the redirect.
  test::write_file(s.content / "en/setup.md", test::article("title: Desk setup\nslug: en/setup", "Desks.\n"));
  s.reindex();
  CHECK(s.head("/articles/en/setup").first == 200);

  // Deleting the article ends its redirects.
  fs::remove(s.content / "guides/setup.md");
  s.reindex();
  CHECK(s.head("/articles/guides/setup").first == 404);
}

TEST_CASE("redirects: renames survive a rebuild from scratch (a new schema version)") {
  Site s;
  fs::create_directories(s.content / "guides");
  fs::rename(s.content / "en/setup.md", s.content / "guides/setup.md");
  s.reindex();
  REQUIRE(s.head("/articles/en/setup").first == 301);
  {
    // What an older kb-index left behind, as far as the next run can tell.
    const IndexLayout layout(s.index);
    Catalog old(IndexLayout::catalog_path(layout.revision_dir(*layout.current())).string(), SqliteDb::Mode::kReadWrite);
    old.set_meta("schema_version", "1");
  }
  auto report = test::index_folder(s.content, s.index);
  CHECK(report.added == 3);  // rebuilt
  CHECK(s.head("/articles/en/setup") == std::make_pair(301, std::string("/articles/guides/setup")));
}

TEST_CASE("redirects: an ambiguous move (two files of one name left) redirects nothing") {
  Site s;
  test::write_file(s.content / "billing/overview.md", test::article("title: Billing overview", "Bills.\n"));
  test::write_file(s.content / "shipping/overview.md", test::article("title: Shipping overview", "Parcels.\n"));
  s.reindex();
  fs::remove(s.content / "billing/overview.md");
  fs::remove(s.content / "shipping/overview.md");
  test::write_file(s.content / "returns/overview.md", test::article("title: Returns overview", "Returns.\n"));
  s.reindex();
  CHECK(s.head("/articles/billing/overview").first == 404);
  CHECK(s.head("/articles/shipping/overview").first == 404);
}
