// Front matter must be valid YAML 1.2 (issue 18): the table that chose
// libfyaml over yaml-cpp 0.7. yaml-cpp accepted the rows marked "lenient"
// (an unterminated quote made the rest of the block the title); libfyaml's
// event parser misses duplicate keys, a second document, aliases without an
// anchor and raw control characters, which core/yaml.cpp checks itself.
#include <catch2/catch.hpp>

#include <string>

#include "core/frontmatter.h"
#include "core/yaml.h"

using namespace kb;

namespace {

std::string nested(int depth) { return "a: " + std::string(depth, '[') + std::string(depth, ']') + "\n"; }

// Five levels of ten aliases each: 100,000 values from five lines.
const char* const kBillionLaughs =
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n";

}  // namespace

TEST_CASE("front matter: invalid YAML is an error on the line a writer must fix") {
  struct Row {
    const char* name;
    std::string yaml;  // between the fences; the file's line 2 is its first line
    int line;
    const char* message_part;
  };
  const Row rows[] = {
      // The issue's example: yaml-cpp published the title `Unclosed quote tags: [a, b` (lenient).
      {"unterminated double quote, more keys after", "title: \"Unclosed quote\ntags: [a, b\n", 2, "closing \" missing"},
      {"unterminated double quote, last key", "title: \"Unclosed quote\n", 2, "without closing quote"},
      {"unterminated single quote (lenient)", "title: 'Unclosed\nslug: x\n", 2, "closing ' missing"},
      {"unclosed flow sequence", "title: t\ntags: [a, b\n", 4, "in the value of 'tags' on line 3"},
      {"unclosed flow mapping", "title: t\nowner: {team: a\n", 4, "in the value of 'owner' on line 3"},
      {"extra closing bracket", "title: t\ntags: [a, b]]\n", 3, "closing"},
      {"flow mapping without a comma", "owner: {a: 1 b: 2}\n", 2, "comma"},
      {"flow sequence continued at column 0 (lenient)", "tags: [a,\nb]\n", 3, "indented"},
      {"key indented under a scalar", "title: t\n  slug: x\n", 2, "invalid"},
      {"tab as indentation", "title: t\ntags:\n\t- a\n", 4, "tab"},
      {"sequence item after a mapping", "title: t\n- a\n", 3, "key"},
      {"mapping inside a plain value", "title: a: b\n", 2, "mapping"},
      {"literal block not indented (lenient)", "summary: |\nnot indented\n", 3, "invalid"},
      {"unknown escape", "title: \"bad \\q\"\n", 2, "escape"},
      {"plain value starting with @", "title: @user\n", 2, "'@'"},
      {"plain value starting with a backtick", "title: `code`\n", 2, "'`'"},
      {"anchor without a name", "title: &\n", 2, "anchor"},
      {"duplicate key (lenient)", "title: a\nslug: s\ntitle: b\n", 4, "duplicate key 'title' (first on line 2)"},
      {"duplicate key, one quoted (lenient)", "title: a\n\"title\": b\n", 3, "duplicate key 'title'"},
      {"duplicate key in a nested mapping (lenient)", "owner:\n  team: a\n  team: b\n", 4, "duplicate key 'team'"},
      {"alias without an anchor", "title: *nothing\n", 2, "'*nothing' names no anchor"},
      {"a second document (lenient)", "title: t\n--- # two\nslug: x\n", 3, "second YAML document"},
      // YAML counts a lone CR as a line break; the line is the file's (found by fuzz_frontmatter).
      {"lone carriage returns before the error", "a: 1\r\r\r\r\rb: [\n", 3, "in the value of 'b' on line 2"},
      // libfyaml ended the stream there without an error (found by fuzz_frontmatter).
      {"a byte that is not UTF-8, then more keys", "title: \xD1u\nslug: ../escape\n", 2, "not valid UTF-8"},
      {"raw control character in a quoted value (lenient)", "title: \"a\x01" "b\"\n", 2, "control character U+0001"},
      {"nested 40 levels deep", nested(40), 2, "levels deep"},
      {"billion laughs (lenient)", kBillionLaughs, 5, "more than 10000 values"},
  };
  for (const auto& r : rows) {
    INFO(r.name << "\n" << r.yaml);
    auto fm = parse_front_matter("---\n" + r.yaml + "---\nBody.\n");
    REQUIRE_FALSE(fm.is_ok());
    CHECK(fm.status().line() == r.line);
    CHECK_THAT(fm.status().message(), Catch::StartsWith("invalid YAML in front matter: "));
    CHECK_THAT(fm.status().message(), Catch::Contains(r.message_part));
  }
}

TEST_CASE("front matter: valid YAML reads as YAML 1.2 says") {
  struct Row {
    const char* name;
    std::string file;
    std::string title;
    std::vector<std::string> tags;
  };
  const std::string long_title(20000, 'x');
  const Row rows[] = {
      {"plain", "---\ntitle: Reset\n---\n", "Reset", {}},
      {"CRLF line ends", "---\r\ntitle: Reset\r\ntags: [a, b]\r\n---\r\nBody\r\n", "Reset", {"a", "b"}},
      {"byte order mark", "\xEF\xBB\xBF---\ntitle: Reset\n---\n", "Reset", {}},
      {"tab after the colon", "---\ntitle:\tTabbed\n---\n", "Tabbed", {}},
      {"anchor and alias", "---\ntitle: &t Same\nsummary: *t\ntags: &l [a, b]\naliases: *l\n---\n", "Same", {"a", "b"}},
      {"folded block", "---\ntitle: >\n  one\n  two\n---\n", "one two", {}},
      {"literal block", "---\ntitle: |\n  one\n---\n", "one", {}},
      {"single quotes with an escaped quote", "---\ntitle: 'It''s here'\n---\n", "It's here", {}},
      {"double quotes with escapes", "---\ntitle: \"caf\\u00e9 \\\"bar\\\"\"\n---\n", "caf\xC3\xA9 \"bar\"", {}},
      {"quoted value over two lines", "---\ntitle: \"two\n  lines\"\n---\n", "two lines", {}},
      {"flow sequence over two lines", "---\ntitle: t\ntags: [a,\n  b]\n---\n", "t", {"a", "b"}},
      {"block sequence", "---\ntitle: t\ntags:\n  - a\n  - b\n---\n", "t", {"a", "b"}},
      {"comments", "---\n# about\ntitle: t # note\n---\n", "t", {}},
      {"a very long line", "---\ntitle: " + long_title + "\n---\n", long_title, {}},
      {"percent sign inside a value", "---\ntitle: 100% done, really\n---\n", "100% done, really", {}},
      {"empty and null values", "---\ntitle: t\nsummary:\ncategory: ~\ntags: null\n---\n", "t", {}},
      {"a number as the title", "---\ntitle: 2026\n---\n", "2026", {}},
      {"nested 10 levels deep", "---\ntitle: t\n" + nested(10) + "---\n", "t", {}},
      {"the same anchor twice (the later wins)", "---\na: &x 1\nb: &x 2\ntitle: *x\n---\n", "2", {}},
      {"document end marker closes the block", "---\ntitle: t\n...\nBody\n", "t", {}},
  };
  for (const auto& r : rows) {
    INFO(r.name);
    auto fm = parse_front_matter(r.file);
    REQUIRE(fm.is_ok());
    CHECK(fm->meta.title == r.title);
    CHECK(fm->meta.tags == r.tags);
  }
}

TEST_CASE("yaml: every node knows its line in the caller's file") {
  YamlOptions options;
  options.first_line = 10;
  auto root = parse_yaml("a: 1\nb:\n  - x\n  - {c: d}\n", options);
  REQUIRE(root.is_ok());
  REQUIRE(root->is_mapping());
  REQUIRE(root->pairs.size() == 2);
  CHECK(root->pairs[0].key.line == 10);
  CHECK(root->pairs[1].key.line == 11);
  const YamlNode& list = root->pairs[1].value;
  REQUIRE(list.is_sequence());
  CHECK(list.items[0].line == 12);
  CHECK(list.items[1].line == 13);
  CHECK(list.items[1].pairs[0].value.text == "d");
  // An empty key has no position of its own: the line of what comes before
  // it (found by fuzz_frontmatter: it was line 0).
  auto empty_key = parse_yaml("a: 1\n!!str : v\n", options);
  REQUIRE(empty_key.is_ok());
  CHECK(empty_key->pairs[1].key.line >= 10);
  CHECK(empty_key->pairs[1].key.line <= 11);
  CHECK(parse_yaml("").value().is_null());
  CHECK(parse_yaml("# only a comment\n").value().is_null());
}
