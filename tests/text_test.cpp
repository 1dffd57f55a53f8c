#include <catch2/catch.hpp>

#include "core/text.h"

using namespace kb;

TEST_CASE("slugify makes anchors from heading text in any script") {
  struct Row {
    const char* in;
    const char* out;
  };
  const Row rows[] = {
      {"Before you start", "before-you-start"},
      {"  Step 1: Connect   the bank!  ", "step-1-connect-the-bank"},
      {"Päällikkö ja käyttäjät", "päällikkö-ja-käyttäjät"},
      {"Złomowanie środka trwałego", "złomowanie-środka-trwałego"},
      {"Quản lý người dùng", "quản-lý-người-dùng"},
      {"API_keys & tokens", "api-keys-tokens"},
      {"請求書の作成", "請求書の作成"},
      {"!!!", "section"},
      {"", "section"},
  };
  for (const auto& r : rows) {
    INFO("input: " << r.in);
    CHECK(slugify(r.in) == r.out);
  }
}

TEST_CASE("is_valid_utf8 rejects malformed sequences") {
  struct Row {
    std::string in;
    bool valid;
  };
  const Row rows[] = {
      {"plain ascii", true},          {"päällikkö", true},          {"quản lý", true},
      {"\xC3\x28", false},            {"\xE2\x82", false},          {"\xED\xA0\x80", false},  // surrogate
      {"\xC0\xAF", false},            {"\xF4\x90\x80\x80", false},  // > U+10FFFF
      {std::string("a\0b", 3), true},
  };
  for (const auto& r : rows) {
    INFO("row " << &r - rows);
    CHECK(is_valid_utf8(r.in) == r.valid);
  }
}

TEST_CASE("to_nfc composes letters and their accents, and leaves other text alone") {
  struct Row {
    std::string in, out;
  };
  const Row rows[] = {
      {"qua\u0309n ly\u0301", "quản lý"},          // Vietnamese from a keyboard sending combining marks
      {"qua\u0323\u0302n", "quận"},                // two marks, in either order of typing
      {"qua\u0302\u0323n", "quận"},
      {"zamo\u0301wienia", "zamówienia"},          // Polish
      {"ty\u00f6n pa\u0308iva\u0308ma\u0308a\u0308ra\u0308", "työn päivämäärä"},  // Finnish
      {"obsługi", "obsługi"},                        // ł has no decomposition: as it is
      {"quản lý", "quản lý"},                        // already composed
      {"refund timeline", "refund timeline"},
      {"", ""},
      {"\xff\xfe a\u0301", "\xff\xfe a\u0301"},  // not UTF-8: as it is
  };
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(to_nfc(r.in) == r.out);
  }
}

TEST_CASE("html_escape escapes the five special characters") {
  CHECK(html_escape(R"(<a href="x">'&'</a>)") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST_CASE("utf8_truncate never splits a character") {
  CHECK(utf8_truncate("päällikkö", 2) == "p");
  CHECK(utf8_truncate("päällikkö", 3) == "pä");
  CHECK(utf8_truncate("abc", 10) == "abc");
}

TEST_CASE("line_of_offset counts lines from 1") {
  CHECK(line_of_offset("a\nb\nc", 0) == 1);
  CHECK(line_of_offset("a\nb\nc", 2) == 2);
  CHECK(line_of_offset("a\nb\nc", 4) == 3);
}

TEST_CASE("edit_distance counts code points, not bytes") {
  struct Row {
    const char* a;
    const char* b;
    size_t distance;
  };
  const Row rows[] = {
      {"", "", 0},
      {"title", "title", 0},
      {"titel", "title", 2},            // a swap is two edits
      {"tite", "title", 1},
      {"kasa", "kassa", 1},
      {"zamowienie", "zamówienie", 1},  // "ó" is one letter of two bytes
      {"quản", "quan", 1},
      {"", "łódź", 4},
  };
  for (const auto& r : rows) {
    INFO(r.a << " / " << r.b);
    CHECK(edit_distance(r.a, r.b) == r.distance);
    CHECK(edit_distance(r.b, r.a) == r.distance);
  }
}
