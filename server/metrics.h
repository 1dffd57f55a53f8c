// Request counters and latency histograms, rendered in the Prometheus text
// format for GET /metrics. Thread-safe; owned by the App (no globals).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace kb {

class Metrics {
 public:
  void record(const std::string& route, int status, double seconds);
  // The steps of one search the result cache did not answer
  // (kb_search_step_duration_seconds{step="plan|match|present"}).
  void record_search_steps(double plan_seconds, double match_seconds, double present_seconds);
  // What the search log and feedback count, as counters since the start
  // (docs/insights.md): kb_searches_total{audience}, with
  // kb_search_zero_results_total{audience}; kb_result_clicks_total{audience};
  // kb_contact_clicks_total{audience}; kb_feedback_votes_total{helpful}.
  enum class Event { kSearch, kZeroResults, kResultClick, kContact };
  void record_event(Event event, bool agent);
  void record_vote(bool helpful);
  // `gauges` are extra lines' values, e.g. {"kb_index_articles", 42}.
  std::string render(const std::map<std::string, double>& gauges) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   1.0};
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  static void observe(Histogram& h, double seconds);
  std::map<std::string, Histogram> latency_;
  std::array<Histogram, 3> steps_;  // plan, match, present
  std::array<std::array<uint64_t, 2>, 4> events_{};  // [Event][agent]
  std::array<uint64_t, 2> votes_{};                 // [helpful]
};

}  // namespace kb
