#include "server/route_handler.h"

#include <algorithm>

#include <fmt/format.h>

namespace kb {

using nlohmann::json;

namespace {

constexpr size_t kAgentResults = 20;
// Queries per language and list on the search report page.
constexpr size_t kReportRows = 50;

}  // namespace

// The agents' search: keyboard first, results as they type (agent.js), a
// preview beside the list, and a key that copies the answer. Without
// script it is a results list with links.
Response App::Handler::page_agent() {
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
Response App::Handler::sign_in_first() {
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
Response App::Handler::page_report() {
  if (!visitor_.who) return sign_in_first();
  const ReportRequest report = take(parse_report_params(req_));
  json view = common_view("");
  view["page_title"] = t("report_title");
  add_report_filters(view, report, {7, 30, 90, 365});
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

void App::Handler::add_report_filters(json& view, const ReportRequest& report, std::vector<int> periods) {
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
}

Response App::Handler::page_sign_in(const std::string& failure) {
  json view = common_view("");
  view["page_title"] = t("sign_in_title");
  view["next"] = safe_next(req_.param("next"));
  view["failure"] = failure;
  Response r = html(view, "signin");
  if (!failure.empty()) r.status = 401;
  return r;
}

Response App::Handler::sign_in() {
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

Response App::Handler::sign_out() {
  if (visitor_.session) app_.tokens_->end_session(visitor_.session->id);
  Response r;
  r.status = 303;
  r.content_type = kHtml;
  r.headers.emplace_back("Location", "/");
  r.headers.emplace_back("Set-Cookie", session_cookie("", 0));
  return r;
}

std::string App::Handler::session_cookie(const std::string& value, int max_age) const {
  const std::string* proto = req_.header("x-forwarded-proto");
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}", kSessionCookie, value, max_age,
                     proto && *proto == "https" ? "; Secure" : "");
}

}  // namespace kb
