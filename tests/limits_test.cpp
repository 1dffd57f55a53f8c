// Abuse limits: per-address and per-token allowances answered with 429 and
// Retry-After; static files never counted; staff unaffected by the public.
// Hostile load: request sizes, slow clients, connection and search floods.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "server/params.h"
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

TEST_CASE("limits: each staff token has its own allowance, wherever it comes from") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  AppOptions options = test::app_options("Test");
  options.public_rate = 100;
  options.public_burst = 100;
  options.staff_rate = 1;
  options.staff_burst = 3;
  options.real_ip_header = "x-forwarded-for";
  test::TestServer server(dir / "index", options);
  const std::string busy = *server.tokens().create("busy-agent");
  const std::string other = *server.tokens().create("other-agent", Role::kWriter);
  auto c = server.client();
  auto get = [&](const std::string& from, const std::string& bearer) {
    httplib::Headers h{{"X-Forwarded-For", from}, {"Authorization", "Bearer " + bearer}};
    auto res = c.Get("/api/v1/search?q=ledger", h);
    REQUIRE(res);
    return res;
  };
  // Three from one address, a fourth from another: the token is counted, not the address.
  for (int i = 0; i < 3; ++i) CHECK(get("203.0.113.1", busy)->status == 200);
  auto refused = get("203.0.113.50", busy);
  CHECK(refused->status == 429);
  CHECK(std::stoi(refused->get_header_value("Retry-After")) >= 1);
  CHECK(nlohmann::json::parse(refused->body)["error"]["code"] == "rate_limited");
  // Another token at the same address, and the public there, go on.
  CHECK(get("203.0.113.1", other)->status == 200);
  CHECK(c.Get("/api/v1/search?q=ledger", httplib::Headers{{"X-Forwarded-For", "203.0.113.1"}})->status == 200);
}

// ---------------------------------------------------------------------------
// Hostile load (issue 6): oversized or trickled requests, idle floods and
// search floods are bounded by HttpLimits. Each test runs its own server with
// limits small enough to take well under a second.

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The fixture help center indexed, and served by an in-process kb-server
// with the given limits and worker threads.
class LimitedServer {
 public:
  LimitedServer(HttpLimits limits, int threads) {
    test::write_fixture(dir_ / "content");
    test::index_folder(dir_ / "content", dir_ / "index");
    layout_ = std::make_unique<IndexLayout>(dir_ / "index");
    search_ = std::make_unique<SearchService>(*layout_);
    auto t = Templates::load(test::templates_dir());
    REQUIRE(t.is_ok());
    templates_ = std::make_unique<Templates>(std::move(t.value()));
    tokens_ = std::make_unique<TokenStore>(layout_->auth_db());
    agent_ = *tokens_->create("agent");
    app_ = std::make_unique<App>(*search_, tokens_.get(), *templates_, metrics_, test::app_options("Test"));
    server_ = std::make_unique<HttpServer>(*app_, HttpServerOptions{"127.0.0.1", 0, threads, false}, limits);
    auto port = server_->bind();
    REQUIRE(port.is_ok());
    port_ = *port;
    thread_ = std::thread([this] { server_->serve(); });
    server_->wait_until_ready();
  }
  ~LimitedServer() {
    server_->stop();
    thread_.join();
  }
  int port() const { return port_; }
  const std::string& agent() const { return agent_; }

 private:
  test::TempDir dir_;
  std::unique_ptr<IndexLayout> layout_;
  std::unique_ptr<SearchService> search_;
  std::unique_ptr<Templates> templates_;
  std::unique_ptr<TokenStore> tokens_;
  std::string agent_;
  Metrics metrics_;
  std::unique_ptr<App> app_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

// Sends what it can; false when the server closed the connection first.
bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Everything the server sends until it closes, or until `seconds` pass
// (then `closed` is false).
std::string read_until_closed(int fd, double seconds, bool* closed = nullptr) {
  std::string got;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) break;
    char buf[65536];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      if (closed) *closed = true;
      return got;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  if (closed) *closed = false;
  return got;
}

// The status of the first response in `raw` ("HTTP/1.1 431 ..."), or 0.
int status_of(const std::string& raw) {
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12) return 0;
  return std::atoi(raw.c_str() + 9);
}

std::string body_of(const std::string& raw) {
  const size_t at = raw.find("\r\n\r\n");
  return at == std::string::npos ? "" : raw.substr(at + 4);
}

// One whole exchange on a fresh connection.
std::string exchange(int port, const std::string& request, double seconds = 5) {
  const int fd = test::connect_loopback(port);
  send_all(fd, request);
  std::string got = read_until_closed(fd, seconds);
  ::close(fd);
  return got;
}

std::string get_request(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers + "Connection: close\r\n\r\n";
}

HttpLimits fast_limits() {
  HttpLimits l;
  l.head_timeout = std::chrono::milliseconds(400);
  l.body_timeout = std::chrono::milliseconds(400);
  l.write_timeout = std::chrono::milliseconds(400);
  l.idle_timeout = std::chrono::milliseconds(400);
  l.busy_idle_timeout = std::chrono::milliseconds(20);
  return l;
}

}  // namespace

TEST_CASE("limits: oversized requests are answered at once with a JSON error and closed") {
  LimitedServer server(fast_limits(), 2);
  std::string thousand_headers;
  for (int i = 0; i < 1000; ++i) thousand_headers += fmt::format("X-Header-{}: v\r\n", i);
  struct Row {
    const char* what;
    std::string request;
    int status;
    const char* code;
  };
  const Row rows[] = {
      {"100 KB URI", get_request("/api/v1/search?q=" + std::string(100 * 1024, 'a')), 414, "uri_too_long"},
      {"a request line just over 8 KB", get_request("/search?q=" + std::string(8200, 'a')), 414, "uri_too_long"},
      {"1000 headers", get_request("/healthz", thousand_headers), 431, "headers_too_large"},
      {"101 headers", get_request("/healthz", thousand_headers.substr(0, thousand_headers.find("X-Header-101"))), 431,
       "headers_too_large"},
      {"a 1 MB header", get_request("/healthz", "X-Big: " + std::string(1 << 20, 'b') + "\r\n"), 431,
       "headers_too_large"},
      {"a 10 MB body announced", "POST /api/v1/similar HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\nabc",
       413, "too_large"},
      {"the bound on q, in bytes", get_request("/api/v1/search?q=" + std::string(kMaxQueryBytes + 1, 'a')), 400,
       "invalid_parameter"},
      {"the bound on q for suggestions", get_request("/api/v1/suggest?q=" + std::string(kMaxQueryBytes + 1, 'a')),
       400, "invalid_parameter"},
      {"100 headers are fine", get_request("/healthz", thousand_headers.substr(0, thousand_headers.find("X-Header-98"))),
       200, ""},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    const auto start = Clock::now();
    const std::string got = exchange(server.port(), row.request);
    CHECK(seconds_since(start) < 2);
    CHECK(status_of(got) == row.status);
    if (row.status != 200) {
      auto j = nlohmann::json::parse(body_of(got), nullptr, false);
      REQUIRE(j.is_object());
      CHECK(j["error"]["code"] == row.code);
      if (row.status == 400) CHECK(j["error"]["message"].get<std::string>().find("'q'") != std::string::npos);
    }
  }
  CHECK(status_of(exchange(server.port(), get_request("/healthz"))) == 200);
}

TEST_CASE("limits: slow clients are cut off after the head or body time, idle ones after the idle time") {
  LimitedServer server(fast_limits(), 2);
  const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  struct Row {
    const char* what;
    std::string first;    // sent at once
    std::string trickle;  // then one byte every 50 ms
    int status;           // of what the server answers before closing; 0: nothing
  };
  const Row rows[] = {
      {"headers one byte at a time (slowloris)", "", head, 408},
      {"a body that never finishes", "POST /api/v1/similar HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
       std::string(1000, 'x'), 400},
      {"connected, never sending", "", "", 0},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    const int fd = test::connect_loopback(server.port());
    const auto start = Clock::now();
    send_all(fd, row.first);
    bool closed = false;
    std::string got;
    for (size_t i = 0; i < row.trickle.size() && !closed; ++i) {
      if (!send_all(fd, row.trickle.substr(i, 1))) break;
      got += read_until_closed(fd, 0.05, &closed);
    }
    if (!closed) got += read_until_closed(fd, 3, &closed);
    ::close(fd);
    CHECK(closed);
    CHECK(status_of(got) == row.status);
    // 400 ms allowed; the whole trickle would take 2.5 s or more.
    CHECK(seconds_since(start) < 1.5);
  }
  CHECK(status_of(exchange(server.port(), head)) == 200);
}

TEST_CASE("limits: pipelined requests on one keep-alive connection are each answered") {
  LimitedServer server(fast_limits(), 2);
  const std::string ticket = R"({"subject":"refund","body":"card refund?"})";
  const std::string post = "POST /api/v1/similar HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
                           fmt::format("Content-Length: {}\r\n\r\n", ticket.size()) + ticket;
  const std::string keep = "GET /api/v1/search?q=ledger HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string got = exchange(server.port(), keep + post + keep + get_request("/healthz"));
  size_t responses = 0;
  for (size_t at = got.find("HTTP/1.1 200 OK"); at != std::string::npos; at = got.find("HTTP/1.1 200 OK", at + 1)) {
    ++responses;
  }
  CHECK(responses == 4);
}

TEST_CASE("limits: public searches beyond the search slots get 503 busy, staff searches go on") {
  HttpLimits limits = fast_limits();
  limits.search_slots = 1;
  limits.search_wait = std::chrono::milliseconds(0);
  LimitedServer server(limits, 8);
  std::atomic<int> ok{0}, busy{0}, staff_ok{0}, other{0};
  std::atomic<bool> retry_after_missing{false};
  const auto until = Clock::now() + std::chrono::seconds(5);
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", server.port());
      httplib::Headers h;
      if (t == 0) h.emplace("Authorization", "Bearer " + server.agent());
      // Odd clients use Meilisearch's API: its 503 has that API's error
      // shape and the CORS header, so a page elsewhere can read it.
      const bool meili = t % 2 == 1;
      while (Clock::now() < until && (busy < 5 || staff_ok < 20)) {
        auto res = c.Get(meili ? "/indexes/kb/search?q=ledger%20reports" : "/api/v1/search?q=ledger%20reports", h);
        if (!res) {
          ++other;
        } else if (res->status == 200) {
          ++(t == 0 ? staff_ok : ok);
        } else if (res->status == 503 && t != 0) {
          ++busy;
          if (res->get_header_value("Retry-After") != "1") retry_after_missing = true;
          const auto body = nlohmann::json::parse(res->body, nullptr, false);
          if (meili ? body["code"] != "too_many_search_requests" || res->get_header_value("Access-Control-Allow-Origin") != "*"
                    : body["error"]["code"] != "busy") {
            ++other;
          }
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& c : clients) c.join();
  INFO("public 200: " << ok << ", public 503: " << busy << ", staff 200: " << staff_ok);
  CHECK(busy >= 5);
  CHECK(ok > 0);
  CHECK(staff_ok >= 20);
  CHECK(other == 0);  // staff never 503, no failed requests
  CHECK_FALSE(retry_after_missing);
}

TEST_CASE("limits: with more connections waiting than allowed, the public gets 503 at once and staff are served") {
  HttpLimits limits = fast_limits();
  limits.max_queued_connections = 2;
  LimitedServer server(limits, 1);
  // The only worker thread is held by a slow head until its 408.
  const int slow = test::connect_loopback(server.port());
  send_all(slow, "GET /healthz HTTP/1.1\r\n");
  const int visitor = test::connect_loopback(server.port());
  send_all(visitor, get_request("/api/v1/search?q=ledger"));
  const int agent = test::connect_loopback(server.port());
  send_all(agent, get_request("/api/v1/search?q=ledger", "Authorization: Bearer " + server.agent() + "\r\n"));
  std::vector<int> idle;
  for (int i = 0; i < 5; ++i) idle.push_back(test::connect_loopback(server.port()));
  const std::string answer = read_until_closed(visitor, 5);
  CHECK(status_of(answer) == 503);
  CHECK(answer.find("Retry-After: 1\r\n") != std::string::npos);
  CHECK(status_of(read_until_closed(agent, 5)) == 200);
  CHECK(status_of(read_until_closed(slow, 5)) == 408);
  for (int fd : idle) {
    bool closed = false;
    CHECK(read_until_closed(fd, 5, &closed).empty());
    CHECK(closed);
    ::close(fd);
  }
  for (int fd : {slow, visitor, agent}) ::close(fd);
  CHECK(status_of(exchange(server.port(), get_request("/api/v1/search?q=ledger"))) == 200);
}

TEST_CASE("limits: a flood of idle connections does not keep others waiting") {
  HttpLimits limits = fast_limits();
  limits.idle_timeout = std::chrono::seconds(5);  // as in production: only the busy rule frees threads
  LimitedServer server(limits, 4);
  std::vector<int> flood;
  for (int i = 0; i < 300; ++i) flood.push_back(test::connect_loopback(server.port()));
  // Without giving way each would hold a thread 5 s: 300 / 4 * 5 s.
  const auto start = Clock::now();
  const int status = status_of(exchange(server.port(), get_request("/api/v1/search?q=ledger"), 10));
  CHECK((status == 200 || status == 503));
  CHECK(seconds_since(start) < 5);
  CHECK(test::eventually([&] { return status_of(exchange(server.port(), get_request("/healthz"))) == 200; }, 10));
  for (int fd : flood) ::close(fd);
  CHECK(status_of(exchange(server.port(), get_request("/api/v1/search?q=ledger"))) == 200);
}

TEST_CASE("crash safety: a run after killed publishes removes their folders and keeps the published revisions") {
  // What `kill -9` of kb-index leaves (bench/crash.sh): folders newer than
  // CURRENT, half copied, and maybe CURRENT.tmp. They used to pile up (a
  // copy of the whole index per killed run) and, being the newest, to be
  // kept by collect_garbage while the revisions readers use were deleted.
  test::TempDir dir;
  test::write_fixture(dir / "content");
  const IndexLayout layout(dir / "index");
  auto edit_and_index = [&](const std::string& word) {
    std::ofstream(dir / "content/en/reports.md", std::ios::app) << "\n\nNow with " << word << ".\n";
    test::index_folder(dir / "content", dir / "index");
  };
  edit_and_index("first");
  edit_and_index("second");
  REQUIRE(layout.current() == "r00000002");
  for (const char* name : {"r00000003", "r00000004", "r00000005"}) {
    test::write_file(layout.revision_dir(name) / "catalog.db", "half a copy");
    fs::create_directories(layout.revision_dir(name) / "xapian");
  }
  test::write_file(layout.root() / "CURRENT.tmp", "r00000005\n");
  edit_and_index("zanzibarish");
  CHECK(layout.current() == "r00000003");
  CHECK(fs::exists(layout.revision_dir("r00000001")));  // the three newest published ones stay
  CHECK(fs::exists(layout.revision_dir("r00000002")));
  CHECK_FALSE(fs::exists(layout.revision_dir("r00000004")));
  CHECK_FALSE(fs::exists(layout.revision_dir("r00000005")));
  CHECK_FALSE(fs::exists(layout.root() / "CURRENT.tmp"));
  test::TestServer server(dir / "index");
  auto [status, j] = server.get_json("/api/v1/search?q=zanzibarish&correct=0");
  CHECK(status == 200);
  CHECK(j["total"] == 1);
}
