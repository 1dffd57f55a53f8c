#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "core/markdown.h"

using namespace kb;

namespace {

RenderedMarkdown render(const std::string& md) { return render_markdown(md, MarkdownOptions{}); }

}  // namespace

TEST_CASE("markdown: sections get unique, stable anchors") {
  struct Row {
    const char* name;
    std::string md;
    std::vector<std::string> anchors;
  };
  const Row rows[] = {
      {"slugs", "## First step\n\nA\n\n## Second step\n\nB\n", {"first-step", "second-step"}},
      {"duplicates", "## Notes\n\nA\n\n## Notes\n\nB\n\n### Notes\n", {"notes", "notes-1", "notes-2"}},
      {"explicit id wins", "## Before you start {#prerequisites}\n\nA\n", {"prerequisites"}},
      {"explicit id reserved first", "## Setup\n\n## Other {#setup}\n", {"setup-1", "setup"}},
      {"a name anchor", "## <a name=\"getting-started\"></a>Rozpoczęcie pracy\n", {"getting-started"}},
      {"unicode", "## Päällikön tehtävät\n", {"päällikön-tehtävät"}},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto out = render(r.md);
    std::vector<std::string> anchors;
    for (const auto& s : out.sections) {
      if (s.level > 0) anchors.push_back(s.anchor);
    }
    CHECK(anchors == r.anchors);
    for (const auto& a : r.anchors) CHECK_THAT(out.html, Catch::Contains("id=\"" + a + "\""));
  }
}

TEST_CASE("markdown: section text is plain: no markup, no link targets, alt text kept") {
  auto out = render(
      "Intro with **bold** and a [link](https://example.com/secret-url).\n\n"
      "## Images\n\n![The Add card button](img/add.png) <span>inline html</span>\n\n"
      "| Plan | Price |\n|---|---|\n| Team | 20 |\n\n```\nlumen sync --all\n```\n");
  REQUIRE(out.sections.size() == 2);
  CHECK(out.sections[0].level == 0);
  CHECK(out.sections[0].text == "Intro with bold and a link.");
  CHECK(out.sections[1].title == "Images");
  const std::string& t = out.sections[1].text;
  CHECK_THAT(t, Catch::Contains("The Add card button"));
  CHECK_THAT(t, Catch::Contains("inline html"));
  CHECK_THAT(t, !Catch::Contains("<span>"));
  CHECK_THAT(t, Catch::Contains("Team 20"));
  CHECK_THAT(t, Catch::Contains("lumen sync --all"));
  CHECK_THAT(t, !Catch::Contains("img/add.png"));
  CHECK_THAT(out.sections[0].text, !Catch::Contains("secret-url"));
}

TEST_CASE("markdown: HTML output is safe") {
  struct Row {
    const char* name;
    const char* md;
    const char* must_not_contain;
  };
  const Row rows[] = {
      {"raw script", "<script>alert(1)</script>\n", "<script"},
      {"inline handler", "text <img src=x onerror=alert(1)>\n", "onerror"},
      {"javascript url", "[click](javascript:alert(1))\n", "javascript:"},
      {"heading injection", "## a <h2>b</h2>\n", "<h2>b"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    CHECK_THAT(render(r.md).html, !Catch::Contains(r.must_not_contain));
  }
}

TEST_CASE("markdown: GFM tables, strikethrough and autolinks render") {
  auto html = render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ see https://status.example.com\n").html;
  CHECK_THAT(html, Catch::Contains("<table>"));
  CHECK_THAT(html, Catch::Contains("<del>old</del>"));
  CHECK_THAT(html, Catch::Contains("<a href=\"https://status.example.com\">"));
}

TEST_CASE("markdown: rendering on several threads at once gives what one thread gives") {
  // Regression: cmark-gfm 0.29 (Debian 12) keeps the extensions' special
  // characters (':' and 'w' for autolinks, '~') in one process-wide table
  // and takes them out again after each document's inlines, so a document
  // parsed while another finished lost its autolinks and strikethroughs:
  // full indexes of d365 differed run to run by a few links.
  std::string md;
  for (int i = 0; i < 40; ++i) {
    md += "Visit https://example.com/page" + std::to_string(i) + " or www.example.org, ~~old~~ new.\n\n"
          "| a | b |\n|---|---|\n| https://x.example/" + std::to_string(i) + " | ~~y~~ |\n\n";
  }
  const std::string expected = render(md).html;
  REQUIRE(expected.find("<a href=\"https://example.com/page39\">") != std::string::npos);
  REQUIRE(expected.find("<del>old</del>") != std::string::npos);
  std::atomic<int> differing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 150; ++i) {
        if (render(md).html != expected) ++differing;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(differing == 0);
}

TEST_CASE("markdown: links to Markdown files become article URLs") {
  MarkdownOptions o;
  o.source_path = "en/billing/refunds.md";
  o.resolve_article_link = [](const std::string& target) {
    return target == "en/account/reset.md" ? std::string("/articles/reset-password") : std::string();
  };
  auto html = render_markdown("[a](../account/reset.md#steps) [b](missing.md) [c](https://x.example/y.md)\n", o).html;
  CHECK_THAT(html, Catch::Contains("href=\"/articles/reset-password#steps\""));
  CHECK_THAT(html, Catch::Contains("href=\"missing.md\""));
  CHECK_THAT(html, Catch::Contains("href=\"https://x.example/y.md\""));
}

TEST_CASE("markdown: the opening level-1 heading can be the title") {
  MarkdownOptions o;
  o.take_title_from_first_heading = true;
  auto out = render_markdown("# Connect a bank\n\nIntro.\n\n## Steps\n", o);
  CHECK(out.title == "Connect a bank");
  CHECK_THAT(out.html, !Catch::Contains("<h1"));
  REQUIRE(out.sections.size() == 2);
  CHECK(out.sections[0].text == "Intro.");
}

TEST_CASE("resolve_relative_path stays inside the content folder") {
  CHECK(resolve_relative_path("en/a/b.md", "../c.md") == "en/c.md");
  CHECK(resolve_relative_path("en/a/b.md", "./d/e.md") == "en/a/d/e.md");
  CHECK(resolve_relative_path("b.md", "../../etc/passwd") == "");
  CHECK(resolve_relative_path("b.md", "/abs.md") == "");
}

TEST_CASE("markdown: deep nesting does not crash") {
  std::string md = std::string(20000, '>') + " deep\n" + std::string(5000, '[') + "x" + std::string(5000, ']');
  auto out = render(md);
  CHECK_FALSE(out.html.empty());
}
