// Images in articles: copied into the revision under content-derived names,
// served by kb-server, re-published when the image file changes.
#include <catch2/catch.hpp>

#include <regex>

#include "core/media.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

const std::string kPng("\x89PNG\r\n\x1a\n-first", 14);
const std::string kPng2("\x89PNG\r\n\x1a\n-second", 15);

// The /media/ URL of the n-th image in an article page.
std::string image_url(const std::string& page) {
  static const std::regex kImg(R"re(<img src="(/media/[^"]+)")re");
  std::smatch m;
  return std::regex_search(page, m, kImg) ? m[1].str() : std::string();
}

}  // namespace

TEST_CASE("media: names are content hashes with a known image extension") {
  struct Row {
    const char* name;
    bool ok;
  };
  const Row rows[] = {
      {"0123456789abcdef01234567.png", true},  {"0123456789abcdef01234567.svg", true},
      {"0123456789abcdef01234567.jpg", true},  {"0123456789abcdef01234567.jpeg", false},
      {"0123456789abcdef01234567.PNG", false}, {"0123456789abcdef01234567.html", false},
      {"0123456789ABCDEF01234567.png", false}, {"../../auth.db", false},
      {"0123456789abcdef0123456.png", false},  {"", false},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    CHECK(is_media_name(r.name) == r.ok);
  }
  CHECK(image_content_type("a/b/Shot.JPEG") == "image/jpeg");
  CHECK_FALSE(image_content_type("notes.txt"));
}

TEST_CASE("media: article images are published and served, a replaced image gets a new address") {
  test::TempDir dir;
  const fs::path content = dir / "content", index = dir / "index";
  test::write_file(content / "en/media/card.png", kPng);
  test::write_file(content / "en/cards.md",
                   test::article("title: Cards\nslug: cards", "Intro.\n\n![The card screen](media/card.png)\n\n"
                                                              "![Gone](media/missing.png)\n"));
  auto report = test::index_folder(content, index);
  REQUIRE(report.diagnostics.size() == 1);
  CHECK(format_diagnostic(report.diagnostics[0]) == "en/cards.md:9: warning: image 'en/media/missing.png' not found");

  test::TestServer server(index);
  auto [status, page] = server.get("/articles/cards");
  REQUIRE(status == 200);
  const std::string url = image_url(page);
  REQUIRE_THAT(url, Catch::StartsWith("/media/") && Catch::EndsWith(".png"));
  auto c = server.client();
  auto img = c.Get(url.c_str());
  REQUIRE(img);
  CHECK(img->status == 200);
  CHECK(img->body == kPng);
  CHECK(img->get_header_value("Content-Type") == "image/png");
  CHECK_THAT(img->get_header_value("Cache-Control"), Catch::Contains("immutable"));
  CHECK(server.get("/media/0123456789abcdef01234567.png").first == 404);
  CHECK(server.get("/media/..%2Fcatalog.db").first == 404);

  // The image file alone changes: the article is published again with the new one.
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  test::write_file(content / "en/media/card.png", kPng2);
  report = test::index_folder(content, index);
  CHECK(report.updated == 1);
  const std::string url2 = image_url(server.get("/articles/cards").second);
  CHECK(url2 != url);
  CHECK(c.Get(url2.c_str())->body == kPng2);

  // Nothing changed: nothing re-published.
  report = test::index_folder(content, index);
  CHECK(report.updated == 0);
  CHECK_FALSE(report.published);

  // The missing image appears: the article is published again and shows it.
  test::write_file(content / "en/media/missing.png", std::string("\x89PNG\r\n\x1a\n-third", 14));
  report = test::index_folder(content, index);
  CHECK(report.updated == 1);
  CHECK(report.diagnostics.empty());

  // The replaced image's old file is gone from the published revision.
  CHECK(server.get(url).first == 404);
  const auto rev = IndexLayout(index).revision_dir(*IndexLayout(index).current());
  CHECK_FALSE(fs::exists(rev / "media" / url.substr(7)));
}

TEST_CASE("media: images of internal articles and drafts are not served to the public") {
  test::TempDir dir;
  const fs::path content = dir / "content", index = dir / "index";
  test::write_file(content / "media/secret.png", kPng);
  test::write_file(content / "media/shared.png", kPng2);
  test::write_file(content / "internal.md", test::article("title: Internal\nslug: internal\naudience: internal",
                                                          "![Secret](media/secret.png) ![Shared](media/shared.png)\n"));
  test::write_file(content / "public.md", test::article("title: Public\nslug: public", "![Shared](media/shared.png)\n"));
  test::index_folder(content, index);
  test::TestServer server(index);
  const std::string token = *server.tokens().create("agent");
  auto [status, page] = server.get("/articles/internal", token);
  REQUIRE(status == 200);
  const std::string secret = image_url(page);
  REQUIRE_FALSE(secret.empty());
  CHECK(server.get(secret, token).first == 200);
  CHECK(server.get(secret).first == 404);
  CHECK(server.get(image_url(server.get("/articles/public").second)).first == 200);  // also shown publicly
}

TEST_CASE("media: an image only inside an internal block is for staff") {
  test::TempDir dir;
  const fs::path content = dir / "content", index = dir / "index";
  test::write_file(content / "media/note.png", kPng);
  test::write_file(content / "media/open.png", kPng2);
  test::write_file(content / "a.md", test::article("title: A\nslug: a", "![Open](media/open.png)\n\n::: internal\n"
                                                                        "![Note](media/note.png)\n:::\n"));
  test::index_folder(content, index);
  test::TestServer server(index);
  const std::string token = *server.tokens().create("agent");
  const std::string agent_page = server.get("/articles/a", token).second;
  const size_t note = agent_page.find("internal-block");
  REQUIRE(note != std::string::npos);
  const std::string note_image = image_url(agent_page.substr(note));
  REQUIRE_FALSE(note_image.empty());
  CHECK(server.get(note_image, token).first == 200);
  CHECK(server.get(note_image).first == 404);
  CHECK(server.get(image_url(server.get("/articles/a").second)).first == 200);
}

TEST_CASE("media: a rejected image does not republish its article on every run") {
  test::TempDir dir;
  const fs::path content = dir / "content", index = dir / "index";
  test::write_file(content / "diagram.bmp", "BM....");
  test::write_file(content / "a.md", test::article("title: A", "![Diagram](diagram.bmp)\n"));
  auto first = test::index_folder(content, index);
  REQUIRE(first.diagnostics.size() == 1);
  CHECK_THAT(first.diagnostics[0].diagnostic.message, Catch::Contains("is not a png"));
  CHECK_FALSE(test::index_folder(content, index).published);
  CHECK_FALSE(test::index_folder(content, index).published);
}
