#include "server/route_handler.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>
#include <xapian.h>

#include "core/analysis.h"
#include "core/highlight.h"
#include "core/text.h"
#include "core/content_loader.h"

namespace kb {

using nlohmann::json;

namespace {

constexpr size_t kResultsPerPage = 10;
constexpr size_t kRecentArticles = 6;
constexpr size_t kRelatedArticles = 5;
constexpr size_t kFacetValuesShown = 8;
constexpr int kPopularDays = 30;

// Rendered Markdown with a link after each heading that has an anchor, so a
// section's address can be copied ("<h2 id="x">Title</h2>").
std::string add_heading_links(const std::string& html, const std::string& label) {
  std::string out;
  out.reserve(html.size() + html.size() / 16);
  size_t pos = 0;
  while (true) {
    const size_t open = html.find("<h", pos);
    if (open == std::string::npos || open + 3 >= html.size()) break;
    const char level = html[open + 2];
    const std::string id_attr = " id=\"";
    if (level < '2' || level > '6' || html.compare(open + 3, id_attr.size(), id_attr) != 0) {
      out.append(html, pos, open + 2 - pos);
      pos = open + 2;
      continue;
    }
    const size_t id_start = open + 3 + id_attr.size();
    const size_t id_end = html.find('"', id_start);
    const std::string close = std::string("</h") + level + ">";
    const size_t close_at = id_end == std::string::npos ? std::string::npos : html.find(close, id_end);
    if (close_at == std::string::npos) break;
    const std::string id = html.substr(id_start, id_end - id_start);  // already escaped by the renderer
    out.append(html, pos, close_at - pos);
    out += "<a class=\"heading-link\" href=\"#" + id + "\" aria-label=\"" + html_escape(label) + "\">#</a>";
    out += close;
    pos = close_at + close.size();
  }
  out.append(html, pos, std::string::npos);
  return out;
}

}  // namespace

// For an iframe in a helpdesk's ticket sidebar: the articles that answer
// the ticket whose text the helpdesk puts in the address. Public articles
// unless the browser is signed in here (a session cookie is sent to the
// iframe only when the helpdesk is on the same site).
Response App::Handler::page_embed() {
  json view = common_view("");
  std::string subject, body;
  if (const std::string* v = req_.param("subject")) subject = *v;
  if (const std::string* v = req_.param("body")) body = *v;
  const std::string ticket = ticket_text(subject, body);
  json results = json::array();
  if (!subject.empty() || !body.empty()) {
    const std::string lang = view["lang"];
    const SearchResult r = must(searcher()->similar(ticket, lang, visitor_.visibility, kDefaultSimilar));
    log_visit(Analytics::Step::kSearch, lang);
    for (const auto& h : r.hits) {
      results.push_back({{"title", h.title}, {"url", h.url}, {"snippet", h.snippet}, {"lang", h.lang},
                         {"category", h.category}});
    }
  }
  view["results"] = results;
  view["has_results"] = !results.empty();
  view["asked"] = !subject.empty() || !body.empty();
  Response r = html(view, "embed");
  // Meant to be framed by a helpdesk: the sites --embed-origins names, else
  // any (it changes nothing, and a cross-site frame gets no session cookie).
  std::string csp = kContentSecurityPolicy;
  csp.replace(csp.find("frame-ancestors 'self'"), std::string("frame-ancestors 'self'").size(),
              "frame-ancestors " + (app_.options_.embed_origins.empty() ? std::string("*") : app_.options_.embed_origins));
  r.headers.emplace_back("Content-Security-Policy", csp);
  return r;
}

Response App::Handler::page_home() {
  json view = common_view("");
  view["page_title"] = t("home");
  // The home page shows one language: the chosen one, else the browser's.
  const std::string lang = view["preferred_lang"];
  for (auto& l : view["languages"]) l["active"] = l["code"] == lang;
  auto all = must(searcher()->list(visitor_.visibility));
  std::vector<ArticleSummary> shown;
  for (auto& a : all) {
    if (lang.empty() || a.lang == lang) shown.push_back(std::move(a));
  }
  json categories = json::array();
  for (const auto& a : shown) {
    const std::string name = a.category.empty() ? t("general_category") : a.category;
    if (categories.empty() || categories.back()["name"] != name) {
      categories.push_back({{"name", name}, {"articles", json::array()}});
    }
    categories.back()["articles"].push_back({{"title", a.title}, {"url", article_url(a.slug)}, {"summary", a.summary}});
  }
  for (auto& c : categories) {
    c["url"] = url_with("/search", {{"category", c["name"] == t("general_category") ? "" : c["name"].get<std::string>()},
                                    {"lang", lang}});
  }
  bool from_views = false;
  json recent = json::array();
  for (const auto& a : popular(shown, "", kRecentArticles, &from_views)) {
    recent.push_back({{"title", a.title},
                      {"url", article_url(a.slug)},
                      {"updated", a.updated},
                      {"updated_label", Templates::format_date(ui_, a.updated)}});
  }
  view["categories"] = categories;
  view["recent"] = recent;
  view["has_popular"] = from_views;
  view["has_articles"] = !shown.empty();
  return html(view, "home");
}

Response App::Handler::page_search() {
  auto has = [&](const char* name) {
    const std::string* v = req_.param(name);
    return v && !collapse_whitespace(*v).empty();
  };
  if (!has("q") && !has("lang") && !has("tag") && !has("category")) {
    // An empty search box submitted: back to the home page, not an error.
    Response r;
    r.status = 303;
    r.content_type = kHtml;
    r.headers.emplace_back("Location", "/");
    return r;
  }
  json view = common_view("");
  const auto start = std::chrono::steady_clock::now();
  SearchRequest s = take(parse_search_params(req_));
  s.visibility = visitor_.visibility;
  s.limit = kResultsPerPage;
  s.offset = take(parse_page_param(req_, kResultsPerPage));
  SearchResult result = must(searcher().search(s));
  log_search(s, result, view["preferred_lang"].get<std::string>());
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  const std::vector<std::pair<std::string, std::string>> current = {
      {"q", s.query}, {"lang", s.lang}, {"tag", s.tag}, {"category", s.category}};
  auto with = [&](const std::string& key, const std::string& value) {
    auto params = current;
    for (auto& [k, v] : params) {
      if (k == key) v = value;
    }
    return url_with("/search", params);
  };
  json results = json::array();
  const std::string& searched = result.corrected ? *result.corrected : s.query;
  // Above the first article with only some of the words (unless none has
  // them all, which the relaxed notice says): where they begin.
  bool divided = result.relaxed;
  size_t position = s.offset;
  for (const auto& h : result.hits) {
    // The article marks the searched words when reached from here, and
    // counts the click at the hit's place in the list (/insights).
    std::string url = article_url(h.slug);
    if (!searched.empty()) url = url_with(url, {{"hl", searched}, {"pos", std::to_string(++position)}});
    if (!h.section_anchor.empty()) url += "#" + h.section_anchor;
    results.push_back({{"title", h.title},
                       {"url", url},
                       {"snippet", h.snippet},
                       {"category", h.category},
                       {"lang", h.lang},
                       {"section_title", h.section_title},
                       {"updated", h.updated},
                       {"updated_label", Templates::format_date(ui_, h.updated)},
                       {"first_partial", h.partial && !divided}});
    divided = divided || h.partial;
  }
  json facets = json::array();
  const std::vector<std::pair<std::string, std::string>> facet_names = {
      {"lang", t("facet_lang")}, {"category", t("facet_category")}, {"tag", t("facet_tag")}};
  json active = json::array();
  for (const auto& [key, label] : facet_names) {
    const std::string& selected = key == "lang" ? s.lang : key == "tag" ? s.tag : s.category;
    // Most frequent first; beyond the first few behind "Show all" (a phone
    // would otherwise scroll past dozens of tags to reach the results).
    std::vector<std::pair<std::string, size_t>> by_count(result.facets[key].begin(), result.facets[key].end());
    std::stable_sort(by_count.begin(), by_count.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    json values = json::array();
    json more = json::array();
    for (const auto& [value, count] : by_count) {
      json chip = {{"label", key == "lang" ? language_name(value) : value},
                   {"count", count},
                   {"approx", result.total_is_estimate},
                   {"url", with(key, value == selected ? "" : value)},
                   {"active", value == selected}};
      (values.size() < kFacetValuesShown || value == selected ? values : more).push_back(std::move(chip));
    }
    if (!values.empty()) {
      facets.push_back({{"key", key}, {"name", label}, {"values", values}, {"more", more}, {"has_more", !more.empty()}});
    }
    if (!selected.empty()) {
      active.push_back({{"label", label + ": " + (key == "lang" ? language_name(selected) : selected)},
                        {"remove_url", with(key, "")}});
    }
  }
  const size_t pages = std::max<size_t>(1, (std::min(result.total, kMaxOffset + kResultsPerPage) + kResultsPerPage - 1) /
                                               kResultsPerPage);
  const size_t page = s.offset / kResultsPerPage + 1;
  auto page_url = [&](size_t n) {
    auto params = current;
    params.emplace_back("page", n > 1 ? std::to_string(n) : "");
    return url_with("/search", params);
  };
  view["page_title"] = s.query.empty() ? t("search_title") : t("search_title") + ": " + s.query;
  view["total"] = result.total;
  view["total_label"] = app_.templates_.format(ui_, result.total_is_estimate ? "result_count_about" : "result_count",
                                               {{"count", static_cast<int64_t>(result.total)}});
  view["has_results"] = !result.hits.empty();
  view["took_ms"] = fmt::format("{:.1f}", took);
  view["relaxed"] = result.relaxed;
  view["results"] = results;
  view["facets"] = facets;
  view["active_filters"] = active;
  view["has_active_filters"] = !active.empty();
  view["query_lang"] = s.lang;
  view["pagination"] = {{"has_pages", pages > 1},
                        {"has_prev", page > 1},
                        {"prev_url", page_url(page - 1)},
                        {"has_next", page < pages},
                        {"next_url", page_url(page + 1)},
                        {"page_of", app_.templates_.format(ui_, "page_of", {{"page", static_cast<int64_t>(page)},
                                                                            {"pages", static_cast<int64_t>(pages)}})}};
  if (result.corrected) {
    view["corrected"] = *result.corrected;
    auto params = current;
    params.emplace_back("correct", "0");
    view["original_url"] = url_with("/search", params);
  }
  json other = json::array();
  for (const auto& [code, count] : result.other_languages) {
    other.push_back({{"code", code}, {"name", language_name(code)}, {"count", count}, {"url", with("lang", code)}});
  }
  view["other_languages"] = other;
  view["has_other_languages"] = !other.empty();
  if (result.hits.empty()) {
    json top = json::array();
    for (const auto& a : popular(must(searcher()->list(visitor_.visibility)), s.lang, kRecentArticles)) {
      top.push_back({{"title", a.title}, {"url", article_url(a.slug)}, {"lang", a.lang}});
    }
    view["popular"] = top;
  }
  return html(view, "search");
}

// "Was this helpful?": a form post from the page (answered with a redirect
// back to it) or a JSON post to the API.
Response App::Handler::feedback(const std::string& slug) {
  Article a = find_article(slug);
  const std::string* v = req_.param("helpful");
  bool helpful = false;
  if (v && (*v == "yes" || *v == "true" || *v == "1")) {
    helpful = true;
  } else if (!v || !(*v == "no" || *v == "false" || *v == "0")) {
    throw_error(400, "invalid_parameter", "parameter 'helpful' must be yes or no");
  }
  if (!app_.analytics_) throw_error(503, "unavailable", "feedback is not recorded by this server");
  app_.analytics_->record_vote(a.meta.slug, helpful);
  app_.metrics_.record_vote(helpful);
  if (is_api()) return json_response(200, {{"recorded", true}, {"helpful", helpful}});
  Response r;
  r.status = 303;
  r.content_type = kHtml;
  r.headers.emplace_back("Location", article_url(a.meta.slug) + "?voted=1#feedback");
  return r;
}

// The help page's "contact support" link (and any site's that points its
// own contact button here): counted as the end of a visit that self-service
// did not settle, then forwarded to --contact-url.
Response App::Handler::contact() {
  if (app_.options_.contact_url.empty()) throw_error(404, "not_found", "this help center has no contact link (--contact-url)");
  log_visit(Analytics::Step::kContact, "");
  app_.metrics_.record_event(Metrics::Event::kContact, visitor_.visibility != Visibility::kPublic);
  Response r;
  r.status = 303;
  r.content_type = kHtml;
  r.headers.emplace_back("Location", app_.options_.contact_url);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

// Top articles for the home and empty results: most viewed lately, else
// most recently updated.
std::vector<ArticleSummary> App::Handler::popular(std::vector<ArticleSummary> visible, const std::string& lang, size_t n,
                                    bool* from_views) {
  if (!lang.empty()) {
    std::erase_if(visible, [&](const ArticleSummary& a) { return a.lang != lang; });
  }
  std::vector<ArticleSummary> out;
  if (app_.analytics_) {
    std::map<std::string, const ArticleSummary*> by_slug;
    for (const auto& a : visible) by_slug[a.slug] = &a;
    for (const auto& c : app_.analytics_->most_viewed(kPopularDays, n * 20)) {
      auto it = by_slug.find(c.slug);
      if (it != by_slug.end() && out.size() < n) out.push_back(*it->second);
    }
  }
  if (from_views) *from_views = !out.empty();
  if (!out.empty()) return out;
  std::sort(visible.begin(), visible.end(), [](const auto& x, const auto& y) { return x.updated > y.updated; });
  if (visible.size() > n) visible.resize(n);
  return visible;
}

Response App::Handler::page_article(const std::string& slug) {
  Article a = find_article(slug, "/articles/");
  if (app_.analytics_ && req_.method == "GET" && visitor_.visibility == Visibility::kPublic) {
    app_.analytics_->record_view(a.meta.slug);
  }
  log_visit(Analytics::Step::kOpen, a.meta.lang);
  if (const std::string* from = req_.param("hl");
      from && app_.analytics_ && req_.method == "GET" && from->size() <= kMaxQueryBytes && is_valid_utf8(*from)) {
    // Opened from a result: its link carries the query and the hit's place.
    int position = 0;
    if (const std::string* pos = req_.param("pos"); pos && pos->size() <= 4) {
      position = std::clamp(std::atoi(pos->c_str()), 0, static_cast<int>(kMaxOffset + kMaxLimit));
    }
    app_.analytics_->record_click(*from, visitor_.visibility != Visibility::kPublic, a.meta.slug, position);
    app_.metrics_.record_event(Metrics::Event::kResultClick, visitor_.visibility != Visibility::kPublic);
  }
  json view = common_view(a.meta.lang);
  auto translations = must(searcher()->translations(a, visitor_.visibility));
  json toc = json::array();
  for (const auto& s : a.sections) {
    if (s.level >= 2 && s.level <= 3) {
      toc.push_back({{"title", s.title}, {"anchor", s.anchor}, {"level", s.level}, {"sub", s.level >= 3}});
    }
  }
  json trans = json::array();
  for (const auto& t : translations) {
    trans.push_back({{"lang", t.lang}, {"lang_name", language_name(t.lang)}, {"title", t.title}, {"url", article_url(t.slug)}});
  }
  json tags = json::array();
  for (const auto& t : a.meta.tags) tags.push_back({{"name", t}, {"url", url_with("/search", {{"tag", t}})}});
  view["page_title"] = a.meta.title;
  view["title"] = a.meta.title;
  std::string body = add_heading_links(a.html, t("link_to_section"));
  if (visitor_.visibility != Visibility::kPublic) {
    // Internal notes, labelled so they are not pasted into a reply.
    const std::string open = "<div class=\"internal-block\">";
    const std::string labelled = "<div class=\"internal-block\" role=\"note\"><p class=\"internal-label\">" +
                                 html_escape(t("internal_note_label")) + "</p>";
    for (size_t at = 0; (at = body.find(open, at)) != std::string::npos; at += labelled.size()) {
      body.replace(at, open.size(), labelled);
    }
  }
  if (const std::string* hl = req_.param("hl"); hl && is_valid_utf8(*hl) && hl->size() <= kMaxQueryBytes) {
    // Arrived from a result: the searched words marked in the text.
    const auto words = analysis::analyse_query(*hl, {a.meta.lang});
    if (!words.empty()) body = Highlighter(words, std::vector<double>(words.size(), 1.0)).mark_html(body, a.meta.lang);
  }
  view["html"] = body;
  json related = json::array();
  for (const auto& h : must(searcher()->related(a, visitor_.visibility, kRelatedArticles))) {
    related.push_back({{"title", h.title}, {"url", h.url}, {"lang", h.lang}, {"category", h.category}});
  }
  view["related"] = related;
  view["has_related"] = !related.empty();
  view["has_tags"] = !a.meta.tags.empty();
  view["feedback_url"] = article_url(a.meta.slug) + std::string(kFeedbackSuffix);
  view["voted"] = req_.param("voted") != nullptr;
  view["updated"] = a.meta.updated;
  view["updated_label"] = Templates::format_date(ui_, a.meta.updated);
  view["category"] = a.meta.category;
  view["category_url"] = url_with("/search", {{"category", a.meta.category}, {"lang", a.meta.lang}});
  view["tags"] = tags;
  view["article_lang"] = a.meta.lang;
  view["toc"] = toc;
  view["has_toc"] = !toc.empty();
  view["translations"] = trans;
  view["has_translations"] = !trans.empty();
  view["is_draft"] = a.meta.draft;
  view["is_internal"] = a.meta.audience == Audience::kInternal;
  return html(view, "article");
}

// The OpenSearch description the help page links to, so that a browser
// offers the help center as a search engine in its address bar.
Response App::Handler::opensearch() {
  const std::string& name = app_.options_.site_name;
  // ShortName: at most 16 characters (OpenSearch 1.1), cut at a character.
  Xapian::Utf8Iterator cut(name);
  for (int chars = 0; chars < 16 && cut != Xapian::Utf8Iterator(); ++chars) ++cut;
  const std::string short_name = name.substr(0, static_cast<size_t>(cut.raw() - name.data()));
  const std::string base = site_base_url();
  Response r;
  r.content_type = "application/opensearchdescription+xml; charset=utf-8";
  r.body = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n"
      "  <ShortName>{0}</ShortName>\n"
      "  <Description>{1}</Description>\n"
      "  <InputEncoding>UTF-8</InputEncoding>\n"
      "  <Image type=\"image/svg+xml\">{2}/static/favicon.svg</Image>\n"
      "  <Url type=\"text/html\" method=\"get\" template=\"{2}/search?q={{searchTerms}}\"/>\n"
      "  <Url type=\"application/x-suggestions+json\" method=\"get\" "
      "template=\"{2}/api/v1/suggest?q={{searchTerms}}&amp;format=opensearch\"/>\n"
      "</OpenSearchDescription>\n",
      html_escape(collapse_whitespace(short_name)), html_escape(name), html_escape(base));
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}

}  // namespace kb
