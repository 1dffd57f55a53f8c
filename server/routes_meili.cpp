// Meilisearch's search API (server/meili.h): /indexes/kb/search,
// /multi-search, /indexes, /health and /version, for front ends built with
// Meilisearch's clients. Read-only, answered with CORS headers so a page on
// another site can call it; credentials are a bearer token only (never the
// session cookie), so the routes carry no ambient authority and need no
// CSRF check.
#include "server/route_handler.h"

#include <sys/stat.h>

#include <chrono>
#include <map>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/highlight.h"
#include "core/text.h"
#include "server/meili.h"

namespace kb {

using nlohmann::json;

namespace {

constexpr std::string_view kIndexesPrefix = "/indexes/";
constexpr const char* kReadOnly =
    "kb's index is read-only: its documents are the articles of the content folder, published by kb-index";

[[noreturn]] void throw_meili(const meili::Error& e) { throw_error(e.status, e.code, e.message); }

}  // namespace

bool App::Handler::is_meili() const {
  const std::string& p = req_.path;
  return p == paths::kMeiliMultiSearch || p == "/health" || p == "/version" || p == "/indexes" ||
         p.rfind(kIndexesPrefix, 0) == 0;
}

Response App::Handler::dispatch_meili() {
  const std::string& p = req_.path;
  const std::string& m = req_.method;
  const bool is_get = m == "GET" || m == "HEAD";
  Response r;
  if (m == "OPTIONS") {
    r = route("meili_preflight", true, [] {
      Response preflight;
      preflight.status = 204;
      preflight.content_type.clear();
      return preflight;
    });
  } else if (p == "/health") {
    r = route("meili_health", is_get, [&] {
      if (!app_.search_.revision()) throw_error(503, "unavailable", "no index revision published yet");
      return json_response(200, {{"status", "available"}});
    });
  } else if (p == "/version") {
    r = route("meili_version", is_get, [] {
      return json_response(200, {{"pkgVersion", KB_VERSION}, {"commitSha", "unknown"}, {"commitDate", "unknown"},
                                 {"server", "kb"}});
    });
  } else if (p == paths::kMeiliMultiSearch) {
    r = route("meili_multi_search", m == "POST", [&] { return meili_multi_search(); });
  } else if (p == "/indexes") {
    r = route("meili_indexes", true, [&] {
      if (!is_get) throw_error(405, "method_not_allowed", kReadOnly);
      return json_response(200, {{"results", json::array({meili_index_json()})}, {"offset", 0}, {"limit", 20}, {"total", 1}});
    });
  } else {
    // /indexes/{uid}[/rest]
    const std::string tail = p.substr(kIndexesPrefix.size());
    const size_t slash = tail.find('/');
    const std::string uid = tail.substr(0, slash);
    const std::string rest = slash == std::string::npos ? "" : tail.substr(slash);
    const bool search = rest == "/search";
    r = route(search ? "meili_search" : "meili_index", true, [&] {
      if (uid != meili::kIndexUid) throw_error(404, "index_not_found", fmt::format("Index `{}` not found.", uid));
      if (search) {
        if (!is_get && m != "POST") throw_error(405, "method_not_allowed", "search with GET or POST");
        return meili_search();
      }
      if (!is_get) throw_error(405, "method_not_allowed", kReadOnly);
      if (!rest.empty()) {
        throw_error(404, "not_found", "kb answers search only: /indexes/kb/search, /multi-search (docs/api.md)");
      }
      return json_response(200, meili_index_json());
    });
  }
  // Any site may call it: no cookie is read, so a page elsewhere gets only
  // what its own token (or none) may see.
  r.headers.emplace_back("Access-Control-Allow-Origin", "*");
  if (m == "OPTIONS") {
    r.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
    r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Meilisearch-Client");
    r.headers.emplace_back("Access-Control-Max-Age", "86400");
  }
  return r;
}

Response App::Handler::meili_error(const ApiError& e) {
  meili::Error out{e.status, e.code, e.message};
  if (e.code == "unauthorized") {
    // A key kb does not know: Meilisearch's answer, and what to do here.
    out.status = 403;
    out.code = "invalid_api_key";
    out.message = e.message + "; public search needs no key, agents use their kb token";
  } else if (e.code == "rate_limited" || e.code == "busy") {
    out.code = "too_many_search_requests";
  }
  out.type = out.status == 401 || out.status == 403 ? "auth" : out.status >= 500 ? "internal" : "invalid_request";
  return json_response(out.status, meili::error_json(out));
}

json App::Handler::meili_index_json() {
  std::string updated = iso_utc(0);
  if (auto dir = app_.search_.revision_dir()) {
    struct stat st{};
    if (::stat(dir->c_str(), &st) == 0) updated = iso_utc(st.st_mtime);
  }
  return {{"uid", meili::kIndexUid}, {"primaryKey", "id"}, {"createdAt", updated}, {"updatedAt", updated}};
}

Response App::Handler::meili_search() {
  json body;
  if (req_.method == "POST") {
    body = json::parse(req_.body, nullptr, false);
    if (body.is_discarded()) throw_meili({400, "malformed_payload", "the body is not valid JSON"});
  } else {
    body = meili::query_from_params(req_.params);
  }
  return json_response(200, meili_answer(body));
}

Response App::Handler::meili_multi_search() {
  const json body = json::parse(req_.body, nullptr, false);
  if (body.is_discarded()) throw_meili({400, "malformed_payload", "the body is not valid JSON"});
  if (!body.is_object() || !body.contains("queries") || !body["queries"].is_array()) {
    throw_meili({400, "bad_request", "the body must be {\"queries\": [...]}"});
  }
  if (body.contains("federation") && !body["federation"].is_null()) {
    throw_meili({400, "bad_request", "`federation` is not supported by kb (see its docs/api.md)"});
  }
  const json& queries = body["queries"];
  if (queries.size() > meili::kMaxQueries) {
    throw_meili({400, "bad_request", fmt::format("at most {} queries in one multi-search", meili::kMaxQueries)});
  }
  json results = json::array();
  for (size_t i = 0; i < queries.size(); ++i) {
    const json& q = queries[i];
    const std::string where = fmt::format("Inside `.queries[{}]`: ", i);
    if (!q.is_object() || !q.contains("indexUid") || !q["indexUid"].is_string()) {
      throw_meili({400, "missing_index_uid", where + "`indexUid` is missing"});
    }
    const std::string uid = q["indexUid"];
    if (uid != meili::kIndexUid) throw_meili({404, "index_not_found", where + fmt::format("Index `{}` not found.", uid)});
    try {
      json answer = meili_answer(q);
      answer["indexUid"] = uid;
      results.push_back(std::move(answer));
    } catch (HttpError& e) {
      e.error.message = where + e.error.message;
      throw;
    }
  }
  return json_response(200, {{"results", results}});
}

json App::Handler::meili_answer(const json& body) {
  const auto start = std::chrono::steady_clock::now();
  auto parsed = meili::parse_query(body);
  if (auto* e = std::get_if<meili::Error>(&parsed)) throw_meili(*e);
  meili::Query& q = std::get<meili::Query>(parsed);
  q.request.visibility = visitor_.visibility;
  const SearchResult result = must(searcher().search(q.request));
  // Titles and section headings marked as the snippets are: by the words
  // searched, in each hit's language.
  const std::string searched = result.corrected.value_or(q.request.query);
  std::map<std::string, Highlighter> by_lang;
  std::vector<std::string> titles, sections;
  for (const auto& h : result.hits) {
    auto it = by_lang.find(h.lang);
    if (it == by_lang.end()) {
      const auto words = analysis::analyse_query(searched, {h.lang});
      it = by_lang.emplace(h.lang, Highlighter(words, std::vector<double>(words.size(), 1.0))).first;
    }
    titles.push_back(it->second.mark_html(html_escape(h.title), h.lang));
    sections.push_back(it->second.mark_html(html_escape(h.section_title), h.lang));
  }
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return meili::search_answer(q, result, titles, sections, took);
}

}  // namespace kb
