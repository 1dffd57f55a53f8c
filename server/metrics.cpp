#include "server/metrics.h"

#include <fmt/format.h>

namespace kb {

namespace {
constexpr std::array<const char*, 3> kSteps = {"plan", "match", "present"};
}  // namespace

void Metrics::observe(Histogram& h, double seconds) {
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.buckets[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::record(const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, status}];
  observe(latency_[route], seconds);
}

void Metrics::record_search_steps(double plan_seconds, double match_seconds, double present_seconds) {
  std::lock_guard lock(mu_);
  observe(steps_[0], plan_seconds);
  observe(steps_[1], match_seconds);
  observe(steps_[2], present_seconds);
}

void Metrics::record_event(Event event, bool agent) {
  std::lock_guard lock(mu_);
  ++events_[static_cast<size_t>(event)][agent ? 1 : 0];
}

void Metrics::record_vote(bool helpful) {
  std::lock_guard lock(mu_);
  ++votes_[helpful ? 1 : 0];
}

std::string Metrics::render(const std::map<std::string, double>& gauges) const {
  std::string out;
  std::lock_guard lock(mu_);
  out += "# HELP kb_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE kb_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += fmt::format("kb_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
  }
  out += "# HELP kb_http_request_duration_seconds Time to answer a request, by route.\n";
  out += "# TYPE kb_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("kb_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", route, kBuckets[i],
                         h.buckets[i]);
    }
    out += fmt::format("kb_http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", route, h.count);
    out += fmt::format("kb_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("kb_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route, h.count);
  }
  out += "# HELP kb_search_step_duration_seconds Time per step of the searches the result cache did not answer.\n";
  out += "# TYPE kb_search_step_duration_seconds histogram\n";
  for (size_t s = 0; s < kSteps.size(); ++s) {
    const Histogram& h = steps_[s];
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("kb_search_step_duration_seconds_bucket{{step=\"{}\",le=\"{}\"}} {}\n", kSteps[s], kBuckets[i],
                         h.buckets[i]);
    }
    out += fmt::format("kb_search_step_duration_seconds_bucket{{step=\"{}\",le=\"+Inf\"}} {}\n", kSteps[s], h.count);
    out += fmt::format("kb_search_step_duration_seconds_sum{{step=\"{}\"}} {}\n", kSteps[s], h.sum);
    out += fmt::format("kb_search_step_duration_seconds_count{{step=\"{}\"}} {}\n", kSteps[s], h.count);
  }
  static constexpr std::array<std::pair<const char*, const char*>, 4> kEvents = {{
      {"kb_searches_total", "Searches logged (first pages with words), by audience."},
      {"kb_search_zero_results_total", "Logged searches that found nothing, by audience."},
      {"kb_result_clicks_total", "Articles opened from search results, by audience."},
      {"kb_contact_clicks_total", "Visitors forwarded to the contact link (/contact), by audience."},
  }};
  for (size_t e = 0; e < kEvents.size(); ++e) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n", kEvents[e].first, kEvents[e].second, kEvents[e].first);
    out += fmt::format("{}{{audience=\"public\"}} {}\n{}{{audience=\"agents\"}} {}\n", kEvents[e].first,
                       events_[e][0], kEvents[e].first, events_[e][1]);
  }
  out += "# HELP kb_feedback_votes_total \"Was this helpful?\" votes.\n# TYPE kb_feedback_votes_total counter\n";
  out += fmt::format("kb_feedback_votes_total{{helpful=\"yes\"}} {}\nkb_feedback_votes_total{{helpful=\"no\"}} {}\n",
                     votes_[1], votes_[0]);
  for (const auto& [name, value] : gauges) {
    out += fmt::format("# TYPE {} gauge\n{} {}\n", name, name, value);
  }
  return out;
}

}  // namespace kb
