// Per-client request allowances (token buckets): a visitor's address or a
// staff token gets `per_second` requests a second on average and bursts of
// up to `burst`; beyond that kb-server answers 429 with Retry-After.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kb {

class RateLimiter {
 public:
  // per_second <= 0: no limit.
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}

  // Takes one request from `key`'s allowance. False when it is spent, with
  // the whole seconds until the next request is allowed in `retry_after`.
  bool allow(const std::string& key, int* retry_after);

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  double rate_, burst_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace kb
