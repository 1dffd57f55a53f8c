#include "server/routes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <set>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/analysis.h"
#include "core/content_loader.h"
#include "core/highlight.h"
#include "core/media.h"
#include "core/text.h"
#include "server/params.h"

namespace kb {
namespace {

using nlohmann::json;

constexpr size_t kResultsPerPage = 10;
constexpr size_t kRecentArticles = 6;
constexpr size_t kSuggestedArticles = 3;
// The unfinished last word is searched as the most used words it begins.
constexpr size_t kCompletionsSearched = 8;
constexpr size_t kRelatedArticles = 5;
constexpr size_t kFacetValuesShown = 8;
constexpr int kPopularDays = 30;
constexpr std::string_view kFeedbackSuffix = "/feedback";
constexpr size_t kDefaultSimilar = 5;
constexpr size_t kAgentResults = 20;
// Queries per language and list on the search report page.
constexpr size_t kReportRows = 50;
// The report's links to a query's results carry from=report: not logged.
constexpr const char* kFromParam = "from";
constexpr const char* kFromReport = "report";
constexpr int64_t kMaxSimilar = 20;
constexpr size_t kMaxTicketBytes = 32 * 1024;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

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
constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kApiPrefix = "/api/";
// Pages: no inline script or style, nothing from elsewhere.
constexpr const char* kContentSecurityPolicy =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'";

struct Visitor {
  Visibility visibility = Visibility::kPublic;
  std::optional<TokenInfo> who;     // a support agent or writer
  std::optional<Session> session;   // signed in with the session cookie (not a header)
};

constexpr std::string_view kSessionCookie = "kb_session";

// The value of one cookie in a Cookie header ("a=1; kb_session=xyz").
std::optional<std::string> cookie_value(const std::string* header, std::string_view name) {
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find(';'), rest.size());
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return std::nullopt;
}

// Compares secrets in time that does not depend on where they differ.
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Where to go after signing in: a path on this site, nothing else.
std::string safe_next(const std::string* next) {
  if (!next || next->empty() || (*next)[0] != '/' || next->rfind("//", 0) == 0 || next->size() > 2048) return "/";
  // Browsers drop tabs and newlines from URLs and read '\' as '/': "/\t/evil"
  // would lead off the site.
  for (const char ch : *next) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || ch == '\\') return "/";
  }
  return *next;
}

// Raised inside handlers for expected failures; turned into a response in one place.
struct HttpError {
  ApiError error;
};

// Raised by a handler with a complete answer of its own (a 301, a 429).
struct EarlyAnswer {
  Response response;
};

[[noreturn]] void throw_error(int status, std::string code, std::string message) {
  throw HttpError{ApiError{status, std::move(code), std::move(message)}};
}

template <typename T>
T take(std::variant<T, ApiError> v) {
  if (auto* e = std::get_if<ApiError>(&v)) throw HttpError{*e};
  return std::get<T>(std::move(v));
}

// "fi" -> "Suomi": the language's name in itself (ICU).
std::string language_name(const std::string& code) {
  UErrorCode err = U_ZERO_ERROR;
  UChar name[64];
  int32_t len = uloc_getDisplayLanguage(code.c_str(), code.c_str(), name, 64, &err);
  if (U_FAILURE(err) || len <= 0) return code;
  char utf8[256];
  int32_t out_len = 0;
  UChar first[4];
  UErrorCode up_err = U_ZERO_ERROR;
  int32_t first_len = u_strToUpper(first, 4, name, U16_IS_LEAD(name[0]) ? 2 : 1, code.c_str(), &up_err);
  if (U_SUCCESS(up_err) && first_len > 0 && first_len <= (U16_IS_LEAD(name[0]) ? 2 : 1)) {
    std::copy(first, first + first_len, name);
  }
  u_strToUTF8(utf8, sizeof utf8, &out_len, name, len, &err);
  return U_SUCCESS(err) ? std::string(utf8, static_cast<size_t>(out_len)) : code;
}

// A URL path for a header: bytes outside printable ASCII and the characters
// that end or confuse a path are percent-encoded; '/' is kept.
std::string encode_path(std::string_view path) {
  std::string out;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || std::strchr("\"#%<>?\\^`{|}", ch)) {
      out += fmt::format("%{:02X}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

// A query parameter value: everything but RFC 3986's unreserved characters
// percent-encoded, so a value may itself be a URL with '&' and '='.
std::string encode_component(std::string_view value) {
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string url_with(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = path;
  char sep = '?';
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    url += sep;
    url += k + "=" + encode_component(v);
    sep = '&';
  }
  return url;
}

// The first language of an Accept-Language header ("fi-FI,fi;q=0.9,en;q=0.8")
// that the index has, by exact tag or primary subtag; "" when none.
std::string preferred_language(const std::string* header, const std::vector<std::string>& available) {
  if (!header || header->size() > 512) return {};
  size_t start = 0;
  while (start < header->size()) {
    size_t end = header->find(',', start);
    if (end == std::string::npos) end = header->size();
    std::string tag = collapse_whitespace(header->substr(start, end - start));
    tag = analysis::normalize_lang(tag.substr(0, tag.find(';')));
    const std::string primary = tag.substr(0, tag.find('-'));
    for (const auto& code : available) {
      if (code == tag || code == primary) return code;
    }
    start = end + 1;
  }
  return {};
}

json hit_json(const SearchHit& h) {
  return {{"id", h.id},
          {"slug", h.slug},
          {"path", h.path},
          {"title", h.title},
          {"lang", h.lang},
          {"category", h.category},
          {"url", h.url},
          {"section", {{"title", h.section_title}, {"anchor", h.section_anchor}}},
          {"snippet", h.snippet},
          {"score", h.score},
          {"updated", h.updated},
          {"internal", h.internal},
          {"partial", h.partial}};
}

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

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response error_json(const ApiError& e) {
  return json_response(e.status, {{"error", {{"code", e.code}, {"message", e.message}}}});
}

}  // namespace

// One request's handling: knows the visitor and borrows a Searcher lazily.
class App::Handler {
 public:
  Handler(App& app, const Request& req) : app_(app), req_(req) {}

  Response dispatch() {
    const std::string& p = req_.path;
    const bool is_get = req_.method == "GET" || req_.method == "HEAD";
    if (p == "/healthz") return route("healthz", is_get, [&] { return healthz(); });
    if (p == "/metrics") return route("metrics", is_get, [&] { return metrics(); });
    if (p.rfind("/static/", 0) == 0) return route("static", is_get, [&] { return asset(p.substr(8)); });
    if (p.rfind(kMediaUrlPrefix, 0) == 0) {
      return route("media", is_get, [&] { return media(p.substr(kMediaUrlPrefix.size())); });
    }
    if (p == paths::kApiSearch) return route("api_search", is_get, [&] { return api_search(); });
    if (p == paths::kApiSuggest) return route("api_suggest", is_get, [&] { return api_suggest(); });
    if (p == paths::kApiAnswer) return route("api_answer", is_get, [&] { return api_answer(); });
    if (p == paths::kApiSimilar) return route("api_similar", req_.method == "POST", [&] { return api_similar(); });
    const bool is_post = req_.method == "POST";
    if (p.rfind("/api/v1/articles/", 0) == 0) {
      const std::string rest = p.substr(17);
      if (ends_with(rest, kFeedbackSuffix)) {
        return route("api_feedback", is_post, [&] { return feedback(rest.substr(0, rest.size() - kFeedbackSuffix.size())); });
      }
      return route("api_article", is_get, [&] { return api_article(rest); });
    }
    if (p == "/") return route("page_home", is_get, [&] { return page_home(); });
    if (p == "/signin") return route("signin", is_get || is_post, [&] { return is_post ? sign_in() : page_sign_in(); });
    if (p == "/signout") return route("signout", is_post, [&] { return sign_out(); });
    if (p == paths::kSearchPage) return route("page_search", is_get, [&] { return page_search(); });
    if (p == paths::kEmbed) return route("page_embed", is_get, [&] { return page_embed(); });
    if (p == "/agent") return route("page_agent", is_get, [&] { return page_agent(); });
    if (p == "/report") return route("page_report", is_get, [&] { return page_report(); });
    if (p.rfind("/articles/", 0) == 0) {
      const std::string rest = p.substr(10);
      if (ends_with(rest, kFeedbackSuffix)) {
        return route("page_feedback", is_post, [&] { return feedback(rest.substr(0, rest.size() - kFeedbackSuffix.size())); });
      }
      return route("page_article", is_get, [&] { return page_article(rest); });
    }
    return route("not_found", true, [&]() -> Response { throw_error(404, "not_found", "no such page: " + p); });
  }

 private:
  bool is_api() const { return req_.path.rfind(kApiPrefix, 0) == 0; }

  template <typename F>
  Response route(const char* name, bool method_ok, F&& f) {
    Response r;
    try {
      if (!method_ok) throw_error(405, "method_not_allowed", req_.method + " is not allowed here");
      try {
        // The page's own files are the same for everyone: no token or
        // session lookup (a SQLite read) for each of them.
        if (std::string_view(name) != "static") authenticate();
      } catch (const HttpError& e) {
        // Wrong tokens count against the sender's address: no free guessing.
        int retry = 1;
        if (e.error.status == 401 && !app_.public_limits_.allow(address_key(), &retry)) {
          throw_limited(429, "rate_limited", "too many requests; slow down", retry);
        }
        throw;
      }
      check_csrf();
      if (auto refused = over_limits(name)) {
        r = std::move(*refused);
      } else {
        // Public requests take a slot; the threads beyond the slots serve staff.
        struct Slot {
          std::atomic<int>* n;
          ~Slot() {
            if (n) --*n;
          }
        } slot{nullptr};
        if (!visitor_.who && app_.options_.public_slots > 0 && counted(name)) {
          slot.n = &app_.public_in_flight_;
          if (++app_.public_in_flight_ > app_.options_.public_slots) {
            throw_limited(503, "busy", "the help center is busy; try again in a moment", 1);
          }
        }
        r = f();
      }
    } catch (const HttpError& e) {
      r = error(e.error);
    } catch (EarlyAnswer& moved) {
      r = std::move(moved.response);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kb-server: error: %s %s: %s\n", req_.method.c_str(), req_.path.c_str(), e.what());
      r = error(ApiError{500, "internal", "internal error; the server log has details"});
    }
    r.route = name;
    if (visitor_.who) {
      // Nothing shown to staff may be kept by a shared cache.
      const bool is_private = std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) {
        return h.first == "Cache-Control" && h.second.find("private") != std::string::npos;
      });
      if (!is_private) {
        std::erase_if(r.headers, [](const auto& h) { return h.first == "Cache-Control"; });
        r.headers.emplace_back("Cache-Control", "private, no-store");
      }
    }
    r.headers.emplace_back("Vary", "Authorization, Cookie");
    const bool has_csp = std::any_of(r.headers.begin(), r.headers.end(),
                                     [](const auto& h) { return h.first == "Content-Security-Policy"; });
    if (r.content_type.rfind("text/html", 0) == 0 && !has_csp) {
      r.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
    }
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
  }

  static bool counted(std::string_view route) {
    return route != "static" && route != "media" && route != "healthz" && route != "metrics";
  }

  // The address requests are counted by: the peer, or behind a proxy the
  // last address the proxy added to the configured header.
  std::string client_address() const {
    if (!app_.options_.real_ip_header.empty()) {
      if (const std::string* h = req_.header(app_.options_.real_ip_header)) {
        std::string_view v = *h;
        if (const size_t comma = v.rfind(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        if (!v.empty()) return std::string(v);
      }
    }
    return req_.remote_addr;
  }

  // One allowance per IPv4 address, and per IPv6 /64 (what one host can
  // easily hold many addresses of).
  std::string address_key() const {
    const std::string a = client_address();
    in6_addr v6{};
    if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
      std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
      char text[INET6_ADDRSTRLEN] = {};
      if (inet_ntop(AF_INET6, &v6, text, sizeof text)) return std::string("addr:") + text + "/64";
    }
    return "addr:" + a;
  }

  [[noreturn]] void throw_limited(int status, const char* code, const std::string& message, int retry_after) {
    Response r = error(ApiError{status, code, message});
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    throw EarlyAnswer{std::move(r)};
  }

  // A 429 when the caller has used up its allowance.
  std::optional<Response> over_limits(std::string_view route) {
    if (!counted(route)) return std::nullopt;
    int retry_after = 1;
    const bool ok = visitor_.who ? app_.staff_limits_.allow("token:" + visitor_.who->name, &retry_after)
                                 : app_.public_limits_.allow(address_key(), &retry_after);
    if (ok) return std::nullopt;
    Response r = error(ApiError{429, "rate_limited", "too many requests; slow down"});
    r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
  }

  void authenticate() {
    const std::string* auth = req_.header("authorization");
    if (!auth) {
      // A browser signed in at /signin. A stale or revoked session is simply
      // not one: the page shows what the public sees.
      auto id = cookie_value(req_.header("cookie"), kSessionCookie);
      if (!id || !app_.tokens_) return;
      if (auto session = app_.tokens_->session(*id)) {
        visitor_.visibility = session->who.role == Role::kWriter ? Visibility::kWriter : Visibility::kAgent;
        visitor_.who = session->who;
        visitor_.session = std::move(session);
      }
      return;
    }
    const std::string prefix = "Bearer ";
    if (auth->rfind(prefix, 0) != 0) throw_error(401, "unauthorized", "Authorization must be 'Bearer <token>'");
    auto who = app_.tokens_ ? app_.tokens_->verify(auth->substr(prefix.size())) : std::nullopt;
    if (!who) throw_error(401, "unauthorized", "the token is not valid (revoked or mistyped)");
    visitor_.visibility = who->role == Role::kWriter ? Visibility::kWriter : Visibility::kAgent;
    visitor_.who = std::move(who);
  }

  // A state-changing request that a signed-in browser makes must come from our
  // own pages: same origin, and the session's CSRF token in the form
  // (`csrf`) or the X-CSRF-Token header. Requests with a bearer token carry
  // no ambient authority and need neither.
  void check_csrf() {
    if (req_.method == "GET" || req_.method == "HEAD") return;
    if (const std::string* origin = req_.header("origin")) {
      // "null" comes from sandboxed frames and the like: not our pages either.
      const std::string* host = req_.header("host");
      const size_t scheme = origin->find("://");
      if (!host || scheme == std::string::npos || origin->substr(scheme + 3) != *host) {
        throw_error(403, "forbidden", "cross-site request refused");
      }
    }
    // Signing in uses the token typed, not the session's authority.
    if (!visitor_.session || req_.path == "/signin") return;
    const std::string* sent = req_.param("csrf");
    if (!sent) sent = req_.header("x-csrf-token");
    if (!sent || !same_secret(*sent, visitor_.session->csrf)) {
      throw_error(403, "forbidden", "the form is out of date (missing or wrong CSRF token); reload the page");
    }
  }

  // For an iframe in a helpdesk's ticket sidebar: the articles that answer
  // the ticket whose text the helpdesk puts in the address. Public articles
  // unless the browser is signed in here (a session cookie is sent to the
  // iframe only when the helpdesk is on the same site).
  Response page_embed() {
    json view = common_view("");
    std::string subject, body;
    if (const std::string* v = req_.param("subject")) subject = *v;
    if (const std::string* v = req_.param("body")) body = *v;
    const std::string ticket = ticket_text(subject, body);
    json results = json::array();
    if (!subject.empty() || !body.empty()) {
      const std::string lang = view["lang"];
      const SearchResult r = must(searcher()->similar(ticket, lang, visitor_.visibility, kDefaultSimilar));
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

  // The agents' search: keyboard first, results as they type (agent.js), a
  // preview beside the list, and a key that copies the answer. Without
  // script it is a results list with links.
  Response page_agent() {
    if (!visitor_.who) return sign_in_first();
    json view = common_view("");
    view["page_title"] = t("agent_title");
    json results = json::array();
    const std::string q = view["q"];
    if (!q.empty()) {
      SearchRequest s;
      s.query = q;
      s.lang = view["lang"];
      s.visibility = visitor_.visibility;
      s.limit = kAgentResults;
      for (const auto& h : must(searcher().search(s)).hits) results.push_back(hit_json(h));
    }
    view["results"] = results;
    view["has_results"] = !results.empty();
    return html(view, "agent");
  }

  // A staff page asked for without a token or session: to the sign-in
  // page, and back here (with the same parameters) after it.
  Response sign_in_first() {
    Response r;
    r.status = 303;
    r.content_type = kHtml;
    r.headers.emplace_back("Location",
                           url_with("/signin", {{"next", url_with(req_.path, {req_.params.begin(), req_.params.end()})}}));
    return r;
  }

  // What people searched for and did not find, and what they found and did
  // not open (`kb-index report` in a browser): for the writers and agents,
  // who rarely have a shell on the server. Each query links to its results.
  Response page_report() {
    if (!visitor_.who) return sign_in_first();
    const ReportRequest report = take(parse_report_params(req_));
    json view = common_view("");
    view["page_title"] = t("report_title");
    std::vector<int> periods = {7, 30, 90, 365};
    if (std::find(periods.begin(), periods.end(), report.days) == periods.end()) periods.push_back(report.days);
    json days = json::array();
    for (int n : periods) {
      days.push_back({{"value", n}, {"label", app_.templates_.format(ui_, "report_days_n", {{"days", int64_t{n}}})},
                      {"selected", n == report.days}});
    }
    json audiences = json::array();
    for (const char* a : {"public", "agents", "all"}) {
      audiences.push_back({{"value", a}, {"label", t(std::string("report_audience_") + a)}, {"selected", a == report.audience}});
    }
    view["days"] = days;
    view["audiences"] = audiences;
    view["has_log"] = app_.analytics_ != nullptr;
    Analytics::GapReport gaps;
    if (app_.analytics_) gaps = app_.analytics_->gaps(report.days, report.agents(), kReportRows);
    auto rows = [&](const std::vector<Analytics::QueryStat>& stats) {
      json out = json::array();
      for (const auto& q : stats) {
        out.push_back({{"lang", q.lang.empty() ? "–" : q.lang},
                       {"searches", q.searches},
                       {"results", q.results},
                       {"query", q.query},
                       {"url", url_with("/search", {{"q", q.query}, {"lang", q.lang}, {kFromParam, kFromReport}})}});
      }
      return out;
    };
    view["no_results"] = rows(gaps.no_results);
    view["has_no_results"] = !gaps.no_results.empty();
    view["no_clicks"] = rows(gaps.no_clicks);
    view["has_no_clicks"] = !gaps.no_clicks.empty();
    return html(view, "report");
  }

  Response page_sign_in(const std::string& failure = "") {
    json view = common_view("");
    view["page_title"] = t("sign_in_title");
    view["next"] = safe_next(req_.param("next"));
    view["failure"] = failure;
    Response r = html(view, "signin");
    if (!failure.empty()) r.status = 401;
    return r;
  }

  Response sign_in() {
    const std::string* token = req_.param("token");
    auto who = token && app_.tokens_ ? app_.tokens_->verify(*token) : std::nullopt;
    if (!who) return page_sign_in(t("sign_in_failed"));
    if (visitor_.session) app_.tokens_->end_session(visitor_.session->id);  // one session per sign-in
    auto session = must(app_.tokens_->start_session(*who));
    Response r;
    r.status = 303;
    r.content_type = kHtml;
    r.headers.emplace_back("Location", safe_next(req_.param("next")));
    r.headers.emplace_back("Set-Cookie", session_cookie(session.id, kSessionHours * 3600));
    return r;
  }

  Response sign_out() {
    if (visitor_.session) app_.tokens_->end_session(visitor_.session->id);
    Response r;
    r.status = 303;
    r.content_type = kHtml;
    r.headers.emplace_back("Location", "/");
    r.headers.emplace_back("Set-Cookie", session_cookie("", 0));
    return r;
  }

  std::string session_cookie(const std::string& value, int max_age) const {
    const std::string* proto = req_.header("x-forwarded-proto");
    return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kSessionCookie, value, max_age,
                       proto && *proto == "https" ? "; Secure" : "");
  }

  Response error(const ApiError& e) {
    if (is_api() || req_.path == "/healthz" || req_.path == "/metrics") return error_json(e);
    json view = common_view("");
    view["status"] = e.status;
    view["title"] = t(e.status == 404 ? "error_not_found" : e.status >= 500 ? "error_server" : "error_bad_request");
    view["page_title"] = view["title"];
    // People get a helpful sentence; the exact reason stays for the API and logs.
    view["message"] = e.status == 404 ? t("error_not_found_text") : e.message;
    Response r = html(view, "error");
    r.status = e.status;
    return r;
  }

  SearchService::Lease& searcher() {
    if (!lease_) {
      auto l = app_.search_.acquire();
      if (!l) throw_error(503, "unavailable", l.status().message());
      lease_.emplace(std::move(l.value()));
    }
    return *lease_;
  }

  template <typename T>
  T must(Result<T> r) {
    if (!r) throw std::runtime_error(r.status().message());
    return std::move(r.value());
  }

  // ---- Operations ---------------------------------------------------------------
  Response healthz() {
    auto rev = app_.search_.revision();
    if (!rev) return json_response(503, {{"status", "no_index"}, {"message", "no index revision published yet"}});
    return json_response(200, {{"status", "ok"}, {"revision", *rev}, {"articles", searcher()->document_count()}});
  }

  Response metrics() {
    std::map<std::string, double> gauges;
    if (app_.search_.revision()) gauges["kb_index_documents"] = static_cast<double>(searcher()->document_count());
    Response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = app_.metrics_.render(gauges);
    return r;
  }

  // An article's image, from the current revision's media/ folder. Names are
  // content hashes, so the answer never changes: cached for a year.
  Response media(const std::string& name) {
    // Only images of articles the caller may see: an internal screenshot's
    // address pasted into a public place shows nothing.
    if (!is_media_name(name) || !must(searcher()->media_visible(name, visitor_.visibility))) {
      throw_error(404, "not_found", "no such image");
    }
    auto dir = app_.search_.revision_dir();
    if (!dir) throw_error(404, "not_found", "no such image");
    std::ifstream in(*dir / "media" / name, std::ios::binary);
    if (!in) throw_error(404, "not_found", "no such image");
    Response r;
    r.content_type = *image_content_type(name);
    r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
    // An SVG opened on its own must not run script in our origin.
    if (name.ends_with(".svg")) r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
    std::ostringstream body;
    body << in.rdbuf();
    r.body = body.str();
    return r;
  }

  Response asset(const std::string& name) {
    const StaticAsset* a = app_.templates_.asset(name);
    if (!a) throw_error(404, "not_found", "no such file");
    Response r;
    r.content_type = a->content_type;
    r.headers.emplace_back("Cache-Control", "public, max-age=3600");
    r.headers.emplace_back("ETag", a->etag);
    if (const std::string* inm = req_.header("if-none-match"); inm && *inm == a->etag) {
      r.status = 304;
      return r;
    }
    r.body = a->body;
    return r;
  }

  // The search log behind `kb-index report`: first pages of searches with
  // words, in the language filtered by, else the visitor's.
  void log_search(const SearchRequest& s, const SearchResult& result, const std::string& visitor_lang) {
    if (!app_.analytics_ || s.offset > 0 || s.query.empty() || req_.method != "GET") return;
    // A writer looking at what customers see from the report is not searching.
    if (const std::string* from = req_.param(kFromParam); from && *from == kFromReport) return;
    // What ran: after a typo correction, the corrected words (result links
    // carry those, so clicks meet their search).
    app_.analytics_->record_search(result.corrected.value_or(s.query), s.lang.empty() ? visitor_lang : s.lang,
                                   visitor_.visibility != Visibility::kPublic, static_cast<int64_t>(result.total));
  }

  // ---- JSON API -------------------------------------------------------------------
  Response api_search() {
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
  Response api_answer() {
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
  Response api_similar() {
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
  static std::string ticket_text(const std::string& subject, const std::string& body) {
    if (subject.size() + body.size() > kMaxTicketBytes) {
      throw_error(413, "too_large", fmt::format("a ticket is limited to {} KB of text", kMaxTicketBytes / 1024));
    }
    if (!is_valid_utf8(subject) || !is_valid_utf8(body)) {
      throw_error(400, "invalid_parameter", "the ticket must be UTF-8 text");
    }
    return subject + "\n" + subject + "\n\n" + body;
  }

  json answer_json(const Article& a, const std::string& anchor) {
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
  std::string site_base_url() const {
    if (!app_.options_.base_url.empty()) return app_.options_.base_url;
    const std::string* host = req_.header("host");
    const std::string* proto = req_.header("x-forwarded-proto");
    const std::string scheme = proto && *proto == "https" ? "https" : "http";
    return host && !host->empty() ? scheme + "://" + *host : std::string();
  }

  Response api_suggest() {
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
    const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    Response r = json_response(200, {{"query", s.query},
                                     {"took_ms", std::round(took * 1000) / 1000},
                                     {"suggestions", suggestions},
                                     {"articles", articles}});
    r.headers.emplace_back("Cache-Control", "private, max-age=30");
    return r;
  }

  // The article, or (for GET with a `url_prefix`) a 301 to its current
  // address when `slug` is an alias or the slug it had before a rename, or a 404.
  Article find_article(const std::string& slug, const std::string& url_prefix = "") {
    if (auto e = check_slug(slug)) throw HttpError{*e};
    auto a = must(searcher()->article(slug, visitor_.visibility));
    if (a) return std::move(*a);
    auto target = url_prefix.empty() ? std::nullopt : must(searcher()->redirect(slug, visitor_.visibility));
    if (target) {
      Response r;
      r.status = 301;
      const std::string location = url_with(encode_path(url_prefix + *target), {req_.params.begin(), req_.params.end()});
      r.headers.emplace_back("Location", location);
      // Not forever: a new article may take the old slug back.
      r.headers.emplace_back("Cache-Control", "public, max-age=3600");
      r.body = "Moved to " + location + "\n";
      r.content_type = "text/plain; charset=utf-8";
      throw EarlyAnswer{std::move(r)};
    }
    throw_error(404, "not_found", "no article '" + slug + "'");
  }

  Response api_article(const std::string& slug) {
    Article a = find_article(slug, "/api/v1/articles/");
    return json_response(200, article_json(a, must(searcher()->translations(a, visitor_.visibility))));
  }

  // ---- Pages ------------------------------------------------------------------------
  json common_view(const std::string& page_lang) {
    std::string lang;
    if (const std::string* l = req_.param("lang"); l && analysis::is_language_tag(*l)) lang = analysis::normalize_lang(*l);
    std::string preferred = lang;  // the visitor's language, for the page when nothing else says
    std::string q;
    if (const std::string* v = req_.param("q"); v && is_valid_utf8(*v) && v->size() <= kMaxQueryBytes) q = *v;
    json languages = json::array();
    if (lease_ || app_.search_.revision()) {
      try {
        const auto& available = searcher()->languages();
        if (preferred.empty()) preferred = preferred_language(req_.header("accept-language"), available);
        for (const auto& code : available) {
          languages.push_back({{"code", code},
                               {"name", language_name(code)},
                               {"url", url_with(req_.path == "/search" ? "/search" : "/", {{"q", q}, {"lang", code}})},
                               {"active", code == lang}});
        }
      } catch (const HttpError&) {
        // No index yet: the page still renders, without a language switch.
      }
    }
    // The interface speaks the article's language, else the chosen one, else
    // the browser's, else English.
    std::string ui;
    for (const std::string& candidate : {page_lang, lang}) {
      const std::string primary = analysis::primary_subtag(candidate);
      if (ui.empty() && !candidate.empty() && app_.templates_.has_ui_language(primary)) ui = primary;
    }
    if (ui.empty()) ui = preferred_language(req_.header("accept-language"), app_.templates_.ui_languages());
    if (ui.empty()) ui = Templates::kDefaultUiLanguage;
    ui_ = ui;
    return {{"site_name", app_.options_.site_name},
            {"page_lang", ui},
            {"t", app_.templates_.strings(ui)},
            {"preferred_lang", preferred},
            {"page_title", app_.options_.site_name},
            {"q", q},
            {"lang", lang},
            {"languages", languages},
            {"agent", visitor_.visibility != Visibility::kPublic},
            {"signed_in", visitor_.session.has_value()},
            {"user_name", visitor_.who ? visitor_.who->name : std::string()},
            {"user_role", visitor_.who ? app_.templates_.strings(ui).value(std::string("role_") + to_string(visitor_.who->role), "")
                                       : std::string()},
            {"csrf", visitor_.session ? visitor_.session->csrf : std::string()},
            {"signin_url", url_with("/signin", {{"next", req_.path == "/signin" ? std::string("/") : req_.path}})}};
  }

  Response html(const json& view, const std::string& page) {
    Response r;
    r.content_type = kHtml;
    r.body = app_.templates_.render(page, view);
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }

  Response page_home() {
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

  Response page_search() {
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
    for (const auto& h : result.hits) {
      // The article marks the searched words when reached from here.
      std::string url = article_url(h.slug);
      if (!searched.empty()) url = url_with(url, {{"hl", searched}});
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
  Response feedback(const std::string& slug) {
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
    if (is_api()) return json_response(200, {{"recorded", true}, {"helpful", helpful}});
    Response r;
    r.status = 303;
    r.content_type = kHtml;
    r.headers.emplace_back("Location", article_url(a.meta.slug) + "?voted=1#feedback");
    return r;
  }

  // Top articles for the home and empty results: most viewed lately, else
  // most recently updated.
  std::vector<ArticleSummary> popular(std::vector<ArticleSummary> visible, const std::string& lang, size_t n,
                                      bool* from_views = nullptr) {
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

  Response page_article(const std::string& slug) {
    Article a = find_article(slug, "/articles/");
    if (app_.analytics_ && req_.method == "GET" && visitor_.visibility == Visibility::kPublic) {
      app_.analytics_->record_view(a.meta.slug);
    }
    if (const std::string* from = req_.param("hl");
        from && app_.analytics_ && req_.method == "GET" && from->size() <= kMaxQueryBytes && is_valid_utf8(*from)) {
      app_.analytics_->record_click(*from, visitor_.visibility != Visibility::kPublic, a.meta.slug);  // opened from a result (its link carries the query)
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

  // An interface string of the page's language (set by common_view).
  std::string t(const std::string& key) const { return app_.templates_.strings(ui_).value(key, key); }

  App& app_;
  const Request& req_;
  Visitor visitor_;
  std::string ui_ = Templates::kDefaultUiLanguage;
  std::optional<SearchService::Lease> lease_;
};

App::App(SearchService& search, TokenStore* tokens, const Templates& templates, Metrics& metrics, AppOptions options,
         Analytics* analytics)
    : search_(search),
      tokens_(tokens),
      templates_(templates),
      metrics_(metrics),
      options_(std::move(options)),
      analytics_(analytics),
      public_limits_(options_.public_rate, options_.public_burst),
      staff_limits_(options_.staff_rate, options_.staff_burst) {
  search_.observe_searches([this](const SearchTimings& t) {
    metrics_.record_search_steps(t.plan_ms / 1000, t.match_ms / 1000, t.present_ms / 1000);
  });
}

App::~App() { search_.observe_searches(nullptr); }

Response App::handle(const Request& request) {
  const auto start = std::chrono::steady_clock::now();
  Handler handler(*this, request);
  Response r = handler.dispatch();
  metrics_.record(r.route, r.status, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

}  // namespace kb
