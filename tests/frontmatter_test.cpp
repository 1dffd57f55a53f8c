#include <catch2/catch.hpp>

#include "core/frontmatter.h"
#include "core/text.h"

using namespace kb;

TEST_CASE("front matter: known keys are read with their types") {
  const std::string text =
      "---\n"
      "title: Reset your password\n"
      "slug: reset-password\n"
      "lang: fi\n"
      "tags: [password, login]\n"
      "category: Account\n"
      "audience: internal\n"
      "draft: true\n"
      "updated: 2026-09-14\n"
      "description: Short text.\n"
      "aliases: old-reset, older-reset\n"
      "translation_of: reset\n"
      "owner: {team: support, pager: false}\n"
      "---\n"
      "Body starts here.\n";
  auto fm = parse_front_matter(text);
  REQUIRE(fm.is_ok());
  const Metadata& m = fm->meta;
  CHECK(fm->present);
  CHECK(m.title == "Reset your password");
  CHECK(m.slug == "reset-password");
  CHECK(m.lang == "fi");
  CHECK(m.tags == std::vector<std::string>{"password", "login"});
  CHECK(m.category == "Account");
  CHECK(m.audience == Audience::kInternal);
  CHECK(m.draft);
  CHECK(m.updated == "2026-09-14");
  CHECK(m.summary == "Short text.");
  CHECK(m.aliases == std::vector<std::string>{"old-reset", "older-reset"});
  CHECK(m.translation_of == "reset");
  CHECK(m.extra["owner"]["team"] == "support");
  CHECK(fm->body == "Body starts here.\n");
  CHECK(fm->body_first_line == 15);
}

TEST_CASE("front matter: absent block leaves the whole file as body") {
  auto fm = parse_front_matter("# Title\n\nText\n");
  REQUIRE(fm.is_ok());
  CHECK_FALSE(fm->present);
  CHECK(fm->body == "# Title\n\nText\n");
}

TEST_CASE("front matter: errors name the line") {
  struct Row {
    const char* name;
    std::string text;
    int line;
    const char* message_part;
  };
  const Row rows[] = {
      {"unclosed block", "---\ntitle: x\n", 1, "no closing"},
      {"broken YAML", "---\ntitle: x\ntags: [a, b\n---\n", 4, "invalid YAML"},
      {"title is a list", "---\nslug: s\ntitle: [a, b]\n---\n", 3, "'title' must be text"},
      {"draft not boolean", "---\ntitle: t\ndraft: maybe\n---\n", 3, "'draft' must be true or false"},
      {"bad date", "---\ntitle: t\n\nupdated: 14.09.2026\n---\n", 4, "'updated' must be a date"},
      {"tags is a mapping", "---\ntitle: t\ntags: {a: 1}\n---\n", 3, "'tags' must be a list"},
      {"slug with space", "---\ntitle: t\nslug: a b\n---\n", 3, "slug 'a b'"},
      {"not a mapping", "---\n- a\n- b\n---\n", 2, "must be a mapping"},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto fm = parse_front_matter(r.text);
    REQUIRE_FALSE(fm.is_ok());
    CHECK(fm.status().line() == r.line);
    CHECK_THAT(fm.status().message(), Catch::Contains(r.message_part));
  }
}

TEST_CASE("front matter: an unknown audience is a warning and fails closed") {
  auto fm = parse_front_matter("---\ntitle: t\naudience: Application User\n---\n");
  REQUIRE(fm.is_ok());
  CHECK(fm->meta.audience == Audience::kInternal);
  REQUIRE(fm->warnings.size() == 1);
  CHECK(fm->warnings[0].line == 3);
}

TEST_CASE("front matter: pathological nesting is an error, not a crash") {
  std::string deep = "---\ntitle: t\nx: " + std::string(5000, '[') + std::string(5000, ']') + "\n---\n";
  auto fm = parse_front_matter(deep);
  CHECK_FALSE(fm.is_ok());
}

TEST_CASE("is_iso_date") {
  CHECK(is_iso_date("2026-01-31"));
  CHECK_FALSE(is_iso_date("2026-13-01"));
  CHECK_FALSE(is_iso_date("2026-1-1"));
  CHECK_FALSE(is_iso_date("31.01.2026"));
}

TEST_CASE("front matter: --unknown-audience decides foreign audience values, without warnings") {
  struct Row {
    std::optional<Audience> option;
    Audience expected;
    size_t warnings;
  };
  for (const Row& r : {Row{std::nullopt, Audience::kInternal, 1}, Row{Audience::kPublic, Audience::kPublic, 0},
                       Row{Audience::kInternal, Audience::kInternal, 0}}) {
    FrontMatterOptions o;
    o.unknown_audience = r.option;
    auto fm = parse_front_matter("---\ntitle: t\naudience: Application User\n---\n", o);
    REQUIRE(fm.is_ok());
    CHECK(fm->meta.audience == r.expected);
    CHECK(fm->warnings.size() == r.warnings);
    // The two values of our own schema are never reinterpreted.
    auto internal = parse_front_matter("---\ntitle: t\naudience: internal\n---\n", o);
    CHECK(internal->meta.audience == Audience::kInternal);
  }
}

TEST_CASE("front matter: YAML escapes \\N and \\_ come out as UTF-8 (yaml-cpp gave single bytes, found by fuzz_frontmatter)") {
  struct Row {
    const char* yaml_value;  // as written after "title: "
    const char* title;       // as read
  };
  const Row rows[] = {
      {R"("Next\Nline")", "Next\u0085line"},
      {R"("No\_break")", "No\u00A0break"},
      {R"("caf\u00e9 \N")", "caf\u00e9 \u0085"},
      {R"("plain")", "plain"},
  };
  for (const auto& r : rows) {
    INFO(r.yaml_value);
    const std::string text = std::string("---\ntitle: ") + r.yaml_value + "\ntags: [\"a\\_b\"]\nteam: \"x\\Ny\"\n---\nBody.\n";
    auto fm = parse_front_matter(text, {});
    REQUIRE(fm.is_ok());
    CHECK(fm->meta.title == collapse_whitespace(r.title));
    CHECK(is_valid_utf8(fm->meta.title));
    REQUIRE(fm->meta.tags.size() == 1);
    CHECK(fm->meta.tags[0] == "a\u00A0b");
    CHECK(is_valid_utf8(fm->meta.extra.dump()));
  }
}
