#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "server/fair_slots.h"
#include "tests/test_util.h"

using namespace kb;
using namespace std::chrono_literals;

TEST_CASE("fair slots: a freed slot goes to the caller that has waited longest") {
  const int n = 6;
  FairSlots slots(1);
  REQUIRE(slots.try_acquire_for(0s));
  std::mutex mu;
  std::vector<int> order;  // -1: a caller got no slot
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) {
    // Each joins the line only after the one before it has.
    callers.emplace_back([&, i] {
      const bool got = slots.try_acquire_for(30s);  // (Catch's REQUIRE is for the main thread)
      {
        std::lock_guard lock(mu);
        order.push_back(got ? i : -1);
      }
      if (got) slots.release();
    });
    REQUIRE(test::eventually([&] { return slots.waiting() == static_cast<size_t>(i + 1); }));
  }
  slots.release();
  for (auto& t : callers) t.join();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4, 5});
  CHECK(slots.waiting() == 0);
}

TEST_CASE("fair slots: a caller that gives up leaves the line, and the slot goes to the next") {
  FairSlots slots(1);
  REQUIRE(slots.try_acquire_for(0s));
  CHECK_FALSE(slots.try_acquire_for(20ms));  // gives up: the slot is held
  CHECK(slots.waiting() == 0);
  std::atomic<bool> got{false};
  std::thread later([&] { got = slots.try_acquire_for(30s); });
  REQUIRE(test::eventually([&] { return slots.waiting() == 1; }));
  slots.release();
  later.join();
  CHECK(got);
  // The one who gave up did not keep a slot: the holder's release frees it.
  slots.release();
  CHECK(slots.try_acquire_for(0s));
}

TEST_CASE("fair slots: n at once, no more") {
  FairSlots slots(3);
  for (int i = 0; i < 3; ++i) CHECK(slots.try_acquire_for(0s));
  CHECK_FALSE(slots.try_acquire_for(1ms));
  slots.release();
  CHECK(slots.try_acquire_for(0s));
}
