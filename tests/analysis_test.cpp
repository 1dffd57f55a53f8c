#include <catch2/catch.hpp>

#include "core/analysis.h"

using namespace kb;
using namespace kb::analysis;

TEST_CASE("language tags: folder names and front matter values") {
  struct Row {
    const char* in;
    bool is_tag;
  };
  const Row rows[] = {{"en", true},      {"fi", true},     {"pt-BR", true},   {"zh-Hant", true}, {"vi", true},
                      {"billing", false}, {"api", false},  {"x", false},      {"en-", false},    {"", false},
                      {"e1", false},      {"fr_CA", true}, {"faq", false}};
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(is_language_tag(r.in) == r.is_tag);
  }
  CHECK(normalize_lang("pt_BR") == "pt-br");
}

TEST_CASE("stemmers: Snowball where Xapian has one, none otherwise") {
  CHECK_FALSE(stemmer_for("fi").is_none());
  CHECK_FALSE(stemmer_for("en-GB").is_none());
  CHECK(stemmer_for("pl").is_none());
  CHECK(stemmer_for("vi").is_none());
  CHECK(stemmer_for("").is_none());
}

TEST_CASE("query analysis: words in order with the stems of each language") {
  auto words = analyse_query("Refunds REFUNDS laskut", {"en", "fi"});
  REQUIRE(words.size() == 2);
  CHECK(words[0].text == "refunds");
  CHECK(words[0].terms.front() == "refunds");
  CHECK(std::find(words[0].terms.begin(), words[0].terms.end(), "Zrefund") != words[0].terms.end());
  CHECK(words[1].text == "laskut");
}

TEST_CASE("query analysis: CJK text becomes n-grams; junk gives nothing") {
  CHECK_FALSE(analyse_query("請求書", {"ja"}).empty());
  CHECK(analyse_query("!!! ??? ...", {"en"}).empty());
  CHECK(analyse_query("", {"en"}).empty());
}

TEST_CASE("the document analyzer and the query analyzer agree on terms") {
  Xapian::Document doc;
  DocumentAnalyzer a("en");
  a.set_document(doc);
  a.index("Requesting refunds quickly", 1);
  for (const auto& w : analyse_query("refund requested", {"en"})) {
    bool any = false;
    for (const auto& t : w.terms) {
      for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) any = any || *it == t;
    }
    INFO(w.text);
    CHECK(any);
  }
}
