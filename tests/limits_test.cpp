// Abuse limits: per-address and per-token allowances answered with 429 and
// Retry-After; static files never counted; staff unaffected by the public.
#include <catch2/catch.hpp>

#include "server/rate_limit.h"
#include "tests/test_util.h"

using namespace kb;

TEST_CASE("rate limiter: bursts, then the average rate, per key") {
  RateLimiter limits(10, 3);
  int retry = 0;
  for (int i = 0; i < 3; ++i) CHECK(limits.allow("a", &retry));
  CHECK_FALSE(limits.allow("a", &retry));
  CHECK(retry == 1);
  CHECK(limits.allow("b", &retry));  // another client is not affected
  std::this_thread::sleep_for(std::chrono::milliseconds(120));  // one more request's worth
  CHECK(limits.allow("a", &retry));
  CHECK(RateLimiter(0, 0).allow("x", &retry));  // 0: no limit
}

TEST_CASE("limits: 429 with Retry-After for a busy address, assets, other addresses and agents go on") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  AppOptions options = test::app_options("Test");
  options.public_rate = 1;
  options.public_burst = 3;
  options.staff_rate = 100;
  options.staff_burst = 100;
  options.real_ip_header = "x-forwarded-for";
  test::TestServer server(dir / "index", options);
  const std::string token = *server.tokens().create("agent");
  auto c = server.client();
  auto get = [&](const std::string& target, const std::string& from, const std::string& bearer = "") {
    httplib::Headers h{{"X-Forwarded-For", "198.51.100.7, " + from}};
    if (!bearer.empty()) h.emplace("Authorization", "Bearer " + bearer);
    auto res = c.Get(target.c_str(), h);
    REQUIRE(res);
    return res;
  };
  for (int i = 0; i < 3; ++i) CHECK(get("/api/v1/search?q=ledger", "203.0.113.1")->status == 200);
  auto refused = get("/search?q=ledger", "203.0.113.1");
  CHECK(refused->status == 429);
  CHECK(std::stoi(refused->get_header_value("Retry-After")) >= 1);
  auto api = get("/api/v1/search?q=ledger", "203.0.113.1");
  CHECK(api->status == 429);
  CHECK(nlohmann::json::parse(api->body)["error"]["code"] == "rate_limited");
  // Not counted: the page's own files, health checks.
  for (int i = 0; i < 10; ++i) CHECK(get("/static/style.css", "203.0.113.1")->status == 200);
  CHECK(get("/healthz", "203.0.113.1")->status == 200);
  // The proxy's own address is not the visitor's: another visitor goes on.
  CHECK(get("/api/v1/search?q=ledger", "203.0.113.2")->status == 200);
  // Wrong tokens count against the address: guessing is throttled too.
  CHECK(get("/api/v1/search?q=ledger", "203.0.113.9", "kb_guess1")->status == 401);
  CHECK(get("/api/v1/search?q=ledger", "203.0.113.9", "kb_guess2")->status == 401);
  CHECK(get("/api/v1/search?q=ledger", "203.0.113.9", "kb_guess3")->status == 401);
  CHECK(get("/api/v1/search?q=ledger", "203.0.113.9", "kb_guess4")->status == 429);
  // One IPv6 /64 is one visitor.
  for (int i = 1; i <= 3; ++i) CHECK(get("/api/v1/search?q=ledger", "2001:db8:1:2::" + std::to_string(i))->status == 200);
  CHECK(get("/api/v1/search?q=ledger", "2001:db8:1:2:ffff::9")->status == 429);
  // An agent behind the same address has an allowance of its own.
  for (int i = 0; i < 10; ++i) CHECK(get("/api/v1/search?q=ledger", "203.0.113.1", token)->status == 200);
}
