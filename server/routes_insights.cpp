// Is self-service working? /insights (the page, staff only), its CSV
// downloads (/insights.csv?table=...) and /api/v1/insights: figures from the
// search log and feedback (core/analytics.h), defined in docs/insights.md.
#include "server/route_handler.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/content_loader.h"
#include "server/insights.h"

namespace kb {

using nlohmann::json;

namespace {

// Rows of the query lists on the page and in the downloads.
constexpr size_t kInsightRows = 50;

}  // namespace

App::Handler::InsightsView App::Handler::insights_for_request() {
  const ReportRequest report = take(parse_report_params(req_));
  InsightsView v;
  v.report = report;
  if (const std::string* l = req_.param("lang"); l && !l->empty()) {
    if (!analysis::is_language_tag(*l)) throw_error(400, "invalid_parameter", "parameter 'lang' must be a language tag");
    v.lang = analysis::normalize_lang(*l);
  }
  Analytics::InsightsRequest r;
  r.days = report.days;
  r.agent = report.agents();
  r.lang = v.lang;
  r.limit = kInsightRows;
  if (!app_.analytics_) throw_error(503, "unavailable", "this server keeps no search log");
  v.insights = app_.analytics_->insights(r);
  // What the audience could have found: the public's articles, or the
  // caller's for agents' searches.
  auto articles = must(searcher()->list(report.audience == "public" ? Visibility::kPublic : visitor_.visibility));
  if (!v.lang.empty()) std::erase_if(articles, [&](const ArticleSummary& a) { return a.lang != v.lang; });
  v.tables = insight_tables(v.insights, articles);
  return v;
}

Response App::Handler::api_insights() {
  if (!visitor_.who) throw_error(401, "unauthorized", "insights are for staff: send an agent's or writer's token");
  const InsightsView v = insights_for_request();
  json out = insights_json(v.insights, v.tables);
  out["period"] = {{"days", v.report.days}, {"audience", v.report.audience}, {"lang", v.lang}};
  return json_response(200, out);
}

Response App::Handler::insights_csv() {
  if (!visitor_.who) return sign_in_first();
  const InsightsView v = insights_for_request();
  const std::string* name = req_.param("table");
  const InsightTable* table = name ? find_table(v.tables, *name) : nullptr;
  if (!table) {
    throw_error(400, "invalid_parameter",
                "parameter 'table' must be days, visits, positions, top_queries, rising_queries, helpfulness or "
                "never_found");
  }
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = to_csv(*table);
  r.headers.emplace_back("Content-Disposition",
                         fmt::format("attachment; filename=\"kb-{}-{}d{}.csv\"", table->name, v.report.days,
                                     v.lang.empty() ? "" : "-" + v.lang));
  return r;
}

Response App::Handler::page_insights() {
  if (!visitor_.who) return sign_in_first();
  const InsightsView v = insights_for_request();
  json view = common_view("");
  view["page_title"] = t("insights_title");
  const Analytics::Insights& in = v.insights;
  auto percent = [&](int64_t part, int64_t whole) {
    return whole > 0 ? fmt::format("{:.1f} %", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "–";
  };
  view["totals"] = {{"searches", in.searches},
                    {"zero_result_rate", percent(in.zero_results, in.searches)},
                    {"success_rate", percent(in.clicked, in.searches)},
                    {"visits", in.visits.visits},
                    {"searches_per_visit",
                     in.visits.searched > 0 ? fmt::format("{:.1f}", static_cast<double>(in.visits.searches) /
                                                                        static_cast<double>(in.visits.searched))
                                            : "–"},
                    {"deflection_rate", percent(in.visits.self_served, in.visits.visits)},
                    {"contact_rate", percent(in.visits.contacted, in.visits.visits)}};
  // Without a contact link nobody is seen going on to ask.
  view["no_contact"] = app_.options_.contact_url.empty() && in.visits.contacted == 0;
  // Filters: the period, whose searches, which language.
  add_report_filters(view, v.report, {7, 30, 90});
  json langs = json::array({{{"value", ""}, {"label", t("insights_all_languages")}, {"selected", v.lang.empty()}}});
  for (const auto& code : searcher()->languages()) {
    langs.push_back({{"value", code}, {"label", language_name(code)}, {"selected", code == v.lang}});
  }
  view["langs"] = langs;

  // Charts.
  BarChart searches{"chart-searches", t("insights_chart_searches"), t("insights_chart_searches_desc"), {}, {}, {}, false};
  BarChart success{"chart-success", t("insights_chart_success"), t("insights_chart_success_desc"), {}, {}, {}, true};
  for (const auto& d : in.days) {
    const std::string label = Templates::format_date(ui_, d.day);
    searches.labels.push_back(label);
    searches.values.push_back(static_cast<double>(d.searches));
    searches.highlights.push_back(static_cast<double>(d.zero_results));
    success.labels.push_back(label);
    success.values.push_back(d.searches ? static_cast<double>(d.clicked) / static_cast<double>(d.searches) : 0);
  }
  BarChart deflection{"chart-deflection", t("insights_chart_deflection"), t("insights_chart_deflection_desc"), {}, {}, {},
                      true};
  for (const auto& d : in.days) {
    deflection.labels.push_back(Templates::format_date(ui_, d.day));
    deflection.values.push_back(d.visits ? static_cast<double>(d.self_served) / static_cast<double>(d.visits) : 0);
  }
    BarChart positions{"chart-positions", t("insights_chart_positions"), t("insights_chart_positions_desc"), {}, {}, {}, true};
  // The positions table has the labels ("11+") and shares already.
  for (const auto& row : find_table(v.tables, "positions")->rows) {
    positions.labels.push_back(row[0]);
    positions.values.push_back(row[2].empty() ? 0 : std::stod(row[2]));
  }
  view["chart_searches"] = svg_bar_chart(searches);
  view["chart_success"] = svg_bar_chart(success);
  view["chart_positions"] = svg_bar_chart(positions);
  view["chart_deflection"] = svg_bar_chart(deflection);

  // Tables, each with its CSV.
  json tables = json::array();
  for (const auto& table : v.tables) {
    json columns = json::array();
    for (const auto& c : table.columns) {
      columns.push_back({{"label", t("insights_col_" + c)}, {"num", is_number_column(c)}});
    }
    auto column = [&](const char* name) {
      return static_cast<size_t>(std::find(table.columns.begin(), table.columns.end(), name) - table.columns.begin());
    };
    const size_t lang_at = column("lang"), slug_at = column("slug");
    json rows = json::array();
    for (const auto& row : table.rows) {
      json cells = json::array();
      for (size_t i = 0; i < row.size(); ++i) {
        std::string text = row[i];
        if (is_share_column(table.columns[i]) && !text.empty()) text = fmt::format("{:.1f} %", 100 * std::stod(text));
        if (table.columns[i] == "day") text = Templates::format_date(ui_, text);
        if (table.columns[i] == "channel") text = t("insights_channel_" + text);
        json cell = {{"text", text}, {"num", columns[i]["num"]}, {"url", false}};
        // A search links to what it finds now (not logged as a search), an
        // article to itself.
        if (table.columns[i] == "query") {
          cell["url"] = url_with("/search", {{"q", text}, {"lang", lang_at < row.size() ? row[lang_at] : ""},
                                             {kFromParam, kFromReport}});
        } else if (table.columns[i] == "title" && slug_at < row.size()) {
          cell["url"] = article_url(row[slug_at]);
        }
        cells.push_back(std::move(cell));
      }
      rows.push_back({{"cells", cells}});
    }
    tables.push_back({{"name", table.name},
                      {"title", t("insights_table_" + table.name)},
                      {"columns", columns},
                      {"rows", rows},
                      {"has_rows", !rows.empty()},
                      {"csv_url", url_with("/insights.csv", {{"table", table.name},
                                                              {"days", std::to_string(v.report.days)},
                                                              {"audience", v.report.audience},
                                                              {"lang", v.lang}})}});
  }
  view["tables"] = tables;
  return html(view, "insights");
}

}  // namespace kb
