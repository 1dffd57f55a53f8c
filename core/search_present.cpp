#include "core/search_present.h"

#include <algorithm>
#include <map>

#include "core/content_loader.h"
#include "core/document_data.h"
#include "core/highlight.h"
#include "core/schema.h"
#include "core/section_map.h"
#include "core/text.h"

namespace kb {
namespace {

// The first kRerankDepth matches are re-ordered by BM25 (scaled to the best
// match's) plus kTitleCoverageWeight times the share of the title the query
// accounts for (Highlighter::title_coverage): BM25 over whole articles
// favours long ones that mention every word, while the short task article
// whose title is the question ("Vahvista myyntitilaukset") ranked 4th.
// Positions past kRerankDepth keep Xapian's order. Scores are scaled the
// same way on every page (to the best match's weight); the first one past
// the re-ranked top may be above the last one in it.
constexpr double kTitleCoverageWeight = 0.4;
// A section whose heading has a query word counts it this many times.
constexpr double kHeadingWeight = 2.0;

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

// How well each section of a document answers the query: the weights of
// the marked words its text has, plus kHeadingWeight times those its
// heading has; and how many marked words each one's text has. Read from
// the section map the indexer stored (core/section_map.h), not from the
// sections' text: analysing the text of every section of every hit was
// most of a search's time. Sized by the last section the map names.
struct SectionScores {
  std::vector<double> score;
  std::vector<size_t> text_words;
};
SectionScores section_scores(std::string_view map, const SearchPlan& plan,
                             const std::vector<std::pair<uint32_t, size_t>>& hashes) {
  SectionScores out;
  const size_t n = plan.marked_weights.size();
  std::vector<char> seen;  // [section][heading?][word]
  read_section_map(map, hashes, [&](size_t word, Xapian::termpos p) {
    if (p < schema::kFirstSectionPosition || word >= n) return;
    const size_t k = schema::section_of(p);
    if (k >= schema::kMaxSections) return;
    if (k >= out.score.size()) {
      out.score.resize(k + 1);
      out.text_words.resize(k + 1);
      seen.resize((k + 1) * 2 * n);
    }
    const bool heading = schema::is_heading_position(p);
    char& s = seen[(k * 2 + (heading ? 1 : 0)) * n + word];
    if (s) return;
    s = 1;
    out.score[k] += (heading ? kHeadingWeight : 1.0) * plan.marked_weights[word];
    if (!heading) ++out.text_words[k];
  });
  return out;
}

// Each hit's best section, its anchor in the URL, and the snippet. Only
// that section is read from the catalog.
void fill_sections(Catalog& catalog, const SearchPlan& plan, const Highlighter& highlighter,
                   const std::map<int64_t, const Xapian::Document*>& docids,
                   Visibility visibility, SearchResult& result) {
  // Every form of every marked word, by hash, for read_section_map.
  std::vector<std::pair<uint32_t, size_t>> hashes;
  const auto& words = plan.marked_words();
  for (size_t i = 0; i < words.size(); ++i) {
    for (const auto& t : words[i].terms) hashes.emplace_back(section_map_hash(t.term), i);
  }
  std::sort(hashes.begin(), hashes.end());
  for (auto& h : result.hits) {
    // Which section: the best by the map; the only one when there is no
    // map (one section, or none); none when no section has a word (then
    // the opening text is shown).
    std::optional<size_t> best;
    size_t text_words = std::string::npos;  // marked words in its text, when the map says
    const auto d = docids.find(h.id);
    if (d != docids.end()) h.tags = document_tags(*d->second);
    if (!plan.words.empty() && d != docids.end()) {
      if (const std::string map = d->second->get_value(schema::kSlotSections); map.empty()) {
        best = 0;
      } else {
        const SectionScores scores = section_scores(map, plan, hashes);
        double best_score = 0;
        for (size_t k = 0; k < scores.score.size(); ++k) {
          if (scores.score[k] > best_score) {
            best_score = scores.score[k];
            best = k;
            text_words = scores.text_words[k];
          }
        }
      }
    }
    std::optional<Section> section = catalog.section(h.id, best.value_or(0), visibility);
    if (!section && best) {  // a map naming a section the article does not have: damage
      best.reset();
      section = catalog.section(h.id, 0, visibility);
    }
    if (!section) continue;
    std::string snippet;
    if (best) {
      h.section_title = section->title;
      h.section_anchor = section->anchor;
      if (!section->anchor.empty()) h.url += "#" + section->anchor;
      // A text without marked words (matched in the heading) is not read for them.
      if (text_words > 0) snippet = highlighter.snippet(section->text, h.lang, kSnippetBytes, text_words);
    }
    if (snippet.empty()) {
      // No words to highlight (browsing, or matched in the title): the opening text.
      const std::optional<Section> first = best.value_or(0) == 0 ? section : catalog.section(h.id, 0, visibility);
      std::string_view text = first ? std::string_view(first->text) : std::string_view();
      std::string_view cut = utf8_truncate(text, kSnippetBytes);
      snippet = html_escape(cut) + (cut.size() < text.size() ? "…" : "");
    }
    h.snippet = std::move(snippet);
  }
}

}  // namespace

std::vector<std::string> document_tags(const Xapian::Document& doc) {
  // The facet value holds the language, the category, then the tags.
  const std::string facets = doc.get_value(schema::kSlotFacets);
  std::vector<std::string> tags;
  size_t field = 0;
  for (size_t start = 0; start <= facets.size(); ++field) {
    size_t end = facets.find(schema::kFacetSeparator, start);
    if (end == std::string::npos) end = facets.size();
    if (field >= 2 && end > start) tags.emplace_back(facets, start, end - start);
    start = end + 1;
  }
  return tags;
}

std::optional<SearchHit> hit_from_document(const Xapian::Document& doc, bool with_tags) {
  auto data = decode_document_data(doc.get_value(schema::kSlotHit));
  if (!data) return std::nullopt;
  SearchHit h;
  h.id = data->id;
  h.slug = std::move(data->slug);
  h.path = std::move(data->path);
  h.title = std::move(data->title);
  h.lang = std::move(data->lang);
  h.category = std::move(data->category);
  h.updated = std::move(data->updated);
  h.internal = data->internal;
  h.url = article_url(h.slug);
  if (with_tags) h.tags = document_tags(doc);
  return h;
}

void present_search(Catalog& catalog, const SearchPlan& plan, const MatchResult& matched,
                    size_t offset, size_t limit, Visibility visibility, SearchResult& result) {
  std::map<int64_t, const Xapian::Document*> docids;  // article id -> the document matched
  for (const MatchedDocument& m : matched.ranked) {
    // Tags only for the hits shown (fill_sections): one more value read.
    if (auto h = hit_from_document(m.doc, false)) {
      docids.emplace(h->id, &m.doc);
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
  fill_sections(catalog, plan, highlighter, docids, visibility, result);
}

}  // namespace kb
