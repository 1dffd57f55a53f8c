// One request's handling (App::Handler), private to the server's route
// files. The class is declared here and defined by audience:
//   routes.cpp         dispatch, authentication, limits, errors, and what
//                      every audience's routes share (views, articles, log)
//   routes_ops.cpp     /healthz, /metrics, /static/, /media/
//   routes_api.cpp     the JSON API (/api/v1/...)
//   routes_help.cpp    the customers' help page: home, search, article, embed
//   routes_staff.cpp   sign-in and the staff pages (/agent, /report)
//   routes_meili.cpp   Meilisearch's search API (/indexes/kb/search, ...)
//   routes_insights.cpp  /insights, its CSV and JSON, for support managers
// Handlers throw HttpError for expected failures and EarlyAnswer for a
// complete answer of their own; Handler::route turns both, and anything
// else, into a response in one place.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/insights.h"
#include "server/params.h"
#include "server/routes.h"
#include "server/web.h"

namespace kb {

inline constexpr const char* kApiPrefix = "/api/";
inline constexpr std::string_view kSessionCookie = "kb_session";
inline constexpr std::string_view kFeedbackSuffix = "/feedback";
// The report's links to a query's results carry from=report: not logged.
inline constexpr const char* kFromParam = "from";
inline constexpr const char* kFromReport = "report";
// Articles suggested for a ticket (/api/v1/similar, /embed) unless asked.
inline constexpr size_t kDefaultSimilar = 5;

struct Visitor {
  Visibility visibility = Visibility::kPublic;
  std::optional<TokenInfo> who;     // a support agent or writer
  std::optional<Session> session;   // signed in with the session cookie (not a header)
};

// Raised inside handlers for expected failures; turned into a response in one place.
struct HttpError {
  ApiError error;
};

// Raised by a handler with a complete answer of its own (a 301, a 429).
struct EarlyAnswer {
  Response response;
};

[[noreturn]] inline void throw_error(int status, std::string code, std::string message) {
  throw HttpError{ApiError{status, std::move(code), std::move(message)}};
}

template <typename T>
T take(std::variant<T, ApiError> v) {
  if (auto* e = std::get_if<ApiError>(&v)) throw HttpError{*e};
  return std::get<T>(std::move(v));
}

// Knows the visitor and borrows a Searcher lazily, for one request.
class App::Handler {
 public:
  Handler(App& app, const Request& req) : app_(app), req_(req) {}

  Response dispatch();

 private:
  using json = nlohmann::json;

  // ---- routes.cpp: the frame around every route ----
  bool is_api() const { return req_.path.rfind(kApiPrefix, 0) == 0; }
  // Runs `f` in the frame every route shares: method check, authentication,
  // CSRF, limits, errors, cache and security headers, the route's name.
  Response route(const char* name, bool method_ok, const std::function<Response()>& f);
  static bool counted(std::string_view route);
  std::string client_address() const;
  std::string address_key() const;
  [[noreturn]] void throw_limited(int status, const char* code, const std::string& message, int retry_after);
  std::optional<Response> over_limits(std::string_view route);
  void authenticate();
  void check_csrf();
  Response error(const ApiError& e);
  SearchService::Lease& searcher();
  // `r` as it is, unless a remote part of the index did not answer: then
  // the server log says which, and the caller gets 503 with Retry-After
  // (and no address of ours). An HttpError, not an early answer: the error
  // page it makes may ask for a searcher again (common_view), which must
  // fail quietly, not recurse.
  template <typename T>
  Result<T> must_or_unavailable(Result<T> r) {
    if (!r && r.status().unavailable()) {
      std::fprintf(stderr, "kb-server: warning: %s\n", r.status().message().c_str());
      retry_after_ = 1;
      throw_error(503, "unavailable", "part of the help center's index did not answer; try again in a moment");
    }
    return r;
  }
  template <typename T>
  T must(Result<T> r) {
    if (!r) throw std::runtime_error(must_or_unavailable(std::move(r)).status().message());
    return std::move(r.value());
  }
  void log_search(const SearchRequest& s, const SearchResult& result, const std::string& visitor_lang);
  void log_visit(Analytics::Step step, const std::string& lang);
  Article find_article(const std::string& slug, const std::string& url_prefix = "");
  json common_view(const std::string& page_lang);
  Response html(const json& view, const std::string& page);
  // An interface string of the page's language (set by common_view).
  std::string t(const std::string& key) const { return app_.templates_.strings(ui_).value(key, key); }

  // ---- routes_ops.cpp ----
  Response healthz();
  Response metrics();
  Response media(const std::string& name);
  Response asset(const std::string& name);

  // ---- routes_api.cpp ----
  Response api_search();
  Response api_answer();
  Response api_similar();
  Response api_suggest();
  Response api_article(const std::string& slug);
  static std::string ticket_text(const std::string& subject, const std::string& body);
  json answer_json(const Article& a, const std::string& anchor);
  std::string site_base_url() const;

  // ---- routes_help.cpp ----
  Response page_home();
  Response page_search();
  Response page_article(const std::string& slug);
  Response page_embed();
  Response feedback(const std::string& slug);
  Response contact();
  Response opensearch();
  std::vector<ArticleSummary> popular(std::vector<ArticleSummary> visible, const std::string& lang, size_t n,
                                      bool* from_views = nullptr);

  // ---- routes_meili.cpp: Meilisearch's search API ----
  bool is_meili() const;
  Response dispatch_meili();
  Response meili_error(const ApiError& e);
  json meili_index_json();
  Response meili_search();
  Response meili_multi_search();
  json meili_answer(const json& body);

  // ---- routes_insights.cpp: figures for support managers ----
  struct InsightsView {
    ReportRequest report;
    std::string lang;
    Analytics::Insights insights;
    std::vector<InsightTable> tables;
  };
  InsightsView insights_for_request();
  Response page_insights();
  Response insights_csv();
  Response api_insights();

  // ---- routes_staff.cpp ----
  Response page_agent();
  Response page_report();
  Response page_sign_in(const std::string& failure = "");
  Response sign_in();
  Response sign_out();
  Response sign_in_first();
  // The period and audience choices of /report and /insights ("days",
  // "audiences"): `periods`, and the asked one when it is not among them.
  void add_report_filters(json& view, const ReportRequest& report, std::vector<int> periods);
  std::string session_cookie(const std::string& value, int max_age) const;

  App& app_;
  const Request& req_;
  Visitor visitor_;
  std::string ui_ = Templates::kDefaultUiLanguage;
  std::optional<SearchService::Lease> lease_;
  int retry_after_ = 0;  // seconds, for a 503 that asking again may not get
};

}  // namespace kb
