#include "server/rate_limit.h"

#include <algorithm>
#include <cmath>

namespace kb {
namespace {

// Buckets kept before idle (full) ones are dropped, so that a scan from many
// addresses cannot grow the map without bound.
constexpr size_t kMaxBuckets = 100000;

}  // namespace

bool RateLimiter::allow(const std::string& key, int* retry_after) {
  if (rate_ <= 0) return true;
  const auto now = Clock::now();
  std::lock_guard lock(mu_);
  if (buckets_.size() >= kMaxBuckets) {
    std::erase_if(buckets_, [&](const auto& kv) {
      return kv.second.tokens + std::chrono::duration<double>(now - kv.second.last).count() * rate_ >= burst_;
    });
    if (buckets_.size() >= kMaxBuckets) buckets_.clear();  // bounded, whatever is thrown at it
  }
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  if (retry_after) *retry_after = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / rate_)));
  return false;
}

}  // namespace kb
