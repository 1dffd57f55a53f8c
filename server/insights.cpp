#include "server/insights.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "core/text.h"

namespace kb {

using nlohmann::json;

namespace {

// A share as text: "0.25"; "" when there is nothing to divide.
std::string share(int64_t part, int64_t whole) {
  if (whole <= 0) return "";
  return fmt::format("{:.3f}", static_cast<double>(part) / static_cast<double>(whole));
}

std::string num(int64_t n) { return std::to_string(n); }

}  // namespace

bool is_number_column(const std::string& column) {
  return column != "day" && column != "query" && column != "lang" && column != "slug" && column != "title" &&
         column != "category" && column != "channel" && column != "visit_searches";
}

bool is_share_column(const std::string& column) { return column.ends_with("_rate") || column.ends_with("share"); }

std::vector<InsightTable> insight_tables(const Analytics::Insights& in, const std::vector<ArticleSummary>& articles) {
  std::map<std::string, const ArticleSummary*> by_slug;
  for (const auto& a : articles) by_slug[a.slug] = &a;
  std::vector<InsightTable> out;

  InsightTable top{"top_queries", {"query", "lang", "searches", "results", "clicks"}, {}};
  for (const auto& q : in.top) {
    top.rows.push_back({q.stat.query, q.stat.lang, num(q.stat.searches), num(q.stat.results), num(q.stat.clicks)});
  }
  out.push_back(std::move(top));

  InsightTable rising{"rising_queries", {"query", "lang", "searches", "previous"}, {}};
  for (const auto& q : in.rising) rising.rows.push_back({q.stat.query, q.stat.lang, num(q.stat.searches), num(q.previous)});
  out.push_back(std::move(rising));

  InsightTable votes{"helpfulness", {"title", "slug", "helpful", "not_helpful", "helpful_share"}, {}};
  for (const auto& v : in.votes) {
    auto it = by_slug.find(v.slug);
    if (it == by_slug.end()) continue;  // gone, or not the audience's to see
    votes.rows.push_back({it->second->title, v.slug, num(v.helpful), num(v.not_helpful),
                          share(v.helpful, v.helpful + v.not_helpful)});
  }
  out.push_back(std::move(votes));

  InsightTable never{"never_found", {"title", "slug", "lang", "category"}, {}};
  for (const auto& a : articles) {
    if (!in.found_slugs.count(a.slug)) never.rows.push_back({a.title, a.slug, a.lang, a.category});
  }
  std::sort(never.rows.begin(), never.rows.end());
  out.push_back(std::move(never));
  InsightTable days{"days",
                    {"day", "searches", "zero_results", "zero_result_rate", "clicked", "success_rate", "visits",
                     "self_served", "deflection_rate"},
                    {}};
  for (const auto& d : in.days) {
    days.rows.push_back({d.day, num(d.searches), num(d.zero_results), share(d.zero_results, d.searches), num(d.clicked),
                         share(d.clicked, d.searches), num(d.visits), num(d.self_served),
                         share(d.self_served, d.visits)});
  }
  out.push_back(std::move(days));

  InsightTable visits{"visits",
                      {"channel", "visit_searches", "visits", "opened", "contacted", "self_served", "deflection_rate"},
                      {}};
  int64_t embed_visits = 0;
  for (const auto& b : in.visit_buckets) {
    if (b.channel == Analytics::Channel::kEmbed) embed_visits += b.stat.visits;
  }
  for (const auto& b : in.visit_buckets) {
    // The sidebar's rows only where it is used.
    if (b.channel == Analytics::Channel::kEmbed && embed_visits == 0) continue;
    const std::string searches = b.max_searches == Analytics::kMaxVisitSearches ? fmt::format("{}+", b.min_searches)
                                 : b.min_searches == b.max_searches ? num(b.min_searches)
                                                                    : fmt::format("{}-{}", b.min_searches, b.max_searches);
    visits.rows.push_back({Analytics::channel_name(b.channel), searches, num(b.stat.visits),
                           num(b.stat.opened), num(b.stat.contacted), num(b.stat.self_served),
                           share(b.stat.self_served, b.stat.visits)});
  }
  out.push_back(std::move(visits));

  int64_t clicks = 0;
  for (const auto& p : in.positions) clicks += p.clicks;
  InsightTable positions{"positions", {"position", "clicks", "share"}, {}};
  for (const auto& p : in.positions) {
    positions.rows.push_back({p.position == Analytics::kLastPosition ? fmt::format("{}+", p.position) : num(p.position),
                              num(p.clicks), share(p.clicks, clicks)});
  }
  out.push_back(std::move(positions));

  return out;
}

const InsightTable* find_table(const std::vector<InsightTable>& tables, const std::string& name) {
  for (const auto& t : tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string to_csv(const InsightTable& table) {
  auto field = [](const std::string& value) {
    std::string v = value;
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v = "'" + v;
    if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
    std::string quoted = "\"";
    for (char c : v) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
  };
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + field(cells[i]);
    return out + "\r\n";
  };
  std::string out = line(table.columns);
  for (const auto& row : table.rows) out += line(row);
  return out;
}

json insights_json(const Analytics::Insights& in, const std::vector<InsightTable>& tables) {
  auto number_or_null = [](const std::string& s) -> json {
    if (s.empty()) return nullptr;
    if (s.find('.') != std::string::npos) return std::stod(s);
    return std::stoll(s);
  };
  json out = {{"totals",
               {{"searches", in.searches},
                {"zero_results", in.zero_results},
                {"zero_result_rate", number_or_null(share(in.zero_results, in.searches))},
                {"clicked", in.clicked},
                {"success_rate", number_or_null(share(in.clicked, in.searches))},
                {"visits", in.visits.visits},
                {"searches_per_visit", number_or_null(share(in.visits.searches, in.visits.searched))},
                {"self_served", in.visits.self_served},
                {"deflection_rate", number_or_null(share(in.visits.self_served, in.visits.visits))},
                {"contacted", in.visits.contacted},
                {"contact_rate", number_or_null(share(in.visits.contacted, in.visits.visits))}}}};
  for (const auto& t : tables) {
    json rows = json::array();
    for (const auto& row : t.rows) {
      json r = json::object();
      for (size_t i = 0; i < t.columns.size(); ++i) {
        const bool plus = t.name == "positions" && t.columns[i] == "position";  // "11+"
        r[t.columns[i]] = is_number_column(t.columns[i]) && !plus ? number_or_null(row[i]) : json(row[i]);
      }
      rows.push_back(std::move(r));
    }
    out[t.name] = std::move(rows);
  }
  return out;
}

std::string svg_bar_chart(const BarChart& c) {
  constexpr double kWidth = 640, kHeight = 240, kLeft = 64, kBottom = 34, kTop = 12;
  const double plot_w = kWidth - kLeft - 8, plot_h = kHeight - kBottom - kTop;
  double top = c.percent ? 1.0 : 0;
  for (double v : c.values) top = std::max(top, v);
  if (top <= 0) top = 1;
  if (!c.percent) {
    // A round axis top: 1, 2 or 5 times a power of ten.
    const double p = std::pow(10.0, std::floor(std::log10(top)));
    top = top <= p ? p : top <= 2 * p ? 2 * p : top <= 5 * p ? 5 * p : 10 * p;
  }
  auto y = [&](double v) { return kTop + plot_h * (1 - v / top); };
  auto axis_label = [&](double v) {
    return c.percent ? fmt::format("{:.0f} %", v * 100) : fmt::format("{}", static_cast<int64_t>(std::llround(v)));
  };
  std::string svg = fmt::format(
      R"(<svg class="chart" id="{0}" viewBox="0 0 {1} {2}" role="img" aria-labelledby="{0}-title {0}-desc">)"
      R"(<title id="{0}-title">{3}</title><desc id="{0}-desc">{4}</desc>)",
      html_escape(c.id), kWidth, kHeight, html_escape(c.title), html_escape(c.description));
  for (double v : {0.0, top / 2, top}) {
    svg += fmt::format(R"(<line class="grid" x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}"/>)", kLeft, kWidth - 8, y(v), y(v));
    svg += fmt::format(R"(<text class="axis" x="{}" y="{:.1f}" text-anchor="end">{}</text>)", kLeft - 6, y(v) + 6,
                       html_escape(axis_label(v)));
  }
  const size_t n = c.values.size();
  const double slot = n ? plot_w / static_cast<double>(n) : plot_w;
  const double bar = std::max(1.0, slot * 0.7);
  for (size_t i = 0; i < n; ++i) {
    const double x = kLeft + slot * static_cast<double>(i) + (slot - bar) / 2;
    const double v = c.values[i];
    const std::string label = i < c.labels.size() ? c.labels[i] : "";
    std::string tip = label + ": " + axis_label(v);
    if (i < c.highlights.size()) tip += " (" + axis_label(c.highlights[i]) + ")";
    svg += fmt::format(R"(<g class="bar"><title>{}</title>)", html_escape(tip));
    svg += fmt::format(R"(<rect class="value" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>)", x, y(v), bar,
                       kTop + plot_h - y(v));
    if (i < c.highlights.size() && c.highlights[i] > 0) {
      const double h = c.highlights[i];
      svg += fmt::format(R"(<rect class="highlight" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}"/>)", x, y(h), bar,
                         kTop + plot_h - y(h));
    }
    svg += "</g>";
    if (i == 0 || i + 1 == n || i == n / 2) {
      // The first and last labels stay inside the picture.
      const char* anchor = n > 1 && i == 0 ? "start" : n > 1 && i + 1 == n ? "end" : "middle";
      const double at = n > 1 && i == 0 ? x : n > 1 && i + 1 == n ? x + bar : x + bar / 2;
      svg += fmt::format(R"(<text class="axis" x="{:.1f}" y="{}" text-anchor="{}">{}</text>)", at, kHeight - 8, anchor,
                         html_escape(label));
    }
  }
  return svg + "</svg>";
}

}  // namespace kb
