#include "core/search_present.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "core/content_loader.h"
#include "core/highlight.h"
#include "core/text.h"

namespace kb {
namespace {

using nlohmann::json;

// The first kRerankDepth matches are re-ordered by BM25 (scaled to the best
// match's) plus kTitleCoverageWeight times the share of the title the query
// accounts for (Highlighter::title_coverage): BM25 over whole articles
// favours long ones that mention every word, while the short task article
// whose title is the question ("Vahvista myyntitilaukset") ranked 4th.
// Positions past kRerankDepth keep Xapian's order. Scores are scaled the
// same way on every page (to the best match's weight); the first one past
// the re-ranked top may be above the last one in it.
constexpr double kTitleCoverageWeight = 0.4;

// Scales the scores of `hits` (Xapian's ranking from position `first`,
// score = BM25 weight) to `max_weight`, and re-orders the part within the
// first kRerankDepth positions by adding the title's coverage by the query;
// hits with every word stay above partial ones.
void rerank_by_title(const Highlighter& highlighter, double max_weight, size_t first, std::vector<SearchHit>& hits) {
  // Exactly the first kRerankDepth of the ranking, whatever page is asked
  // for: a page that reached further would re-order a different top, and
  // pages would repeat or skip hits.
  const size_t depth = first < kRerankDepth ? std::min(hits.size(), kRerankDepth - first) : 0;
  const double scale = max_weight > 0 ? 1.0 / max_weight : 0.0;
  for (size_t i = 0; i < hits.size(); ++i) {
    hits[i].score *= scale;
    if (i < depth) hits[i].score += kTitleCoverageWeight * highlighter.title_coverage(hits[i].title, hits[i].lang);
  }
  std::stable_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(depth),
                   [](const SearchHit& a, const SearchHit& b) {
                     return a.partial != b.partial ? !a.partial : a.score > b.score;
                   });
}

// Each hit's best section, its anchor in the URL, and the snippet.
void fill_sections(Catalog& catalog, const Highlighter& highlighter, Visibility visibility, SearchResult& result) {
  std::vector<int64_t> ids;
  for (const auto& h : result.hits) ids.push_back(h.id);
  auto sections = catalog.sections_of(ids, visibility);
  for (auto& h : result.hits) {
    const auto& secs = sections[h.id];
    const Section* best = nullptr;
    double best_score = 0;
    for (const auto& s : secs) {
      const double score = highlighter.score(s, h.lang);
      if (score > best_score) {
        best_score = score;
        best = &s;
      }
    }
    std::string snippet;
    if (best) {
      h.section_title = best->title;
      h.section_anchor = best->anchor;
      if (!best->anchor.empty()) h.url += "#" + best->anchor;
      snippet = highlighter.snippet(best->text, h.lang, kSnippetBytes);
    }
    if (snippet.empty() && !secs.empty()) {
      // No words to highlight (browsing, or matched in the title): the opening text.
      std::string_view text = secs.front().text;
      std::string_view cut = utf8_truncate(text, kSnippetBytes);
      snippet = html_escape(cut) + (cut.size() < text.size() ? "…" : "");
    }
    h.snippet = std::move(snippet);
  }
}

// A hit's fields from the document data the indexer wrote (no section yet).
}  // namespace

std::optional<SearchHit> hit_from_document(const Xapian::Document& doc) {
  json data = json::parse(doc.get_data(), nullptr, false);
  if (!data.is_object()) return std::nullopt;
  SearchHit h;
  h.id = data.value("id", int64_t{0});
  h.slug = data.value("slug", "");
  h.path = data.value("path", "");
  h.title = data.value("title", "");
  h.lang = data.value("lang", "");
  h.category = data.value("category", "");
  h.updated = data.value("updated", "");
  h.internal = data.value("internal", false);
  h.url = article_url(h.slug);
  return h;
}

void present_search(Catalog& catalog, const SearchPlan& plan, const MatchResult& matched, size_t offset,
                    size_t limit, Visibility visibility, SearchResult& result) {
  for (const MatchedDocument& m : matched.ranked) {
    if (auto h = hit_from_document(m.doc)) {
      h->score = plan.words.empty() ? 0.0 : m.weight;
      h->partial = m.partial;
      result.hits.push_back(std::move(*h));
    }
  }
  // One highlighter for the re-ranking and the sections: it remembers what
  // each word of the hits matched.
  const Highlighter highlighter(plan.marked_words(), plan.marked_weights);
  if (!plan.words.empty()) rerank_by_title(highlighter, matched.max_weight, matched.first, result.hits);
  if (matched.reranked) {
    auto& hits = result.hits;
    hits.erase(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(std::min(offset, hits.size())));
    if (hits.size() > limit) hits.resize(limit);
  }
  fill_sections(catalog, highlighter, visibility, result);
}

}  // namespace kb
