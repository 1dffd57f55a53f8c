#include "core/searcher.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/content_loader.h"
#include "core/search_match.h"
#include "core/search_plan.h"
#include "core/search_present.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/stopwords.h"
#include "core/text.h"

namespace kb {
namespace {

// At most this many words of a ticket make its query.
constexpr size_t kSimilarWords = 16;
// What a ticket word every article has still scores (its idf is 0).
constexpr double kSimilarWordFloor = 0.1;
// Related articles are searched for with this many of an article's most
// telling terms.
constexpr Xapian::termcount kRelatedTerms = 24;

}  // namespace

Xapian::Database open_fulltext(const std::string& path, bool* remote_out) {
  if (remote_out) *remote_out = false;
  // A stub file naming remote databases is read here rather than by Xapian,
  // whose stub "remote" line waits 10 s for an answer: a help page must
  // say "try again" sooner than that. Other stubs go to Xapian as they are.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Xapian::Database(path);
  std::vector<std::pair<std::string, std::string>> lines;  // (type, where)
  bool remote = false;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string type, where;
    if (!(words >> type) || type[0] == '#') continue;
    words >> where;
    const size_t colon = where.rfind(':');
    if (type == "remote" && (colon == std::string::npos || colon == 0)) return Xapian::Database(path);  // a program
    if (type != "remote" && type != "auto" && type != "glass") return Xapian::Database(path);
    remote = remote || type == "remote";
    lines.emplace_back(std::move(type), std::move(where));
  }
  if (!remote) return Xapian::Database(path);
  Xapian::Database all;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  for (const auto& [type, where] : lines) {
    if (type == "remote") {
      all.add_database(open_remote(where));
    } else {
      all.add_database(Xapian::Database((dir / where).string()));
    }
  }
  if (remote_out) *remote_out = true;
  return all;
}

// Runs one read; a failure inside Xapian or SQLite becomes a Status naming
// `what`, so the public methods never throw. A remote database that did not
// answer makes an "unavailable" Status and marks this Searcher unreachable:
// its connection is spent, and it must not go back to the pool.
template <typename F>
auto Searcher::guarded(std::string_view what, F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const Xapian::NetworkError& e) {
    unreachable_ = true;
    return Status::unavailable(fmt::format("{} failed: a part of the index did not answer: {}", what,
                                           e.get_description()));
  } catch (const Xapian::DatabaseModifiedError& e) {
    // A shard replaced under an open connection (replication applies
    // changesets in place): the next Searcher opens what is there now.
    unreachable_ = true;
    return Status::unavailable(fmt::format("{} failed: a part of the index changed: {}", what, e.get_description()));
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("{} failed: {}", what, e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("{} failed: {}", what, e.what()));
  }
}

Result<std::unique_ptr<Searcher>> Searcher::open(const std::filesystem::path& revision_dir,
                                                 const std::vector<std::string>& shards) {
  try {
    auto catalog =
        std::make_unique<Catalog>(IndexLayout::catalog_path(revision_dir).string(), SqliteDb::Mode::kImmutable);
    // A revision written by another version of kb stores and means things
    // differently (since version 14, compressed catalog values): refused
    // whole rather than served as errors page by page.
    if (const int version = catalog->schema_version(); version != schema::kSchemaVersion) {
      return Status::error(fmt::format("the index in {} was built by another version of kb (schema {}, this one "
                                       "reads {}): run kb-index to rebuild it",
                                       revision_dir.string(), version, schema::kSchemaVersion));
    }
    bool remote = false;
    Xapian::Database db;
    std::optional<Xapian::Database> spelling;
    if (shards.empty()) {
      db = open_fulltext(IndexLayout::xapian_path(revision_dir).string(), &remote);
    } else {
      const auto set = ShardSet::parse(catalog->get_meta(std::string(schema::kMetaShards)).value_or(""));
      if (!set) {
        return Status::error(fmt::format("the index in {} is not split into shards: run kb-index --shards {}",
                                         revision_dir.string(), shards.size()));
      }
      auto opened = open_shards(shards, *set);
      if (!opened) return opened.status();
      db = std::move(opened.value());
      remote = true;
      spelling.emplace(IndexLayout::spelling_path(revision_dir).string());
    }
    std::unique_ptr<Searcher> searcher(new Searcher(std::move(db), std::move(catalog)));
    if (const auto path = IndexLayout::staff_spelling_path(revision_dir); std::filesystem::exists(path)) {
      searcher->staff_spelling_.emplace(path.string());
    }
    searcher->spelling_ = std::move(spelling);
    searcher->remote_ = remote;
    return searcher;
  } catch (const Xapian::NetworkError& e) {
    return Status::unavailable(fmt::format("opening index {}: {}", revision_dir.string(), e.get_description()));
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

PlanContext Searcher::plan_context() const {
  return {db_, *synonyms_, languages_, staff_spelling_ ? &*staff_spelling_ : nullptr, remote_,
          spelling_ ? &*spelling_ : nullptr};
}

Result<SearchResult> Searcher::search(const SearchRequest& request) {
  return guarded("search", [&] { return run(request); });
}

SearchResult Searcher::run(const SearchRequest& r) {
  using Clock = std::chrono::steady_clock;
  auto ms_since = [](Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); };
  const size_t limit = std::clamp<size_t>(r.limit, 1, kMaxLimit);
  const size_t offset = std::min(r.offset, kMaxOffset);
  SearchResult result;

  auto t = Clock::now();
  const SearchPlan plan = plan_search(plan_context(), r);
  result.timings.plan_ms = ms_since(t);

  t = Clock::now();
  MatchResult matched = match_search(db_, plan, offset, limit, count_limits_, remote_);
  result.corrected = plan.corrected;
  result.total = matched.total;
  result.total_is_estimate = matched.total_is_estimate;
  result.relaxed = matched.relaxed;
  result.facets = std::move(matched.facets);
  if (result.total == 0 && !r.lang.empty() && !plan.words.empty()) {
    // Nothing in the asked language: say which other languages have answers,
    // with the query analysed for all of them.
    SearchRequest any_lang = r;
    any_lang.lang.clear();
    any_lang.query = plan.corrected.value_or(r.query);
    any_lang.correct_spelling = false;
    result.other_languages =
        count_languages(db_, plan_search(plan_context(), any_lang), result.relaxed);
  }
  result.timings.match_ms = ms_since(t);

  t = Clock::now();
  present_search(*catalog_, plan, matched, offset, limit, r.visibility, result);
  result.timings.present_ms = ms_since(t);
  return result;
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
  const analysis::Vocabulary vocabulary(db_, &spelling());
  auto words = analysis::analyse_query(std::string_view(typed.text).substr(0, last_from), languages_, true, &vocabulary);
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
    const analysis::Vocabulary vocabulary(db_, &spelling());
    auto words = analysis::analyse_query(ticket, langs, true, &vocabulary);
    const auto frequencies = word_frequencies(words, db_);
    // Each distinct word once, scored by how telling it is: rarer in the help
    // center and more often in the ticket. Function words, words no article
    // has, and words in more than kCommonWordShare of the articles say
    // nothing. A small help center may have no word that rare (in four
    // articles, one is a quarter): then every word that search would require
    // (not is_common_word) counts, one in every article a little, so the best
    // candidates are returned when any such word matches (issue 18).
    const double n = std::max(1.0, static_cast<double>(db_.get_doccount()));
    std::map<std::string, std::pair<double, size_t>> score;  // word -> (score, first index)
    for (const bool small : {false, true}) {
      for (size_t i = 0; i < words.size(); ++i) {
        const double tf = static_cast<double>(frequencies[i]);
        if (tf == 0 || analysis::is_stopword(words[i].text, langs)) continue;
        if (small ? is_common_word(words[i].text, frequencies[i], db_.get_doccount(), langs)
                  : tf > kCommonWordShare * n) {
          continue;
        }
        auto [it, fresh] = score.emplace(words[i].text, std::make_pair(0.0, i));
        it->second.first += kSimilarWordFloor + std::log(n / tf);
      }
      if (!score.empty()) break;
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
  // Exact frequencies: a database of several parts (shards) otherwise
  // estimates them from the part that holds the article, and the related
  // articles would change with the split.
  const Xapian::ESet eset = enquire.get_eset(kRelatedTerms, rset, Xapian::Enquire::USE_EXACT_TERMFREQ, &words);
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
