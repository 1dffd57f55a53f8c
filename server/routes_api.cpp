#include "server/route_handler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/text.h"
#include "core/content_loader.h"

namespace kb {

using nlohmann::json;

namespace {

constexpr size_t kSuggestedArticles = 3;
// The unfinished last word is searched as the most used words it begins.
constexpr size_t kCompletionsSearched = 8;
constexpr int64_t kMaxSimilar = 20;
constexpr size_t kMaxTicketBytes = 32 * 1024;

json article_json(const Article& a, const std::vector<ArticleSummary>& translations) {
  json sections = json::array();
  for (const auto& s : a.sections) {
    if (s.level > 0) sections.push_back({{"title", s.title}, {"anchor", s.anchor}, {"level", s.level}});
  }
  json trans = json::array();
  for (const auto& t : translations) trans.push_back({{"slug", t.slug}, {"lang", t.lang}, {"title", t.title}, {"url", article_url(t.slug)}});
  return {{"id", a.id},
          {"slug", a.meta.slug},
          {"path", a.path},
          {"title", a.meta.title},
          {"lang", a.meta.lang},
          {"category", a.meta.category},
          {"tags", a.meta.tags},
          {"summary", a.meta.summary},
          {"audience", to_string(a.meta.audience)},
          {"draft", a.meta.draft},
          {"updated", a.meta.updated},
          {"url", article_url(a.meta.slug)},
          {"html", a.html},
          {"sections", sections},
          {"translations", trans}};
}

}  // namespace

Response App::Handler::api_search() {
  const auto start = std::chrono::steady_clock::now();
  SearchRequest s = take(parse_search_params(req_));
  s.visibility = visitor_.visibility;
  // The JSON is made once per cached result, with took_ms null, and the
  // time of this request put in its place.
  auto answer = must(searcher().search_rendered(s, "api", [&s](const SearchResult& result) {
    json results = json::array();
    for (const auto& h : result.hits) results.push_back(hit_json(h));
    json facets = json::object();
    for (const auto& [name, counts] : result.facets) facets[name] = counts;
    return json({{"query", s.query},
                 {"corrected", result.corrected ? json(*result.corrected) : json(nullptr)},
                 {"relaxed", result.relaxed},
                 {"total", result.total},
                 {"total_is_estimate", result.total_is_estimate},
                 {"limit", s.limit},
                 {"offset", s.offset},
                 {"took_ms", nullptr},
                 {"results", results},
                 {"facets", facets},
                 {"other_languages", result.other_languages}})
        .dump(-1, ' ', false, json::error_handler_t::replace);
  }));
  log_search(s, *answer.result, "");
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  Response r;
  r.body = *answer.text;
  // Keys are written sorted and strings escaped, so the last '"took_ms":'
  // is the key (a string value would hold '\"took_ms\":').
  static constexpr std::string_view kTookNull = "\"took_ms\":null";
  if (const size_t at = r.body.rfind(kTookNull); at != std::string::npos) {
    r.body.replace(at, kTookNull.size(), fmt::format("\"took_ms\":{}", json(std::round(took * 1000) / 1000).dump()));
  }
  return r;
}

// The best matching section, ready to paste into a reply: Markdown with
// absolute links and plain text, the article and a link to the section.
// `customer` is the same section as the public sees it (no internal notes),
// or null when the public cannot see it at all.
Response App::Handler::api_answer() {
  if (const std::string* slug = req_.param("slug")) {
    // A chosen article's section (the agent page's copy button).
    const std::string* anchor = req_.param("anchor");
    Article a = find_article(*slug);
    return json_response(200, {{"query", nullptr}, {"corrected", nullptr},
                               {"answer", answer_json(a, anchor ? *anchor : std::string())}});
  }
  SearchRequest s = take(parse_search_params(req_));
  s.visibility = visitor_.visibility;
  s.limit = 1;
  s.offset = 0;
  SearchResult result = must(searcher().search(s));
  json answer = nullptr;
  if (!result.hits.empty()) {
    const SearchHit& hit = result.hits.front();
    auto article = must(searcher()->article(hit.slug, visitor_.visibility));
    if (article) answer = answer_json(*article, hit.section_anchor);
  }
  return json_response(200, {{"query", s.query},
                             {"corrected", result.corrected ? json(*result.corrected) : json(nullptr)},
                             {"answer", answer}});
}

// A support ticket's text in (JSON {"subject", "body", "lang", "limit"} or
// the same as form fields), the articles most likely to answer it out.
Response App::Handler::api_similar() {
  std::string subject, body, lang;
  size_t limit = kDefaultSimilar;
  const std::string* type = req_.header("content-type");
  if (type && type->rfind("application/json", 0) == 0) {
    const json in = json::parse(req_.body, nullptr, false);
    if (!in.is_object()) throw_error(400, "invalid_parameter", "the body must be a JSON object");
    auto text = [&](const char* key) {
      if (!in.contains(key)) return std::string();
      if (!in[key].is_string()) throw_error(400, "invalid_parameter", std::string("'") + key + "' must be a string");
      return in[key].get<std::string>();
    };
    subject = text("subject");
    body = text("body");
    lang = text("lang");
    if (in.contains("limit")) {
      if (!in["limit"].is_number_integer()) throw_error(400, "invalid_parameter", "'limit' must be a whole number");
      limit = static_cast<size_t>(std::clamp<int64_t>(in["limit"].get<int64_t>(), 1, kMaxSimilar));
    }
  } else {
    if (const std::string* v = req_.param("subject")) subject = *v;
    if (const std::string* v = req_.param("body")) body = *v;
    if (const std::string* v = req_.param("lang")) lang = *v;
  }
  if (subject.empty() && body.empty()) throw_error(400, "missing_parameter", "give the ticket's 'subject' or 'body'");
  const std::string ticket = ticket_text(subject, body);
  if (!lang.empty()) {
    if (!analysis::is_language_tag(lang)) throw_error(400, "invalid_parameter", "'lang' must be a language tag");
    lang = analysis::normalize_lang(lang);
  }
  std::string searched;
  const SearchResult result = must(searcher()->similar(ticket, lang, visitor_.visibility, limit, &searched));
  json results = json::array();
  for (const auto& h : result.hits) results.push_back(hit_json(h));
  return json_response(200, {{"lang", searched}, {"results", results}});
}

// A ticket as `similar` reads it, checked: the subject says the most, so it
// counts twice.
std::string App::Handler::ticket_text(const std::string& subject, const std::string& body) {
  if (subject.size() + body.size() > kMaxTicketBytes) {
    throw_error(413, "too_large", fmt::format("a ticket is limited to {} KB of text", kMaxTicketBytes / 1024));
  }
  if (!is_valid_utf8(subject) || !is_valid_utf8(body)) {
    throw_error(400, "invalid_parameter", "the ticket must be UTF-8 text");
  }
  return subject + "\n" + subject + "\n\n" + body;
}

json App::Handler::answer_json(const Article& a, const std::string& anchor) {
  auto section_of = [&](const std::vector<Section>& sections) -> const Section* {
    for (const auto& sec : sections) {
      if (sec.anchor == anchor) return &sec;
    }
    return sections.empty() ? nullptr : &sections.front();
  };
  const std::string base = site_base_url();
  auto absolute = [&](std::string md) {
    // Links to our own pages, for a reader outside the help center.
    for (size_t at = 0; (at = md.find("](/", at)) != std::string::npos; at += base.size() + 2) md.insert(at + 2, base);
    return md;
  };
  auto section_json = [&](const Section& sec) {
    const std::string url = base + article_url(a.meta.slug) + (sec.anchor.empty() ? "" : "#" + sec.anchor);
    std::string md = absolute(sec.markdown);
    return json{{"title", sec.title.empty() ? a.meta.title : sec.title},
                {"anchor", sec.anchor},
                {"url", url},
                {"markdown", md},
                {"text", sec.text}};
  };
  const Section* mine = section_of(a.sections);
  if (!mine) return nullptr;
  json out = {{"article", {{"title", a.meta.title}, {"slug", a.meta.slug}, {"lang", a.meta.lang},
                           {"url", base + article_url(a.meta.slug)}}},
              {"section", section_json(*mine)},
              {"internal", !a.is_public() || a.has_internal_blocks()},
              {"customer", nullptr}};
  if (visitor_.visibility == Visibility::kPublic) {
    out["customer"] = out["section"];
  } else if (a.is_public()) {
    // The public version of the same section, if the public has it.
    if (auto pub = must(searcher()->article(a.meta.slug, Visibility::kPublic))) {
      for (const auto& sec : pub->sections) {
        if (sec.anchor == mine->anchor) out["customer"] = section_json(sec);
      }
    }
  }
  return out;
}

// Where this help center is reached, as the caller reached it.
std::string App::Handler::site_base_url() const {
  if (!app_.options_.base_url.empty()) return app_.options_.base_url;
  const std::string* host = req_.header("host");
  const std::string* proto = req_.header("x-forwarded-proto");
  const std::string scheme = proto && *proto == "https" ? "https" : "http";
  return host && !host->empty() ? scheme + "://" + *host : std::string();
}

Response App::Handler::api_suggest() {
  const auto start = std::chrono::steady_clock::now();
  SuggestRequest s = take(parse_suggest_params(req_));
  s.visibility = visitor_.visibility;
  json suggestions = json::array();
  json articles = json::array();
  if (!s.query.empty()) {
    auto suggester = app_.search_.suggester();
    if (!suggester) throw_error(503, "unavailable", suggester.status().message());
    std::set<std::string> titled;  // articles already suggested by their title
    for (const auto& x : suggester.value()->suggest(s)) {
      if (x.is_title) titled.insert(x.slug);
      suggestions.push_back({{"text", x.text},
                             {"html", x.html},
                             {"kind", x.is_title ? "title" : "section"},
                             {"article_title", x.article_title},
                             {"lang", x.lang},
                             {"category", x.category},
                             {"url", x.url}});
    }
    // Whatever the titles say, the articles the words so far find best.
    const std::string* raw = req_.param("q");
    TypedQuery typed{*raw, s.lang, s.visibility, kSuggestedArticles,
                     suggester.value()->completions(*raw, kCompletionsSearched)};
    for (const auto& h : must(searcher()->top_articles(typed))) {
      if (titled.count(h.slug)) continue;
      articles.push_back({{"title", h.title}, {"lang", h.lang}, {"category", h.category}, {"url", h.url}});
    }
  }
  if (const std::string* format = req_.param("format")) {
    if (*format != "opensearch") throw_error(400, "invalid_parameter", "parameter 'format' must be opensearch");
    // OpenSearch suggestions, for the browser's address bar
    // (/opensearch.xml): [query, [completions], [descriptions], [addresses]].
    json texts = json::array(), descriptions = json::array(), urls = json::array();
    for (const auto& x : suggestions) {
      texts.push_back(x["text"]);
      descriptions.push_back(x["article_title"]);
      urls.push_back(site_base_url() + x["url"].get<std::string>());
    }
    Response r = json_response(200, json::array({s.query, texts, descriptions, urls}));
    r.content_type = "application/x-suggestions+json; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "private, max-age=30");
    return r;
  }
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  Response r = json_response(200, {{"query", s.query},
                                   {"took_ms", std::round(took * 1000) / 1000},
                                   {"suggestions", suggestions},
                                   {"articles", articles}});
  r.headers.emplace_back("Cache-Control", "private, max-age=30");
  return r;
}

Response App::Handler::api_article(const std::string& slug) {
  Article a = find_article(slug, "/api/v1/articles/");
  return json_response(200, article_json(a, must(searcher()->translations(a, visitor_.visibility))));
}

}  // namespace kb
