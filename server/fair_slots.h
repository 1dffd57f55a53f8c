// Slots for work that must not all run at once, given out first come first
// served (server/http_server.cpp: the public's searches).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <condition_variable>
#include <deque>
#include <mutex>

namespace kb {

// At most n holders at once, and a caller waiting for a slot gets it in the
// order it came: a freed slot is handed to the first in line, so one that
// just arrived cannot take it past those waiting. std::counting_semaphore
// wakes waiters in no set order: with it, at 32 connections on 2 cores the
// slowest 1% of first-time searches waited over ten times the median
// (bench/RESULTS.md, "Cold search (issue 16), fifth slice").
class FairSlots {
 public:
  explicit FairSlots(int n) : free_(n) {}

  // Whether a slot was taken within `wait`.
  bool try_acquire_for(std::chrono::steady_clock::duration wait) {
    std::unique_lock lock(mu_);
    if (free_ > 0 && line_.empty()) {
      --free_;
      return true;
    }
    Waiter me;
    line_.push_back(&me);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!me.granted) {
      if (me.cv.wait_until(lock, deadline) == std::cv_status::timeout && !me.granted) {
        line_.erase(std::find(line_.begin(), line_.end(), &me));
        return false;
      }
    }
    return true;
  }

  // Callers waiting for a slot now.
  size_t waiting() const {
    std::lock_guard lock(mu_);
    return line_.size();
  }

  void release() {
    std::lock_guard lock(mu_);
    if (line_.empty()) {
      ++free_;
      return;
    }
    Waiter* first = line_.front();
    line_.pop_front();
    first->granted = true;
    first->cv.notify_one();
  }

 private:
  struct Waiter {
    std::condition_variable cv;
    bool granted = false;
  };
  mutable std::mutex mu_;
  std::deque<Waiter*> line_;  // oldest first
  int free_;
};

}  // namespace kb
