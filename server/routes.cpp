#include "server/route_handler.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/analysis.h"
#include "core/media.h"
#include "core/text.h"

namespace kb {

using nlohmann::json;

Response App::Handler::dispatch() {
  const std::string& p = req_.path;
  const bool is_get = req_.method == "GET" || req_.method == "HEAD";
  if (p == "/healthz") return route("healthz", is_get, [&] { return healthz(); });
  if (p == "/metrics") return route("metrics", is_get, [&] { return metrics(); });
  if (p.rfind("/static/", 0) == 0) return route("static", is_get, [&] { return asset(p.substr(8)); });
  if (is_meili()) return dispatch_meili();
  if (p.rfind(kMediaUrlPrefix, 0) == 0) {
    return route("media", is_get, [&] { return media(p.substr(kMediaUrlPrefix.size())); });
  }
  if (p == paths::kApiSearch) return route("api_search", is_get, [&] { return api_search(); });
  if (p == paths::kApiSuggest) return route("api_suggest", is_get, [&] { return api_suggest(); });
  if (p == paths::kApiAnswer) return route("api_answer", is_get, [&] { return api_answer(); });
  if (p == "/api/v1/insights") return route("api_insights", is_get, [&] { return api_insights(); });
  if (p == paths::kApiSimilar) return route("api_similar", req_.method == "POST", [&] { return api_similar(); });
  const bool is_post = req_.method == "POST";
  if (p.rfind("/api/v1/articles/", 0) == 0) {
    const std::string rest = p.substr(17);
    if (rest.ends_with(kFeedbackSuffix)) {
      return route("api_feedback", is_post, [&] { return feedback(rest.substr(0, rest.size() - kFeedbackSuffix.size())); });
    }
    return route("api_article", is_get, [&] { return api_article(rest); });
  }
  if (p == "/") return route("page_home", is_get, [&] { return page_home(); });
  if (p == "/signin") return route("signin", is_get || is_post, [&] { return is_post ? sign_in() : page_sign_in(); });
  if (p == "/signout") return route("signout", is_post, [&] { return sign_out(); });
  if (p == paths::kSearchPage) return route("page_search", is_get, [&] { return page_search(); });
  if (p == paths::kEmbed) return route("page_embed", is_get, [&] { return page_embed(); });
  if (p == "/opensearch.xml") return route("opensearch", is_get, [&] { return opensearch(); });
  if (p == "/contact") return route("contact", is_get, [&] { return contact(); });
  if (p == "/agent") return route("page_agent", is_get, [&] { return page_agent(); });
  if (p == "/insights") return route("page_insights", is_get, [&] { return page_insights(); });
  if (p == "/insights.csv") return route("insights_csv", is_get, [&] { return insights_csv(); });
  if (p == "/report") return route("page_report", is_get, [&] { return page_report(); });
  if (p.rfind("/articles/", 0) == 0) {
    const std::string rest = p.substr(10);
    if (rest.ends_with(kFeedbackSuffix)) {
      return route("page_feedback", is_post, [&] { return feedback(rest.substr(0, rest.size() - kFeedbackSuffix.size())); });
    }
    return route("page_article", is_get, [&] { return page_article(rest); });
  }
  return route("not_found", true, [&]() -> Response { throw_error(404, "not_found", "no such page: " + p); });
}

Response App::Handler::route(const char* name, bool method_ok, const std::function<Response()>& f) {
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
    if (retry_after_ > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after_));
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

bool App::Handler::counted(std::string_view route) {
  return route != "static" && route != "media" && route != "healthz" && route != "metrics" &&
         route != "meili_preflight" && route != "meili_health" && route != "meili_version";
}

// The address requests are counted by: the peer, or behind a proxy the
// last address the proxy added to the configured header.
std::string App::Handler::client_address() const {
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
std::string App::Handler::address_key() const {
  const std::string a = client_address();
  in6_addr v6{};
  if (inet_pton(AF_INET6, a.c_str(), &v6) == 1) {
    std::fill(std::begin(v6.s6_addr) + 8, std::end(v6.s6_addr), 0);
    char text[INET6_ADDRSTRLEN] = {};
    if (inet_ntop(AF_INET6, &v6, text, sizeof text)) return std::string("addr:") + text + "/64";
  }
  return "addr:" + a;
}

[[noreturn]] void App::Handler::throw_limited(int status, const char* code, const std::string& message, int retry_after) {
  Response r = error(ApiError{status, code, message});
  r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  throw EarlyAnswer{std::move(r)};
}

// A 429 when the caller has used up its allowance.
std::optional<Response> App::Handler::over_limits(std::string_view route) {
  if (!counted(route)) return std::nullopt;
  int retry_after = 1;
  const bool ok = visitor_.who ? app_.staff_limits_.allow("token:" + visitor_.who->name, &retry_after)
                               : app_.public_limits_.allow(address_key(), &retry_after);
  if (ok) return std::nullopt;
  Response r = error(ApiError{429, "rate_limited", "too many requests; slow down"});
  r.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return r;
}

void App::Handler::authenticate() {
  const std::string* auth = req_.header("authorization");
  if (!auth) {
    if (is_meili()) return;  // a token or nothing: see routes_meili.cpp
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
void App::Handler::check_csrf() {
  // Meilisearch's API never reads the session cookie: nothing to forge.
  if (req_.method == "GET" || req_.method == "HEAD" || is_meili()) return;
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

Response App::Handler::error(const ApiError& e) {
  if (is_meili()) return meili_error(e);
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

SearchService::Lease& App::Handler::searcher() {
  if (!lease_) {
    auto l = must_or_unavailable(app_.search_.acquire());
    if (!l) throw_error(503, "unavailable", l.status().message());
    lease_.emplace(std::move(l.value()));
  }
  return *lease_;
}

// The search log behind `kb-index report`: first pages of searches with
// words, in the language filtered by, else the visitor's.
void App::Handler::log_search(const SearchRequest& s, const SearchResult& result, const std::string& visitor_lang) {
  if (s.offset > 0 || s.query.empty() || req_.method != "GET") return;
  // A writer looking at what customers see from the report is not searching.
  if (const std::string* from = req_.param(kFromParam); from && *from == kFromReport) return;
  log_visit(Analytics::Step::kSearch, s.lang.empty() ? visitor_lang : s.lang);
  const bool agent = visitor_.visibility != Visibility::kPublic;
  app_.metrics_.record_event(Metrics::Event::kSearch, agent);
  if (result.total == 0) app_.metrics_.record_event(Metrics::Event::kZeroResults, agent);
  if (!app_.analytics_) return;
  // What ran: after a typo correction, the corrected words (result links
  // carry those, so clicks meet their search).
  app_.analytics_->record_search(result.corrected.value_or(s.query), s.lang.empty() ? visitor_lang : s.lang,
                                 visitor_.visibility != Visibility::kPublic, static_cast<int64_t>(result.total));
}

// A step of this visitor's visit (core/analytics.h) on the help page or in
// /embed; the API's requests are other programs' or the agents' workspace.
// Known crawlers make no visits: they would read every article and ask
// nothing.
void App::Handler::log_visit(Analytics::Step step, const std::string& lang) {
  if (!app_.analytics_ || req_.method != "GET" || is_api()) return;
  if (const std::string* from = req_.param(kFromParam); from && *from == kFromReport) return;
  const std::string* agent = req_.header("user-agent");
  if (!agent || agent->empty()) return;
  const std::string lower = ascii_lower(*agent);
  for (const char* robot : {"bot", "crawl", "spider", "slurp", "curl/", "wget/", "python-", "go-http"}) {
    if (lower.find(robot) != std::string::npos) return;
  }
  const std::string visitor = address_key() + '\n' + *agent;
  app_.analytics_->record_visit(visitor, visitor_.visibility != Visibility::kPublic,
                                req_.path == paths::kEmbed ? Analytics::Channel::kEmbed : Analytics::Channel::kHelp,
                                step, lang);
}

// The article, or (for GET with a `url_prefix`) a 301 to its current
// address when `slug` is an alias or the slug it had before a rename, or a 404.
Article App::Handler::find_article(const std::string& slug, const std::string& url_prefix) {
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

json App::Handler::common_view(const std::string& page_lang) {
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
          {"contact", !app_.options_.contact_url.empty()},
          {"signin_url", url_with("/signin", {{"next", req_.path == "/signin" ? std::string("/") : req_.path}})}};
}

Response App::Handler::html(const json& view, const std::string& page) {
  Response r;
  r.content_type = kHtml;
  r.body = app_.templates_.render(page, view);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

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
