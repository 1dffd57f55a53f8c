// The index-time data the present step reads instead of article text: the
// section map (core/section_map.h) and the document data
// (core/document_data.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "core/document_data.h"
#include "core/schema.h"
#include "core/section_map.h"

using namespace kb;

namespace {

// What read_section_map finds for `terms` (each its own query word index).
std::set<std::pair<size_t, Xapian::termpos>> read(const std::string& map, const std::vector<std::string>& terms) {
  std::vector<std::pair<uint32_t, size_t>> hashes;
  for (size_t i = 0; i < terms.size(); ++i) hashes.emplace_back(section_map_hash(terms[i]), i);
  std::sort(hashes.begin(), hashes.end());
  std::set<std::pair<size_t, Xapian::termpos>> out;
  read_section_map(map, hashes, [&](size_t i, Xapian::termpos p) { out.emplace(i, p); });
  return out;
}

}  // namespace

TEST_CASE("section map: each term's sections come back, and only the terms asked for") {
  using schema::section_position;
  const std::map<std::string, std::vector<Xapian::termpos>> fields = {
      {"faktury", {section_position(0, true), section_position(3, false)}},
      {"Zfaktura", {section_position(0, true), section_position(3, false), section_position(9000, false)}},
      {"Ffaktury", {section_position(1, false)}},
      {"Pkulu", {section_position(2, false)}},
      {"SZfaktura", {section_position(0, true)}},  // a title copy: not kept
      {"XLpl", {section_position(0, true)}},       // a filter: not kept
      {"rzadko", {}},
  };
  const std::string map = encode_section_map(fields);
  struct Row {
    std::vector<std::string> terms;
    std::set<std::pair<size_t, Xapian::termpos>> found;
  };
  const Row rows[] = {
      {{"faktury"}, {{0, section_position(0, true)}, {0, section_position(3, false)}}},
      {{"Zfaktura"},
       {{0, section_position(0, true)}, {0, section_position(3, false)}, {0, section_position(9000, false)}}},
      {{"Ffaktury", "Pkulu"}, {{0, section_position(1, false)}, {1, section_position(2, false)}}},
      {{"SZfaktura", "XLpl", "rzadko", "nieznane"}, {}},
  };
  for (const auto& r : rows) {
    INFO(r.terms.front());
    CHECK(read(map, r.terms) == r.found);
  }
  // A section past the limit shares the last one's positions.
  CHECK(schema::section_of(section_position(9000, false)) == schema::kMaxSections - 1);
  CHECK_FALSE(schema::is_heading_position(section_position(9000, false)));
  CHECK(schema::is_heading_position(section_position(7, true)));
  CHECK(schema::section_of(section_position(7, true)) == 7);
}

TEST_CASE("section map: a term asked for by two query words is found for both") {
  const std::string map = encode_section_map({{"Zfaktura", {schema::section_position(4, false)}}});
  std::vector<std::pair<uint32_t, size_t>> hashes = {{section_map_hash("Zfaktura"), 0}, {section_map_hash("Zfaktura"), 2}};
  std::vector<size_t> words;
  read_section_map(map, hashes, [&](size_t i, Xapian::termpos) { words.push_back(i); });
  CHECK(words == std::vector<size_t>{0, 2});
}

TEST_CASE("section map: in a map of many terms, the terms asked for are found across its index's blocks") {
  // Sizes around the index's block of 16 entries, and a long article's.
  for (size_t n : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{33}, size_t{2000}}) {
    INFO(n);
    std::map<std::string, std::vector<Xapian::termpos>> fields;
    for (size_t i = 0; i < n; ++i) {
      fields["w" + std::to_string(i)] = {schema::section_position(i % 7, false), schema::section_position(8 + i % 5, true)};
    }
    const std::string map = encode_section_map(fields);
    // Every term, every 7th, the last, and terms the map does not have.
    for (size_t step : {size_t{1}, size_t{7}, n}) {
      std::vector<std::string> terms = {"missing-a"};
      std::set<std::pair<size_t, Xapian::termpos>> expected;
      for (size_t i = step - 1; i < n; i += step) {
        for (auto p : fields["w" + std::to_string(i)]) expected.emplace(terms.size(), p);
        terms.push_back("w" + std::to_string(i));
      }
      terms.push_back("missing-b");
      CHECK(read(map, terms) == expected);
    }
  }
}

TEST_CASE("section map: two terms with one hash share their sections, across a block boundary too") {
  // FNV-1a gives "w673879" and "w1180600" the same 32-bit hash; fifteen
  // terms hash below it, so the two sit at entries 15 and 16: the last of
  // the first block and the first of the second.
  REQUIRE(section_map_hash("w673879") == section_map_hash("w1180600"));
  std::map<std::string, std::vector<Xapian::termpos>> fields;
  for (const char* t : {"f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f16", "f17", "f48", "f60", "f61"}) {
    REQUIRE(section_map_hash(t) < section_map_hash("w673879"));
    fields[t] = {schema::section_position(1, false)};
  }
  for (const char* t : {"f10", "f11", "f12", "f13", "f14"}) fields[t] = {schema::section_position(2, false)};
  fields["w673879"] = {schema::section_position(3, false)};
  fields["w1180600"] = {schema::section_position(4, false)};
  const std::string map = encode_section_map(fields);
  const std::set<std::pair<size_t, Xapian::termpos>> both = {{0, schema::section_position(3, false)},
                                                             {0, schema::section_position(4, false)}};
  CHECK(read(map, {"w673879"}) == both);
  CHECK(read(map, {"w1180600"}) == both);
  CHECK(read(map, {"f0", "w673879", "f10"}).size() == 4);
}

TEST_CASE("section map: a damaged map is read as far as it is whole, never past its end") {
  const std::string map = encode_section_map(
      {{"a1", {schema::section_position(0, false)}}, {"b2", {schema::section_position(1, false)}}});
  for (size_t cut = 0; cut < map.size(); ++cut) {
    INFO(cut);
    const auto found = read(map.substr(0, cut), {"a1", "b2"});
    CHECK(found.size() <= 2);
  }
  CHECK(read(map, {"a1", "b2"}).size() == 2);
  CHECK(read(std::string(3, '\xff'), {"a1"}).empty());
  // An index that claims more blocks than the map holds, or offsets past its end.
  CHECK(read(std::string(4, '\xff') + map, {"a1"}).empty());
  std::map<std::string, std::vector<Xapian::termpos>> many;
  for (int i = 0; i < 100; ++i) many["t" + std::to_string(i)] = {schema::section_position(1, false)};
  std::string bad = encode_section_map(many);
  for (size_t b = 1; b < 7; ++b) bad.replace(8 + 8 * b, 4, std::string(4, '\x7f'));
  for (int i = 0; i < 100; i += 9) CHECK(read(bad, {"t" + std::to_string(i)}).size() <= 1);
}

TEST_CASE("document data: every field comes back as written, other data is refused") {
  const DocumentData rows[] = {
      {42, "ledger-basics", "en/ledger.md", "Ledger basics", "en", "Finance", "2026-01-02", false},
      {7, "", "", "", "", "", "", true},
      {1, "a:b", "x/9:y.md", "12:title with: colons", "pt-br", "Cat\x1fgory", "multi\nline", true},
      {-3, "s", std::string("nul\0inside", 11), "t", "vi", "", "2026-12-03", false},
  };
  for (const auto& d : rows) {
    INFO(d.slug);
    auto back = decode_document_data(encode_document_data(d));
    REQUIRE(back);
    CHECK(back->id == d.id);
    CHECK(back->slug == d.slug);
    CHECK(back->path == d.path);
    CHECK(back->title == d.title);
    CHECK(back->lang == d.lang);
    CHECK(back->category == d.category);
    CHECK(back->updated == d.updated);
    CHECK(back->internal == d.internal);
  }
  for (const char* bad : {"", "{\"id\": 1}", "2:42", "x:1", "2:4a0:0:0:0:0:0:0:1:0"}) {
    INFO(bad);
    CHECK_FALSE(decode_document_data(bad));
  }
  const std::string whole = encode_document_data(rows[0]);
  CHECK_FALSE(decode_document_data(whole.substr(0, whole.size() - 1)));
  CHECK_FALSE(decode_document_data(whole + "1:x"));
}
