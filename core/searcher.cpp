#include "core/searcher.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/analysis.h"
#include "core/content_loader.h"
#include "core/highlight.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/text.h"

namespace kb {
namespace {

using nlohmann::json;

// Counts facet values over every matching document (the enquire is asked to
// check all matches, so counts are exact).
class FacetSpy : public Xapian::MatchSpy {
 public:
  void operator()(const Xapian::Document& doc, double /*wt*/) override {
    ++lang_[doc.get_value(schema::kSlotLang)];
    if (std::string c = doc.get_value(schema::kSlotCategory); !c.empty()) ++category_[c];
    const std::string tags = doc.get_value(schema::kSlotTags);
    size_t start = 0;
    while (start < tags.size()) {
      size_t end = tags.find(schema::kTagSeparator, start);
      if (end == std::string::npos) end = tags.size();
      ++tag_[tags.substr(start, end - start)];
      start = end + 1;
    }
  }
  std::map<std::string, FacetCounts> take() {
    return {{"lang", std::move(lang_)}, {"category", std::move(category_)}, {"tag", std::move(tag_)}};
  }

 private:
  FacetCounts lang_, category_, tag_;
};

Xapian::Query filter_query(const SearchRequest& r) {
  std::vector<Xapian::Query> filters;
  if (r.visibility == Visibility::kPublic) filters.emplace_back(std::string(schema::kTermPublic));
  if (r.visibility != Visibility::kPublic) filters.emplace_back(std::string(schema::kTermStaff));
  if (r.visibility == Visibility::kAgent) filters.emplace_back(std::string(schema::kTermPublished));
  if (!r.lang.empty()) filters.emplace_back(schema::boolean_term(schema::kPrefixLang, analysis::normalize_lang(r.lang)));
  if (!r.tag.empty()) filters.emplace_back(schema::boolean_term(schema::kPrefixTag, r.tag));
  if (!r.category.empty()) filters.emplace_back(schema::boolean_term(schema::kPrefixCategory, r.category));
  if (filters.empty()) return Xapian::Query();
  return Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end());
}

// At most this many words of a ticket make its query.
constexpr size_t kSimilarWords = 16;
// Weight of query words found in the title, on top of their weight anywhere.
constexpr double kTitleBoost = 1.0;
// The first kRerankDepth matches are re-ordered by BM25 (scaled to the best
// match's) plus kTitleCoverageWeight times the share of the title the query
// accounts for (Highlighter::title_coverage): BM25 over whole articles
// favours long ones that mention every word, while the short task article
// whose title is the question ("Vahvista myyntitilaukset") ranked 4th.
// Positions past kRerankDepth keep Xapian's order. Scores are scaled the
// same way on every page (to the best match's weight); the first one past
// the re-ranked top may be above the last one in it.
constexpr size_t kRerankDepth = 50;
constexpr double kTitleCoverageWeight = 0.4;
// A writer's synonym counts a little less than the words as typed: an article
// in the customer's own words is the better answer.
constexpr double kSynonymWeight = 0.9;
// A query word in more than this share of articles only ranks...
constexpr double kCommonWordShare = 0.15;
// ...and in more than this many: in a small help center every word is rare.
constexpr double kCommonWordMinArticles = 10;
// Rare words a match may lack: none below kOneMissingFrom, else one; queries
// of more than kOneMissingUpTo words match any word and rely on ranking.
constexpr size_t kOneMissingFrom = 3;
constexpr size_t kOneMissingUpTo = 5;
// Words shorter than this are not corrected (too many near neighbours).
constexpr size_t kMinCorrectableBytes = 4;
constexpr unsigned kMaxSpellingEdits = 2;
// Related articles are searched for with this many of an article's most
// telling terms.
constexpr Xapian::termcount kRelatedTerms = 24;

// In how many articles each query word occurs, in its most frequent form.
// Looked up once per query: the plan and the section weights both use it.
std::vector<Xapian::doccount> word_frequencies(const std::vector<analysis::QueryWord>& words,
                                               const Xapian::Database& db) {
  std::vector<Xapian::doccount> out;
  for (const auto& w : words) {
    Xapian::doccount tf = 0;
    for (const auto& t : w.terms) tf = std::max(tf, db.get_termfreq(t.term));
    out.push_back(tf);
  }
  return out;
}

// How much each query word says about where the answer is: rarer words more.
std::vector<double> word_weights(const std::vector<Xapian::doccount>& frequencies, const Xapian::Database& db) {
  std::vector<double> out;
  const double n = std::max(1.0, static_cast<double>(db.get_doccount()));
  for (Xapian::doccount tf : frequencies) out.push_back(1.0 + std::log(n / std::max(1.0, static_cast<double>(tf))));
  return out;
}

// A hit's fields from the document data the indexer wrote (no section yet).
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

// Runs one read; a failure inside Xapian or SQLite becomes a Status naming
// `what`, so the public methods never throw.
template <typename F>
auto guarded(std::string_view what, F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("{} failed: {}", what, e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("{} failed: {}", what, e.what()));
  }
}

}  // namespace

Xapian::Database open_fulltext(const std::string& path) { return Xapian::Database(path); }

Result<std::unique_ptr<Searcher>> Searcher::open(const std::filesystem::path& revision_dir) {
  try {
    auto db = open_fulltext(IndexLayout::xapian_path(revision_dir).string());
    auto catalog =
        std::make_unique<Catalog>(IndexLayout::catalog_path(revision_dir).string(), SqliteDb::Mode::kReadOnly);
    // A revision written by another version of kb stores and means things
    // differently (since version 14, compressed catalog values): refused
    // whole rather than served as errors page by page.
    if (const int version = catalog->schema_version(); version != schema::kSchemaVersion) {
      return Status::error(fmt::format("the index in {} was built by another version of kb (schema {}, this one "
                                       "reads {}): run kb-index to rebuild it",
                                       revision_dir.string(), version, schema::kSchemaVersion));
    }
    return std::unique_ptr<Searcher>(new Searcher(std::move(db), std::move(catalog)));
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("opening index {}: {}", revision_dir.string(), e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("opening catalog in {}: {}", revision_dir.string(), e.what()));
  }
}

Searcher::Searcher(Xapian::Database db, std::unique_ptr<Catalog> catalog)
    : db_(std::move(db)), catalog_(std::move(catalog)), languages_(catalog_->languages()) {
  // The indexer reported the file's errors; the lines without any apply.
  synonyms_ = SynonymIndex::shared(catalog_->get_meta(std::string(schema::kMetaSynonyms)).value_or(""), languages_);
}

Result<SearchResult> Searcher::search(const SearchRequest& request) {
  return guarded("search", [&] { return run(request); });
}

SearchResult Searcher::run(const SearchRequest& r) {
  SearchResult result;
  const size_t limit = std::clamp<size_t>(r.limit, 1, kMaxLimit);
  const size_t offset = std::min(r.offset, kMaxOffset);
  const std::vector<std::string> langs = r.lang.empty() ? languages_ : std::vector<std::string>{r.lang};
  const Xapian::Query filter = filter_query(r);
  auto words = analysis::analyse_query(r.query, langs);
  auto synonyms = synonyms_->find(words, langs);
  if (auto corrected = r.correct_spelling ? correct_spelling(words, synonyms, filter) : std::nullopt) {
    result.corrected = *corrected;
    words = analysis::analyse_query(*corrected, langs);
    synonyms = synonyms_->find(words, langs);
  }

  Xapian::Enquire enquire(db_);
  auto spy = std::make_unique<FacetSpy>();
  // With words, the top kRerankDepth are fetched whole to be re-ordered.
  const bool rerank = !words.empty() && offset < kRerankDepth;
  const size_t first = rerank ? 0 : offset;
  const size_t count = rerank ? std::max(kRerankDepth, offset + limit) : limit;
  auto run_query = [&](const Xapian::Query& q, size_t from, size_t n) {
    enquire.set_query(filter.empty() ? q : Xapian::Query(Xapian::Query::OP_FILTER, q, filter));
    enquire.clear_matchspies();
    spy = std::make_unique<FacetSpy>();
    enquire.add_matchspy(spy.get());
    return enquire.get_mset(static_cast<Xapian::doccount>(from), static_cast<Xapian::doccount>(n), db_.get_doccount());
  };

  const std::vector<Xapian::doccount> frequencies = word_frequencies(words, db_);
  // Positions [first, first + count) of the ranking.
  struct Ranked {
    Xapian::Document doc;
    double weight;
    bool partial;
  };
  std::vector<Ranked> ranked;
  auto take = [&](const Xapian::MSet& m, bool partial) {
    for (auto it = m.begin(); it != m.end(); ++it) ranked.push_back({it.get_document(), it.get_weight(), partial});
  };
  Xapian::MSet mset;
  if (words.empty()) {
    // Browsing: everything under the filters, newest first.
    enquire.set_sort_by_value(schema::kSlotUpdated, true);
    mset = run_query(Xapian::Query::MatchAll, first, count);
    take(mset, false);
  } else {
    enquire.set_weighting_scheme(Xapian::BM25Weight());
    const QueryPlan plan = plan_query(words, frequencies, langs, synonyms);
    mset = run_query(plan.strict, first, count);
    const size_t matched_all = mset.get_matches_estimated();
    if (matched_all == 0 && words.size() > 1) {
      // No article has every word: rank by how many (and how rare) they match.
      mset = run_query(plan.relaxed, first, count);
      result.relaxed = true;
      take(mset, true);
    } else if (plan.filtered && matched_all < kFewMatches) {
      // Few articles have every word: they come first, then the articles
      // with some of the words ("When was this edict declared?": the one
      // article with both rare words is about something else).
      Xapian::MSet all = first == 0 ? mset : run_query(plan.strict, 0, matched_all);
      std::set<Xapian::docid> have_all;
      for (auto it = all.begin(); it != all.end(); ++it) have_all.insert(*it);
      mset = run_query(plan.relaxed, 0, first + count + matched_all);
      std::vector<Ranked> rest;
      for (auto it = mset.begin(); it != mset.end(); ++it) {
        if (!have_all.contains(*it)) rest.push_back({it.get_document(), it.get_weight(), true});
      }
      take(all, false);
      ranked.insert(ranked.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
      ranked.erase(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(std::min(first, ranked.size())));
      if (ranked.size() > count) ranked.resize(count);
    } else {
      take(mset, false);
    }
  }
  result.total = mset.get_matches_estimated();
  result.facets = spy->take();
  if (result.total == 0 && !r.lang.empty() && !words.empty()) {
    // Nothing in the asked language: say which other languages have answers,
    // with the query analysed for all of them.
    SearchRequest any_lang = r;
    any_lang.lang.clear();
    Xapian::Enquire other(db_);
    const auto all_words = analysis::analyse_query(result.corrected.value_or(r.query), languages_);
    const QueryPlan plan =
        plan_query(all_words, word_frequencies(all_words, db_), languages_, synonyms_->find(all_words, languages_));
    const Xapian::Query& q = result.relaxed ? plan.relaxed : plan.strict;
    const Xapian::Query f = filter_query(any_lang);
    other.set_query(f.empty() ? q : Xapian::Query(Xapian::Query::OP_FILTER, q, f));
    FacetSpy langs_spy;
    other.add_matchspy(&langs_spy);
    other.get_mset(0, 0, db_.get_doccount());
    result.other_languages = langs_spy.take()["lang"];
  }

  for (const Ranked& m : ranked) {
    if (auto h = hit_from_document(m.doc)) {
      h->score = words.empty() ? 0.0 : m.weight;
      h->partial = m.partial;
      result.hits.push_back(std::move(*h));
    }
  }
  // One highlighter for the re-ranking and the sections: it remembers what
  // each word of the hits matched.
  // The synonyms searched for are marked and picked sections by too.
  std::vector<analysis::QueryWord> marked;
  std::vector<Xapian::doccount> marked_frequencies;
  if (!synonyms.empty()) {
    marked = words;
    marked_frequencies = frequencies;
    for (const auto& m : synonyms) {
      for (const auto& alt : m.alternatives) {
        const auto f = word_frequencies(alt, db_);
        marked.insert(marked.end(), alt.begin(), alt.end());
        marked_frequencies.insert(marked_frequencies.end(), f.begin(), f.end());
      }
    }
  }
  const Highlighter highlighter(synonyms.empty() ? words : marked,
                                word_weights(synonyms.empty() ? frequencies : marked_frequencies, db_));
  if (!words.empty()) rerank_by_title(highlighter, mset.get_max_attained(), first, result.hits);
  if (rerank) {
    auto& hits = result.hits;
    hits.erase(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(std::min(offset, hits.size())));
    if (hits.size() > limit) hits.resize(limit);
  }
  fill_sections(highlighter, r.visibility, result);
  return result;
}

void Searcher::rerank_by_title(const Highlighter& highlighter, double max_weight, size_t first,
                               std::vector<SearchHit>& hits) const {
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

Result<std::vector<SearchHit>> Searcher::top_articles(const TypedQuery& typed) {
  return guarded("search", [&] { return run_top_articles(typed); });
}

std::vector<SearchHit> Searcher::run_top_articles(const TypedQuery& typed) {
  std::vector<SearchHit> out;
  const bool unfinished = !typed.text.empty() && !std::isspace(static_cast<unsigned char>(typed.text.back()));
  // Finished words get the full analysis; the unfinished one only its typed
  // and folded forms: base forms of half a word mean nothing, and looking
  // them up (Voikko, Hunspell on a non-word) is the slowest part.
  const size_t cut = unfinished ? typed.text.find_last_of(" \t\n") : std::string::npos;
  const size_t last_from = !unfinished ? typed.text.size() : cut == std::string::npos ? 0 : cut + 1;
  auto words = analysis::analyse_query(std::string_view(typed.text).substr(0, last_from), languages_);
  // The writers' synonyms, among the finished words: "faktuura " suggests
  // what a search for it would find.
  const std::vector<SynonymMatch> synonyms = synonyms_->find(words, languages_);
  for (auto& w : analysis::analyse_query(std::string_view(typed.text).substr(last_from), {})) words.push_back(std::move(w));
  if (words.empty()) return out;
  std::vector<Xapian::Query> parts;
  for (size_t i = 0; i < words.size(); ++i) {
    if (auto m = std::find_if(synonyms.begin(), synonyms.end(), [&](const SynonymMatch& s) { return s.first == i; });
        m != synonyms.end()) {
      // The entry's words, or any other entry of its group.
      std::vector<Xapian::Query> entry, any;
      for (size_t k = i; k < i + m->count; ++k) entry.push_back(analysis::word_query(words[k]));
      any.emplace_back(Xapian::Query::OP_AND, entry.begin(), entry.end());
      for (const auto& alt : m->alternatives) {
        std::vector<Xapian::Query> other;
        for (const auto& w : alt) other.push_back(analysis::word_query(w));
        any.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(Xapian::Query::OP_AND, other.begin(), other.end()),
                         kSynonymWeight);
      }
      parts.emplace_back(Xapian::Query::OP_OR, any.begin(), any.end());
      i += m->count - 1;
      continue;
    }
    Xapian::Query q = analysis::word_query(words[i]);
    if (unfinished && i + 1 == words.size()) {
      // Completions are looked up as given, not expanded with Xapian's
      // wildcards: those scan every indexed word with the prefix.
      std::vector<Xapian::Query> forms = {q};
      for (const auto& c : typed.completions) {
        forms.emplace_back(c);
        forms.emplace_back(std::string(schema::kPrefixFolded) + c);
      }
      if (forms.size() == 1 && words.size() > 1) continue;  // "original ca": not a word yet
      q = Xapian::Query(Xapian::Query::OP_OR, forms.begin(), forms.end());
    }
    parts.push_back(q);
  }
  const Xapian::Query all(Xapian::Query::OP_AND, parts.begin(), parts.end());
  Xapian::Enquire enquire(db_);
  enquire.set_weighting_scheme(Xapian::BM25Weight());
  const auto n = static_cast<Xapian::doccount>(std::clamp<size_t>(typed.limit, 1, kMaxLimit));
  Xapian::MSet mset;
  for (const std::string& l : {typed.lang, std::string()}) {  // the visitor's language first, then any
    SearchRequest filters;
    filters.visibility = typed.visibility;
    filters.lang = l;
    const Xapian::Query f = filter_query(filters);
    enquire.set_query(f.empty() ? all : Xapian::Query(Xapian::Query::OP_FILTER, all, f));
    mset = enquire.get_mset(0, n);
    if (!mset.empty() || l.empty()) break;
  }
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    if (auto h = hit_from_document(it.get_document())) {
      h->score = it.get_weight();
      out.push_back(std::move(*h));
    }
  }
  return out;
}

Result<SearchResult> Searcher::similar(std::string_view ticket, const std::string& lang, Visibility visibility,
                                      size_t limit, std::string* language) {
  return guarded("similar articles", [&] {
    // The ticket's language, when the help center has articles in it.
    std::string in = lang;
    if (in.empty()) {
      auto detected = analysis::detect_language(ticket);
      if (detected && std::find(languages_.begin(), languages_.end(), *detected) != languages_.end()) in = *detected;
    }
    if (language) *language = in;
    const std::vector<std::string> langs = in.empty() ? languages_ : std::vector<std::string>{in};
    auto words = analysis::analyse_query(ticket, langs);
    const auto frequencies = word_frequencies(words, db_);
    // Each distinct word once, scored by how telling it is: rarer in the help
    // center and more often in the ticket. Words in most articles, and words
    // no article has, say nothing.
    const double n = std::max(1.0, static_cast<double>(db_.get_doccount()));
    std::map<std::string, std::pair<double, size_t>> score;  // word -> (score, first index)
    for (size_t i = 0; i < words.size(); ++i) {
      if (frequencies[i] == 0 || static_cast<double>(frequencies[i]) > kCommonWordShare * n) continue;
      auto [it, fresh] = score.emplace(words[i].text, std::make_pair(0.0, i));
      it->second.first += std::log(n / static_cast<double>(frequencies[i]));
    }
    std::vector<std::pair<double, size_t>> ranked;
    for (const auto& [w, s] : score) ranked.push_back(s);
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    if (ranked.size() > kSimilarWords) ranked.resize(kSimilarWords);
    std::string query;
    for (const auto& [s, i] : ranked) query += (query.empty() ? "" : " ") + words[i].text;
    SearchRequest r;
    r.query = query;
    r.lang = in;
    r.visibility = visibility;
    r.limit = limit;
    r.correct_spelling = false;
    if (query.empty()) return SearchResult{};
    // Enough words make a ranked (not filtered) query: see plan_query.
    return run(r);
  });
}

Result<std::vector<SearchHit>> Searcher::related(const Article& article, Visibility visibility, size_t limit) {
  return guarded("related articles", [&] { return run_related(article, visibility, limit); });
}

std::vector<SearchHit> Searcher::run_related(const Article& article, Visibility visibility, size_t limit) {
  std::vector<SearchHit> out;
  const std::string id_term = std::string(schema::kPrefixId) + std::to_string(article.id);
  const std::string copy_term = std::string(schema::kPrefixAgentCopy) + std::to_string(article.id);
  // The words of what the caller can read: staff, the copy with internal notes.
  const std::string& own = visibility != Visibility::kPublic && db_.term_exists(copy_term) ? copy_term : id_term;
  Xapian::PostingIterator p = db_.postlist_begin(own);
  if (p == db_.postlist_end(own)) return out;
  Xapian::RSet rset;
  rset.add_document(*p);
  // Free-text words and base forms only: not filters, folded or title copies.
  struct Words : Xapian::ExpandDecider {
    bool operator()(const std::string& term) const override {
      if (term.empty()) return false;
      const unsigned char c = static_cast<unsigned char>(term[0]);
      return (c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == 'Z') && term.size() > 3;
    }
  } words;
  Xapian::Enquire enquire(db_);
  const Xapian::ESet eset = enquire.get_eset(kRelatedTerms, rset, &words);
  if (eset.empty()) return out;
  const Xapian::Query about(Xapian::Query::OP_ELITE_SET, eset.begin(), eset.end(), kRelatedTerms);
  // Leave out the article and its translations (shown apart, as such).
  std::vector<Xapian::Query> exclude = {Xapian::Query(id_term), Xapian::Query(copy_term)};
  auto translations = catalog_->translations_of(article, Visibility::kWriter);
  for (const auto& t : translations) {
    exclude.emplace_back(std::string(schema::kPrefixId) + std::to_string(t.id));
    exclude.emplace_back(std::string(schema::kPrefixAgentCopy) + std::to_string(t.id));
  }
  const Xapian::Query candidates(Xapian::Query::OP_AND_NOT, about,
                                 Xapian::Query(Xapian::Query::OP_OR, exclude.begin(), exclude.end()));
  for (const std::string& lang : {article.meta.lang, std::string()}) {
    SearchRequest filters;
    filters.visibility = visibility;
    filters.lang = lang;
    const Xapian::Query f = filter_query(filters);
    enquire.set_query(f.empty() ? candidates : Xapian::Query(Xapian::Query::OP_FILTER, candidates, f));
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(limit));
    for (auto it = mset.begin(); it != mset.end() && out.size() < limit; ++it) {
      auto h = hit_from_document(it.get_document());
      if (!h || std::any_of(out.begin(), out.end(), [&](const SearchHit& x) { return x.id == h->id; })) continue;
      h->score = it.get_weight();
      out.push_back(std::move(*h));
    }
    if (out.size() >= limit) break;
  }
  return out;
}

void Searcher::fill_sections(const Highlighter& highlighter, Visibility visibility, SearchResult& result) {
  std::vector<int64_t> ids;
  for (const auto& h : result.hits) ids.push_back(h.id);
  auto sections = catalog_->sections_of(ids, visibility);
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

Searcher::QueryPlan Searcher::plan_query(const std::vector<analysis::QueryWord>& words,
                                         const std::vector<Xapian::doccount>& frequencies,
                                         const std::vector<std::string>& langs,
                                         const std::vector<SynonymMatch>& synonyms) const {
  // Ranking: every word, the title boost and word pairs, summed by BM25.
  // Matching: the rare words, all of them when there are one or two, else all
  // but one (a question often has a word its answer does not use); queries
  // of six words or more match any word. Words in a large share of articles ("how", "miten", "jak", "của")
  // only rank: requiring them loses answers and they say little.
  const double common =
      std::max(kCommonWordMinArticles, kCommonWordShare * static_cast<double>(db_.get_doccount()));
  std::vector<Xapian::Query> rare, ranking, in_title;
  std::vector<bool> is_rare;
  for (size_t i = 0; i < words.size(); ++i) {
    const analysis::QueryWord& w = words[i];
    Xapian::Query q = analysis::word_query(w);
    is_rare.push_back(static_cast<double>(frequencies[i]) <= common);
    if (is_rare.back()) rare.push_back(q);
    ranking.push_back(q);
    in_title.push_back(analysis::word_query(w, schema::kPrefixTitle));
  }
  if (rare.empty()) {
    rare = ranking;
    is_rare.assign(words.size(), true);
  }
  // Two words that the index has as one ("osto tilauksen": "ostotilauksen",
  // "daten bank": "datenbank") rank the articles about that compound first,
  // and match in place of the two words. Short queries only: a pasted
  // question is ranked on its words, and each pair costs a dictionary look-up.
  struct Replacement {
    size_t first, count;  // words[first, first + count) ...
    Xapian::Query query;  // ... may be matched by this instead
  };
  std::vector<Replacement> replacements;
  const std::vector<analysis::JoinedWord> candidates =
      words.size() <= kOneMissingUpTo ? analysis::joined_words(words, langs) : std::vector<analysis::JoinedWord>{};
  for (const auto& j : candidates) {
    const auto& terms = j.word.terms;
    const bool indexed = std::any_of(terms.begin(), terms.end(), [&](const analysis::WeightedTerm& t) {
      return t.weight == 1.0 && db_.term_exists(t.term);
    });
    if (!indexed) continue;
    replacements.push_back({j.first, 2, analysis::word_query(j.word)});
    ranking.push_back(replacements.back().query);
    in_title.push_back(analysis::word_query(j.word, schema::kPrefixTitle));
  }
  // The writers' synonyms (synonyms.txt): "nhân bản" also searches for
  // "sao chép", a little below the words as typed, and matches in their place.
  for (const SynonymMatch& m : synonyms) {
    for (const auto& alt : m.alternatives) {
      std::vector<Xapian::Query> all, title;
      for (const auto& w : alt) {
        all.push_back(analysis::word_query(w));
        title.push_back(analysis::word_query(w, schema::kPrefixTitle));
      }
      replacements.push_back({m.first, m.count, Xapian::Query(Xapian::Query::OP_AND, all.begin(), all.end())});
      ranking.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, replacements.back().query, kSynonymWeight);
      in_title.emplace_back(Xapian::Query::OP_AND, title.begin(), title.end());
    }
  }
  // Words in the title: an answer's title usually names what was asked.
  ranking.emplace_back(Xapian::Query::OP_SCALE_WEIGHT,
                       Xapian::Query(Xapian::Query::OP_OR, in_title.begin(), in_title.end()), kTitleBoost);
  // Vietnamese syllable pairs: most words of the language are two syllables,
  // each common on its own, so a pair is as telling as a rare word.
  std::vector<Xapian::Query> pairs;
  for (const auto& t : analysis::adjacency_terms(words, langs)) pairs.emplace_back(t);
  ranking.insert(ranking.end(), pairs.begin(), pairs.end());

  const size_t n = rare.size();
  std::vector<Xapian::Query> enough;  // each: one way to have enough of the rare words
  if (words.size() > kOneMissingUpTo) {
    // Long queries (pasted questions, error messages) are ranked, not filtered.
  } else {
    if (n < kOneMissingFrom) {
      enough.emplace_back(Xapian::Query::OP_AND, rare.begin(), rare.end());
    } else {
      for (size_t skip = 0; skip < n; ++skip) {  // leave out each word in turn
        std::vector<Xapian::Query> subset;
        for (size_t k = 0; k < n; ++k) {
          if (k != skip) subset.push_back(rare[k]);
        }
        enough.emplace_back(Xapian::Query::OP_AND, subset.begin(), subset.end());
      }
    }
    for (const Replacement& r : replacements) {  // the compound or synonym, and the other rare words
      std::vector<Xapian::Query> subset = {r.query};
      for (size_t i = 0, k = 0; i < words.size(); ++i) {
        if (!is_rare[i]) continue;
        if (i < r.first || i >= r.first + r.count) subset.push_back(rare[k]);
        ++k;
      }
      enough.emplace_back(Xapian::Query::OP_AND, subset.begin(), subset.end());
    }
  }
  // Every match has a rare word, or a compound or synonym in place of one:
  // an article with only "how", "to" and "a" of "how to get a refund" is no
  // answer, however far down it is ranked.
  std::vector<Xapian::Query> informative = rare;
  for (const Replacement& r : replacements) informative.push_back(r.query);
  informative.insert(informative.end(), pairs.begin(), pairs.end());
  QueryPlan plan;
  plan.relaxed = Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(Xapian::Query::OP_OR, ranking.begin(), ranking.end()),
                               Xapian::Query(Xapian::Query::OP_OR, informative.begin(), informative.end()));
  plan.filtered = !enough.empty();
  plan.strict = enough.empty() ? plan.relaxed
                               : Xapian::Query(Xapian::Query::OP_FILTER, plan.relaxed,
                                               Xapian::Query(Xapian::Query::OP_OR, enough.begin(), enough.end()));
  return plan;
}

std::optional<std::string> Searcher::correct_spelling(const std::vector<analysis::QueryWord>& words,
                                                       const std::vector<SynonymMatch>& synonyms,
                                                       const Xapian::Query& filter) {
  // A word that matches nothing the caller may see, in any form, is replaced
  // by the closest word of the public spelling data, if there is one. A word
  // of a synonym is what the writers expect customers to type: kept.
  bool changed = false;
  std::vector<std::string> out;
  for (size_t i = 0; i < words.size(); ++i) {
    const auto& w = words[i];
    if (std::any_of(synonyms.begin(), synonyms.end(),
                    [&](const SynonymMatch& m) { return i >= m.first && i < m.first + m.count; })) {
      out.push_back(w.text);
      continue;
    }
    std::vector<Xapian::Query> alternatives;
    for (const auto& t : w.terms) alternatives.emplace_back(t.term);
    Xapian::Query any(Xapian::Query::OP_OR, alternatives.begin(), alternatives.end());
    Xapian::Enquire e(db_);
    e.set_query(filter.empty() ? any : Xapian::Query(Xapian::Query::OP_FILTER, any, filter));
    const bool found = e.get_mset(0, 0, 1).get_matches_lower_bound() > 0;
    std::string suggestion;
    if (!found && w.text.size() >= kMinCorrectableBytes) {
      suggestion = db_.get_spelling_suggestion(w.text, kMaxSpellingEdits);
    }
    changed = changed || !suggestion.empty();
    out.push_back(suggestion.empty() ? w.text : suggestion);
  }
  if (!changed) return std::nullopt;
  std::string corrected;
  for (const auto& w : out) corrected += (corrected.empty() ? "" : " ") + w;
  return corrected;
}

Result<std::optional<Article>> Searcher::article(const std::string& slug, Visibility visibility) {
  try {
    return catalog_->find_by_slug(slug, visibility);
  } catch (const std::exception& e) {
    return Status::error(fmt::format("reading article '{}': {}", slug, e.what()));
  }
}

Result<bool> Searcher::media_visible(const std::string& name, Visibility visibility) {
  return guarded("image", [&] { return catalog_->media_visible(name, visibility); });
}

Result<std::optional<std::string>> Searcher::redirect(const std::string& slug, Visibility visibility) {
  return guarded("redirect", [&] { return catalog_->redirect(slug, visibility); });
}

Result<std::vector<ArticleSummary>> Searcher::list(Visibility visibility) {
  try {
    return catalog_->list(visibility);
  } catch (const std::exception& e) {
    return Status::error(fmt::format("listing articles: {}", e.what()));
  }
}

Result<std::vector<ArticleSummary>> Searcher::translations(const Article& article, Visibility visibility) {
  try {
    return catalog_->translations_of(article, visibility);
  } catch (const std::exception& e) {
    return Status::error(fmt::format("reading translations of '{}': {}", article.meta.slug, e.what()));
  }
}

}  // namespace kb
