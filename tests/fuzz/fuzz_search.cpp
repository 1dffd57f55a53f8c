// Query parsing and search (core/searcher.h) plus suggestions
// (core/suggester.h) over a small real index built once, on arbitrary query
// text and parameters. Input: option lines first, then the query text:
//
//   @lang fi          language filter (raw: the Searcher must cope with any)
//   @tag billing      @category Billing
//   @limit 5          @offset 10 (taken within the bounds params.h enforces)
//   @as agent         public (default), agent or writer
//   @exact            correct_spelling = false
//   @similar          also run the query as a support ticket (similar())
//   kuluraportin "refund" -ledger mật khẩu
//
// Beyond not crashing: every search succeeds; hits are articles the caller
// may see, without duplicates, in the filtered language and category; the
// page holds exactly what `total` and the offset leave; snippets and
// suggestions are escaped text with balanced <mark>s; the public never sees
// a staff-only word, tag or title.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "core/analysis.h"
#include "core/revision.h"
#include "core/searcher.h"
#include "core/suggester.h"
#include "core/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kb::Visibility;
using kb::fuzz::fail;

struct Fixture {
  std::unique_ptr<kb::Searcher> searcher;
  std::shared_ptr<const kb::Suggester> suggester;
  std::map<Visibility, std::set<int64_t>> visible;  // article ids each caller may see
  std::set<std::string> staff_slugs;                // articles the public must not see
};

Fixture* fixture = nullptr;

struct Input {
  kb::SearchRequest request;
  bool similar = false;
  std::string query;
};

Input parse_input(std::string_view text) {
  Input in;
  while (text.starts_with("@")) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(1, nl == std::string_view::npos ? std::string_view::npos : nl - 1);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t space = line.find(' ');
    const std::string_view name = line.substr(0, space);
    const std::string value(space == std::string_view::npos ? std::string_view() : line.substr(space + 1));
    auto number = [&](size_t modulo) {
      size_t n = 0;
      for (char c : value) n = (n * 10 + static_cast<size_t>(c >= '0' && c <= '9' ? c - '0' : 0)) % 1000003;
      return n % modulo;
    };
    if (name == "lang") in.request.lang = value;
    if (name == "tag") in.request.tag = value;
    if (name == "category") in.request.category = value;
    if (name == "limit") in.request.limit = 1 + number(kb::Searcher::kMaxLimit);
    if (name == "offset") in.request.offset = number(kb::Searcher::kMaxOffset + 1);
    if (name == "as") {
      in.request.visibility = value == "writer" ? Visibility::kWriter
                              : value == "agent" ? Visibility::kAgent
                                                 : Visibility::kPublic;
    }
    if (name == "exact") in.request.correct_spelling = false;
    if (name == "similar") in.similar = true;
  }
  // As params.h hands it over: whitespace collapsed, at most 512 bytes.
  in.query = kb::collapse_whitespace(kb::utf8_truncate(text, 512));
  in.request.query = in.query;
  return in;
}

bool has_secret(std::string_view s) {
  const std::string lower = kb::fuzz::ascii_lower(s);
  for (auto w : kb::fuzz::kSecretWords) {
    if (lower.find(w) != std::string::npos) return true;
  }
  return false;
}

void check_hits(const std::vector<kb::SearchHit>& hits, Visibility v, size_t limit, bool query_has_secret,
                const char* what) {
  KB_FUZZ_CHECK(hits.size() <= limit, "{}: {} hits for limit {}", what, hits.size(), limit);
  std::set<int64_t> seen;
  for (const auto& h : hits) {
    KB_FUZZ_CHECK(fixture->visible[v].count(h.id), "{}: article {} ('{}') is not visible to this caller", what, h.id,
                  h.slug);
    KB_FUZZ_CHECK(seen.insert(h.id).second, "{}: article {} twice", what, h.id);
    KB_FUZZ_CHECK(h.url.starts_with("/articles/" + h.slug), "{}: url '{}' for slug '{}'", what, h.url, h.slug);
    KB_FUZZ_CHECK(kb::is_valid_utf8(h.snippet) && kb::fuzz::is_marked_text(h.snippet), "{}: bad snippet '{}'", what,
                  h.snippet);
    if (v == Visibility::kPublic) {
      KB_FUZZ_CHECK(!h.internal, "{}: a hit marked internal for the public", what);
      KB_FUZZ_CHECK(query_has_secret || !has_secret(h.snippet + h.title + h.section_title),
                    "{}: a staff-only word shown to the public: '{}' / '{}'", what, h.title, h.snippet);
    }
  }
}

void check_search(const Input& in) {
  const kb::SearchRequest& r = in.request;
  const bool secret = has_secret(in.query) || has_secret(r.tag) || has_secret(r.category);
  auto result = fixture->searcher->search(r);
  KB_FUZZ_CHECK(result.is_ok(), "search failed: {}", result.status().message());
  const kb::SearchResult& res = *result;
  check_hits(res.hits, r.visibility, r.limit, secret, "search");
  // The fixture has fewer articles than are counted exactly.
  KB_FUZZ_CHECK(!res.total_is_estimate, "total {} is an estimate", res.total);
  const size_t expected = r.offset >= res.total ? 0 : std::min(r.limit, res.total - r.offset);
  KB_FUZZ_CHECK(res.hits.size() == expected, "{} hits at offset {} of {} (limit {})", res.hits.size(), r.offset,
                res.total, r.limit);
  KB_FUZZ_CHECK(res.total <= fixture->visible[r.visibility].size(), "total {} above the {} visible articles",
                res.total, fixture->visible[r.visibility].size());
  if (kb::analysis::is_language_tag(r.lang)) {
    const std::string lang = kb::analysis::normalize_lang(r.lang);
    for (const auto& h : res.hits) KB_FUZZ_CHECK(h.lang == lang, "a '{}' hit for lang '{}'", h.lang, lang);
  }
  if (!r.category.empty()) {
    for (const auto& h : res.hits) KB_FUZZ_CHECK(h.category == r.category, "category '{}' for '{}'", h.category, r.category);
  }
  KB_FUZZ_CHECK(res.other_languages.empty() || res.total == 0, "other_languages with {} hits", res.total);
  // Hits with every word first, then those with some (all of them when relaxed).
  for (size_t i = 0; i < res.hits.size(); ++i) {
    KB_FUZZ_CHECK(!res.relaxed || res.hits[i].partial, "hit {} not partial in a relaxed search", i);
    KB_FUZZ_CHECK(i == 0 || res.hits[i].partial || !res.hits[i - 1].partial, "hit {} with every word after a partial one",
                  i);
  }
  if (res.corrected) KB_FUZZ_CHECK(kb::is_valid_utf8(*res.corrected), "corrected query is not valid UTF-8");
  if (r.visibility == Visibility::kPublic) {
    if (res.corrected) {
      KB_FUZZ_CHECK(secret || !has_secret(*res.corrected), "corrected to a staff-only word: '{}'", *res.corrected);
    }
    for (const auto& [facet, counts] : res.facets) {
      for (const auto& [value, n] : counts) {
        KB_FUZZ_CHECK(value != "secret-tag" && value != "draft-tag", "facet {} shows staff-only '{}'", facet, value);
        KB_FUZZ_CHECK(n <= res.total, "facet {} '{}' counts {} of {}", facet, value, n, res.total);
      }
    }
  }
}

void check_typed(const Input& in) {
  const kb::SearchRequest& r = in.request;
  const bool secret = has_secret(in.query);
  kb::SuggestRequest s{in.query, r.lang, r.visibility, std::min(r.limit, kb::Suggester::kMaxLimit)};
  const auto suggestions = fixture->suggester->suggest(s);
  KB_FUZZ_CHECK(suggestions.size() <= s.limit, "{} suggestions for limit {}", suggestions.size(), s.limit);
  for (const auto& g : suggestions) {
    KB_FUZZ_CHECK(kb::is_valid_utf8(g.html) && kb::fuzz::is_marked_text(g.html), "bad suggestion html '{}'", g.html);
    if (r.visibility == Visibility::kPublic) {
      KB_FUZZ_CHECK(!fixture->staff_slugs.count(g.slug), "suggested staff-only article '{}'", g.slug);
      KB_FUZZ_CHECK(secret || !has_secret(g.text), "suggested a staff-only heading '{}'", g.text);
    }
  }
  for (const auto& w : kb::Suggester::words(in.query)) {
    KB_FUZZ_CHECK(w.begin <= w.end && w.end <= in.query.size(), "word span {}..{} of {} bytes", w.begin, w.end,
                  in.query.size());
  }
  kb::TypedQuery typed{in.query, r.lang, r.visibility, std::min<size_t>(r.limit, 10),
                       fixture->suggester->completions(in.query, 5)};
  KB_FUZZ_CHECK(typed.completions.size() <= 5, "{} completions", typed.completions.size());
  auto top = fixture->searcher->top_articles(typed);
  KB_FUZZ_CHECK(top.is_ok(), "top_articles failed: {}", top.status().message());
  check_hits(*top, r.visibility, typed.limit, secret, "top_articles");
}

void check_similar(const Input& in) {
  const kb::SearchRequest& r = in.request;
  std::string language;
  auto result = fixture->searcher->similar(in.query, r.lang, r.visibility, r.limit, &language);
  KB_FUZZ_CHECK(result.is_ok(), "similar failed: {}", result.status().message());
  check_hits(result->hits, r.visibility, r.limit, has_secret(in.query), "similar");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto dir = kb::fuzz::temp_dir("search");
  kb::fuzz::build_fixture_index(dir / "content", dir / "index");
  const kb::IndexLayout layout(dir / "index");
  const auto revision = layout.revision_dir(*layout.current());
  auto searcher = kb::Searcher::open(revision);
  if (!searcher) fail(__FILE__, __LINE__, "cannot open the fixture index: " + searcher.status().message());
  auto suggester = kb::Suggester::load(revision);
  if (!suggester) fail(__FILE__, __LINE__, "cannot load suggestions: " + suggester.status().message());
  fixture = new Fixture{std::move(searcher.value()), std::move(suggester.value()), {}, {}};
  for (Visibility v : {Visibility::kPublic, Visibility::kAgent, Visibility::kWriter}) {
    auto list = fixture->searcher->list(v);
    if (!list) fail(__FILE__, __LINE__, "cannot list articles: " + list.status().message());
    for (const auto& a : *list) {
      fixture->visible[v].insert(a.id);
      if (v == Visibility::kWriter && (!a.is_public || a.draft)) fixture->staff_slugs.insert(a.slug);
    }
  }
  if (fixture->staff_slugs.size() != 2 || fixture->visible[Visibility::kPublic].size() < 7) {
    fail(__FILE__, __LINE__, "the fixture index is not the one expected");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Input in = parse_input(std::string_view(reinterpret_cast<const char*>(data), size));
  const kb::SearchRequest& r = in.request;
  if (!kb::is_valid_utf8(r.query) || !kb::is_valid_utf8(r.lang) || !kb::is_valid_utf8(r.tag) ||
      !kb::is_valid_utf8(r.category)) {
    // The server refuses such parameters (params.h); here only crashes count.
    (void)fixture->searcher->search(r);
    return 0;
  }
  check_search(in);
  check_typed(in);
  if (in.similar) check_similar(in);
  return 0;
}
