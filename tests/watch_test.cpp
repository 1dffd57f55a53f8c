// kb-index --watch as writers use it: a real kb-index process watching a
// content folder, a real server answering from the index it publishes.
#include <catch2/catch.hpp>

#include "tests/test_util.h"

using namespace kb;

namespace {

struct Watching {
  Watching() {
    test::write_fixture(content);
    indexer = std::make_unique<test::Child>(std::vector<std::string>{
        KB_INDEX_BIN, "--content", content.string(), "--index", index.string(), "--watch"});
    REQUIRE(test::eventually([&] { return indexer->err().find("watching") != std::string::npos; }));
    server = std::make_unique<test::TestServer>(index);
  }

  // Total hits of a search as an agent sees it (drafts and internal included).
  int hits(const std::string& q) const {
    auto [status, j] = server->get_json("/api/v1/search?q=" + q, token);
    return status == 200 ? j["total"].get<int>() : -1;
  }
  int article_status(const std::string& slug) const { return server->get("/articles/" + slug).first; }
  // Number of the published revision ("r00000003" -> 3).
  int revision() const {
    auto cur = IndexLayout(index).current();
    return cur ? std::stoi(cur->substr(1)) : 0;
  }

  test::TempDir dir;
  fs::path content = dir / "content";
  fs::path index = dir / "index";
  std::unique_ptr<test::Child> indexer;
  std::unique_ptr<test::TestServer> server;
  std::string token;
};

}  // namespace

TEST_CASE("watch: created, edited, renamed and deleted files are published") {
  Watching w;
  w.token = *w.server->tokens().create("writer", Role::kWriter);

  test::write_file(w.content / "en/new.md", test::article("title: Parking permits\nslug: parking", "Xylophone.\n"));
  CHECK(test::eventually([&] { return w.hits("xylophone") == 1; }));
  CHECK(w.article_status("parking") == 200);

  test::write_file(w.content / "en/new.md", test::article("title: Parking permits\nslug: parking", "Zeppelin.\n"));
  CHECK(test::eventually([&] { return w.hits("zeppelin") == 1; }));
  CHECK(w.hits("xylophone") == 0);

  // A rename that changes the slug (taken from the path).
  test::write_file(w.content / "en/old-name.md", test::article("title: Bicycle storage", "Quokka.\n"));
  REQUIRE(test::eventually([&] { return w.article_status("en/old-name") == 200; }));
  fs::rename(w.content / "en/old-name.md", w.content / "en/new-name.md");
  CHECK(test::eventually([&] { return w.article_status("en/new-name") == 200; }));
  CHECK(w.hits("quokka") == 1);
  CHECK(w.article_status("en/old-name") == 301);  // links in old tickets keep working

  // A folder moved in from elsewhere brings its articles.
  test::write_file(w.dir / "elsewhere/guides/a.md", test::article("title: Archery", "Wombat.\n"));
  fs::rename(w.dir / "elsewhere/guides", w.content / "guides");
  CHECK(test::eventually([&] { return w.hits("wombat") == 1; }));

  fs::remove(w.content / "en/new.md");
  CHECK(test::eventually([&] { return w.hits("zeppelin") == 0; }));
  CHECK(w.article_status("parking") == 404);
  CHECK(w.indexer->stop() == 0);
  CHECK_THAT(w.indexer->err(), Catch::Contains("stopped watching"));
}

TEST_CASE("watch: a saved synonyms.txt is live without an article changing") {
  Watching w;
  test::write_file(w.content / "en/airship.md", test::article("title: Airship tours", "Zeppelin rides.\n"));
  REQUIRE(test::eventually([&] { return w.hits("zeppelin") == 1; }));
  CHECK(w.hits("dirigible") == 0);
  test::write_file(w.content / "synonyms.txt", "dirigible, zeppelin\n");
  CHECK(test::eventually([&] { return w.hits("dirigible") == 1; }));
  fs::remove(w.content / "synonyms.txt");
  CHECK(test::eventually([&] { return w.hits("dirigible") == 0; }));
}

TEST_CASE("watch: a burst of saves becomes one publish") {
  Watching w;
  const int before = w.revision();
  // Ten new files and five saves of one of them, a few milliseconds apart,
  // as `git pull` or an editor's save-all does.
  for (int i = 0; i < 10; ++i) {
    test::write_file(w.content / ("burst/b" + std::to_string(i) + ".md"),
                     test::article("title: Burst " + std::to_string(i), "Narwhal " + std::to_string(i) + ".\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (int i = 0; i < 5; ++i) {
    test::write_file(w.content / "burst/b0.md", test::article("title: Burst 0", "Narwhal v" + std::to_string(i) + ".\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(test::eventually([&] { return w.hits("narwhal") == 10; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // anything still to come would be published by now
  CHECK(w.revision() == before + 1);
  CHECK(w.hits("v4") == 1);
  CHECK_THAT(w.indexer->err(), Catch::Contains("10 added, 0 updated"));
}

TEST_CASE("watch: an invalid save keeps the published version and says why") {
  Watching w;
  REQUIRE(w.hits("ledger") == 2);
  test::write_file(w.content / "en/ledger-basics.md", "---\ntitle: Ledger basics\ntags: [ledger\n---\nBroken.\n");
  REQUIRE(test::eventually(
      [&] { return w.indexer->err().find("en/ledger-basics.md:4: error: invalid YAML") != std::string::npos; }));
  CHECK(w.hits("ledger") == 2);
  CHECK(w.server->get("/articles/ledger-basics").first == 200);
  // Errors in files that were not saved are not repeated on every publish.
  test::write_file(w.content / "en/other.md", test::article("title: Other", "Okapi.\n"));
  REQUIRE(test::eventually([&] { return w.hits("okapi") == 1; }));
  const std::string log = w.indexer->err();
  CHECK(log.find("invalid YAML") == log.rfind("invalid YAML"));
  // Fixing the file publishes it.
  test::write_file(w.content / "en/ledger-basics.md", test::article("title: Ledger basics\nslug: ledger-basics", "Mended.\n"));
  CHECK(test::eventually([&] { return w.hits("mended") == 1; }));
}

TEST_CASE("watch: a replaced image republishes the articles that show it") {
  Watching w;
  test::write_file(w.content / "en/media/chart.png", std::string("\x89PNG\r\n\x1a\n-one", 12));
  test::write_file(w.content / "en/chart.md", test::article("title: Chart\nslug: chart", "![The chart](media/chart.png)\n"));
  auto image = [&] {
    const std::string page = w.server->get("/articles/chart").second;
    const size_t at = page.find("/media/");
    return at == std::string::npos ? std::string() : page.substr(at, 40);
  };
  REQUIRE(test::eventually([&] { return !image().empty(); }));
  const std::string before = image();
  test::write_file(w.content / "en/media/chart.png", std::string("\x89PNG\r\n\x1a\n-two", 12));
  CHECK(test::eventually([&] { return !image().empty() && image() != before; }));
}

TEST_CASE("watch: a content folder reached through a symlink") {
  test::TempDir dir;
  test::write_fixture(dir / "real");
  fs::create_directory_symlink(dir / "real", dir / "link");
  test::Child indexer({KB_INDEX_BIN, "--content", (dir / "link").string(), "--index", (dir / "index").string(), "--watch"});
  REQUIRE(test::eventually([&] { return indexer.err().find("watching") != std::string::npos; }));
  test::TestServer server(dir / "index");
  test::write_file(dir / "link/top.md", test::article("title: Top level", "Capybara.\n"));
  CHECK(test::eventually([&] { return server.get_json("/api/v1/search?q=capybara").second["total"] == 1; }));
}
