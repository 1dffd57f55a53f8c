// The support managers' figures (/insights, /api/v1/insights,
// /insights.csv): Analytics::insights() laid out as named tables, the same
// rows for the page, its CSV downloads and the JSON, and server-rendered SVG
// charts (no script: the pages' CSP allows none inline, and the page must
// work without JavaScript). docs/insights.md defines every figure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/analytics.h"
#include "core/catalog.h"

namespace kb {

// One table: machine names of the columns (the CSV header and JSON keys) and
// the rows as text, numbers written plainly ("0.25", never "25 %").
struct InsightTable {
  std::string name;  // "days", "positions", "top_queries", ...
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// Every table, in the page's order: top_queries, rising_queries,
// helpfulness, never_found, days, visits, positions. `articles`: the articles the
// audience can see (titles for helpfulness; never_found lists those not
// opened from search).
std::vector<InsightTable> insight_tables(const Analytics::Insights& insights, const std::vector<ArticleSummary>& articles);

// Columns whose values are numbers (JSON numbers, right-aligned on the
// page), and of those the shares 0..1 (percentages on the page).
bool is_number_column(const std::string& column);
bool is_share_column(const std::string& column);

// The table named `name` (pointing into `tables`), or nullptr.
const InsightTable* find_table(const std::vector<InsightTable>& tables, const std::string& name);

// RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or
// line break; a field a spreadsheet would run as a formula (=, +, -, @)
// gets a leading apostrophe.
std::string to_csv(const InsightTable& table);

// {totals: {...}, <table name>: [{column: value}]}; numbers as numbers.
nlohmann::json insights_json(const Analytics::Insights& insights, const std::vector<InsightTable>& tables);

// A bar chart as inline SVG: one bar a value, `highlights[i]` (optional,
// same length) drawn over bar i from its base (e.g. the searches that found
// nothing, inside all searches). `labels` under the first, middle and last
// bars; each bar has a <title> with its label and value. `title` and
// `description` name the chart for screen readers (role="img"). `percent`:
// values are shares 0..1, drawn on a 0..100 % axis.
struct BarChart {
  std::string id;  // unique in the page, for aria-labelledby
  std::string title, description;
  std::vector<std::string> labels;
  std::vector<double> values;
  std::vector<double> highlights;
  bool percent = false;
};
std::string svg_bar_chart(const BarChart& chart);

}  // namespace kb
