#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>

#include "core/text.h"
#include "server/fair_slots.h"
#include "server/params.h"
#include "server/web.h"

namespace kb {
namespace {

using Clock = std::chrono::steady_clock;

// Connections waiting to be accepted; httplib's compiled-in value is 5, which
// makes bursts of new connections wait for SYN retries.
constexpr int kListenBacklog = 1024;
// Requests on one keep-alive connection (httplib's default closes after 5).
constexpr size_t kKeepAliveMaxRequests = 100000;
// After an answer given before the request was read whole (408, 413, 414,
// 431, 503), what the client still sends is read and dropped until it pauses
// for kLingerQuiet, for at most kLingerTime or kLingerBytes; then the
// connection is closed. Closing a socket with unread data resets it, and the
// client may lose the answer; a client that sends nothing more costs the
// thread only kLingerQuiet.
constexpr auto kLingerTime = std::chrono::milliseconds(1000);
constexpr auto kLingerQuiet = std::chrono::milliseconds(50);
constexpr size_t kLingerBytes = 16 << 20;
// How often an idle connection's thread checks whether others wait for it.
constexpr int kIdleSliceMs = 20;

Request to_request(const httplib::Request& in) {
  Request r;
  r.method = in.method;
  r.path = in.path;
  // One Unicode form for what visitors type, the one the index holds (a
  // keyboard may send "ả" as "a" and a combining hook).
  for (const auto& [k, v] : in.params) r.params.emplace(k, to_nfc(v));
  for (const auto& [k, v] : in.headers) {
    std::string key = k;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(std::move(key), v);
  }
  r.body = in.body;
  r.remote_addr = in.remote_addr;
  return r;
}

std::string utc_now() { return iso_utc(std::time(nullptr)); }


// Routes that run a search, and so take a search slot when the public asks.
bool is_search_path(const std::string& path) {
  return std::find(std::begin(paths::kSearching), std::end(paths::kSearching), path) != std::end(paths::kSearching);
}

// A token or a session cookie: App authenticates it (a wrong token is a 401
// counted against the address; a stale cookie is served as the public, and
// still within App's public slots).
bool has_credentials(const Request& r) {
  if (r.header("authorization")) return true;
  const std::string* cookie = r.header("cookie");
  return cookie && cookie->find("kb_session=") != std::string::npos;
}

std::string error_body(std::string_view code, std::string_view message) {
  return fmt::format(R"({{"error":{{"code":"{}","message":"{}"}}}})", code, message);
}

std::string meili_error_body(std::string_view code, std::string_view message) {
  return fmt::format(R"({{"message":"{}","code":"{}","type":"internal","link":null}})", message, code);
}

const char* reason(int status) {
  switch (status) {
    case 408: return "Request Timeout";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Bad Request";
  }
}

int millis_until(Clock::time_point deadline) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, 24 * 3600 * 1000));
}

// Waits until `fd` is ready for `events` or `deadline` passes. Ready includes
// a closed or failed socket: the next recv() or send() tells which.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, millis_until(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

// httplib's ThreadPool plus a count of the connections waiting for a thread,
// which the connections being served look at to give way (see HttpLimits).
class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t threads, std::atomic<int>& waiting) : waiting_(waiting) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      jobs_.push_back(std::move(fn));
      ++waiting_;
    }
    cv_.notify_one();
  }

  // Runs what is queued (each connection sees the server stopping and
  // closes), then joins the threads.
  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        --waiting_;
      }
      job();
    }
  }

  std::atomic<int>& waiting_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

enum class Head { kComplete, kClosed, kTimeout, kLineTooLong, kTooLarge, kTooManyHeaders };

// One client connection as httplib's parser sees it. We read and check each
// request's head (request line and headers) ourselves, against sizes and a
// deadline for the whole head; httplib then parses it from our buffer and
// reads the body from the socket under a deadline for the whole body. All
// socket calls are non-blocking after a poll() bounded by the deadline, so
// no client can hold a thread longer than the limits say, however it
// trickles bytes.
class Connection : public httplib::Stream {
 public:
  Connection(int fd, const HttpLimits& limits) : fd_(fd), limits_(limits) {}

  bool has_buffered() const { return pos_ < buf_.size(); }
  // A read of the body failed (its deadline passed, or the client left): what
  // follows on the connection is not a request.
  bool read_failed() const { return read_failed_; }

  // Reads until the buffer holds a whole request head; its size in `head_size`.
  Head read_head(size_t* head_size) {
    buf_.erase(0, pos_);
    pos_ = 0;
    const auto deadline = Clock::now() + limits_.head_timeout;
    size_t scanned = 0;  // the head's end is not before this (less 3)
    for (;;) {
      const size_t eol = buf_.find("\r\n");
      if ((eol == std::string::npos ? buf_.size() : eol + 2) > limits_.max_request_line) return Head::kLineTooLong;
      const size_t end = buf_.find("\r\n\r\n", scanned < 3 ? 0 : scanned - 3);
      if (end != std::string::npos) {
        *head_size = end + 4;
        if (*head_size > limits_.max_head_bytes) return Head::kTooLarge;
        size_t lines = 0;  // header lines: CRLFs after the request line's
        for (size_t at = buf_.find("\r\n", eol + 2); at < end + 2; at = buf_.find("\r\n", at + 2)) ++lines;
        return lines > limits_.max_headers ? Head::kTooManyHeaders : Head::kComplete;
      }
      if (buf_.size() > limits_.max_head_bytes) return Head::kTooLarge;
      scanned = buf_.size();
      if (!wait_for(fd_, POLLIN, deadline)) return buf_.empty() ? Head::kClosed : Head::kTimeout;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) return Head::kClosed;
      buf_.append(chunk, static_cast<size_t>(n));
    }
  }

  // The head just read (lowercased), for a look before httplib parses it.
  std::string head(size_t head_size) const { return ascii_lower(std::string_view(buf_).substr(pos_, head_size)); }

  // Starts the deadlines of one request whose head is in the buffer.
  void start_request() {
    read_deadline_ = Clock::now() + limits_.body_timeout;
    write_deadline_.reset();
  }

  // Writes all of `data` before the write deadline.
  bool write_all(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = write(data.data(), data.size());
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Closes our side for writing, then reads and drops what the client still
  // sends, for a bounded time (see kLingerTime).
  void linger() {
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = Clock::now() + kLingerTime;
    size_t dropped = 0;
    char chunk[16384];
    while (dropped < kLingerBytes && wait_for(fd_, POLLIN, std::min(deadline, Clock::now() + kLingerQuiet))) {
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      dropped += static_cast<size_t>(n);
    }
  }

  // httplib::Stream
  bool is_readable() const override { return has_buffered() || wait_for(fd_, POLLIN, read_deadline_); }
  bool is_writable() const override {
    return wait_for(fd_, POLLOUT, write_deadline_.value_or(Clock::now() + limits_.write_timeout));
  }

  ssize_t read(char* ptr, size_t size) override {
    if (!has_buffered()) {
      buf_.clear();
      pos_ = 0;
      char chunk[4096];
      for (;;) {
        if (!wait_for(fd_, POLLIN, read_deadline_)) {
          read_failed_ = true;
          return -1;
        }
        const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
          read_failed_ = true;
          return n;
        }
        buf_.append(chunk, static_cast<size_t>(n));
        break;
      }
    }
    const size_t n = std::min(size, buf_.size() - pos_);
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!write_deadline_) write_deadline_ = Clock::now() + limits_.write_timeout;
    for (;;) {
      if (!wait_for(fd_, POLLOUT, *write_deadline_)) return -1;
      const ssize_t n = ::send(fd_, ptr, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) describe(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) describe(addr, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  static void describe(const sockaddr_storage& addr, std::string& ip, int& port) {
    char text[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
      const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
      if (inet_ntop(AF_INET, &a.sin_addr, text, sizeof text)) ip = text;
      port = ntohs(a.sin_port);
    } else if (addr.ss_family == AF_INET6) {
      const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
      if (inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text)) ip = text;
      port = ntohs(a.sin6_port);
    }
  }

  int fd_;
  const HttpLimits& limits_;
  std::string buf_;  // received, not yet consumed from pos_ on
  size_t pos_ = 0;
  bool read_failed_ = false;
  Clock::time_point read_deadline_ = Clock::now();
  std::optional<Clock::time_point> write_deadline_;
};

// Content-Length of a head, or nullopt when absent or unreadable (httplib
// then answers 400 itself).
std::optional<unsigned long long> content_length(const std::string& head) {
  const size_t at = head.find("\r\ncontent-length:");
  if (at == std::string::npos) return std::nullopt;
  const char* p = head.c_str() + at + 17;
  while (*p == ' ' || *p == '\t') ++p;
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(p, &end, 10);
  if (end == p || errno != 0) return std::nullopt;
  return n;
}

}  // namespace

// httplib's server with our own connection loop (process_and_close_socket is
// the library's one virtual hook for a connection): requests are still
// parsed, routed and answered by httplib (process_request), but read through
// Connection, under HttpLimits.
class HttpServer::Core : public httplib::Server {
 public:
  Core(const HttpLimits& limits, bool access_log, int search_slots)
      : searches(search_slots), limits_(limits), access_log_(access_log) {}

  std::atomic<int> waiting{0};  // connections accepted, waiting for a thread
  FairSlots searches;  // search slots for the public

 private:
  bool process_and_close_socket(socket_t sock) override {
    bool ok = false;
    {
      Connection c(sock, limits_);
      ok = serve(c);
    }
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  bool serve(Connection& c) {
    // Too many connections wait for a thread: this one is answered 503 at
    // once unless staff ask. Its head is read first (see kLingerTime).
    bool shed = limits_.max_queued_connections > 0 && waiting.load() > limits_.max_queued_connections;
    for (size_t count = kKeepAliveMaxRequests; count > 0; --count) {
      if (!wait_for_request(c)) return true;
      size_t head_size = 0;
      switch (c.read_head(&head_size)) {
        case Head::kComplete: break;
        case Head::kClosed: return false;
        case Head::kTimeout:
          return answer_early(c, 408, "request_timeout", "the request's headers did not arrive in time");
        case Head::kLineTooLong:
          return answer_early(c, 414, "uri_too_long",
                              fmt::format("the request line is longer than {} bytes", limits_.max_request_line));
        case Head::kTooLarge:
          return answer_early(c, 431, "headers_too_large",
                              fmt::format("the request's headers are larger than {} bytes", limits_.max_head_bytes));
        case Head::kTooManyHeaders:
          return answer_early(c, 431, "headers_too_large",
                              fmt::format("the request has more than {} headers", limits_.max_headers));
      }
      const std::string head = c.head(head_size);
      if (shed && head.find("\r\nauthorization:") == std::string::npos && head.find("kb_session=") == std::string::npos) {
        return answer_early(c, 503, "busy", "the help center is busy; try again in a moment");
      }
      shed = false;
      if (auto length = content_length(head); length && *length > limits_.max_body_bytes) {
        return answer_early(c, 413, "too_large",
                            fmt::format("the request body is larger than {} bytes", limits_.max_body_bytes));
      }
      c.start_request();
      bool closed = false;
      if (!process_request(c, count == 1, closed, nullptr)) return false;
      if (closed || c.read_failed()) return true;
    }
    return true;
  }

  // Waits for the first byte of the next request. False when the connection
  // should close instead: idle too long (much less long while others wait for
  // a thread), the server stopping.
  bool wait_for_request(Connection& c) {
    if (c.has_buffered()) return true;
    const auto start = Clock::now();
    for (;;) {
      if (svr_sock_ == INVALID_SOCKET) return false;
      const auto waited = Clock::now() - start;
      if (waited >= limits_.idle_timeout) return false;
      if (waited >= limits_.busy_idle_timeout && waiting.load() > 0) return false;
      pollfd p{c.socket(), POLLIN, 0};
      const int n = ::poll(&p, 1, kIdleSliceMs);
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) return false;
    }
  }

  // Answers before httplib has seen the request, and closes.
  bool answer_early(Connection& c, int status, std::string_view code, const std::string& message) {
    const std::string body = error_body(code, message);
    std::string out = fmt::format(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n"
        "Connection: close\r\nX-Content-Type-Options: nosniff\r\n{}\r\n",
        status, reason(status), body.size(), status == 503 ? "Retry-After: 1\r\n" : "");
    out += body;
    c.start_request();
    c.write_all(out);
    if (access_log_) {
      std::string ip = "-";
      int port = 0;
      c.get_remote_ip_and_port(ip, port);
      std::fprintf(stderr, "%s %s \"-\" %d %zu -\n", utc_now().c_str(), ip.c_str(), status, body.size());
    }
    c.linger();
    return true;
  }

  const HttpLimits limits_;
  const bool access_log_;
};

HttpServer::HttpServer(App& app, HttpServerOptions options, HttpLimits limits) : app_(app), options_(std::move(options)) {
  const int threads = std::max(1, options_.threads);
  if (limits.max_queued_connections == 0) limits.max_queued_connections = 8 * threads;
  // Twice the cores: a search is CPU work (the index in the page cache), and
  // more at once only stretches each one; the second pair covers a read from
  // disk. Never more than half the threads, which stay for staff and probes.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int search_slots = limits.search_slots > 0 ? limits.search_slots : std::max(1, std::min(2 * cores, threads / 2));
  server_ = std::make_unique<Core>(limits, options_.access_log, search_slots);
  auto& s = *server_;
  s.new_task_queue = [&s, threads] { return new WorkerPool(static_cast<size_t>(threads), s.waiting); };
  s.set_tcp_nodelay(true);
  // Keep-alive and read timeouts are Core's (HttpLimits); httplib's only
  // bound a single recv().
  s.set_payload_max_length(limits.max_body_bytes);
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    listen_fd_ = sock;
  });

  const auto search_wait = limits.search_wait;
  auto handler = [this, search_wait](const httplib::Request& in, httplib::Response& out) {
    const auto start = std::chrono::steady_clock::now();
    Request request = to_request(in);
    // Public searches take a slot; none free within search_wait: 503.
    struct Slot {
      FairSlots* held = nullptr;
      ~Slot() {
        if (held) held->release();
      }
    } slot;
    if (is_search_path(request.path) && request.method != "OPTIONS" && !has_credentials(request)) {
      if (!server_->searches.try_acquire_for(search_wait)) {
        out.status = 503;
        out.set_header("Retry-After", "1");
        out.set_header("X-Content-Type-Options", "nosniff");
        constexpr const char* kBusy = "too many searches at once; try again in a moment";
        if (request.path == paths::kMeiliSearch || request.path == paths::kMeiliMultiSearch) {
          // Meilisearch's error shape, readable by a page on another site.
          out.set_header("Access-Control-Allow-Origin", "*");
          out.set_content(meili_error_body("too_many_search_requests", kBusy), "application/json; charset=utf-8");
        } else {
          out.set_content(error_body("busy", kBusy), "application/json; charset=utf-8");
        }
        return;
      }
      slot.held = &server_->searches;
    }
    Response r = app_.handle(request);
    out.status = r.status;
    for (const auto& [k, v] : r.headers) out.set_header(k, v);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    out.set_header("Server-Timing", fmt::format("app;dur={:.3f}", ms));
    if (!r.body.empty() || r.status != 304) out.set_content(std::move(r.body), r.content_type);
  };
  // Every method reaches the App, which answers 405 where a route does not allow it.
  s.Get(".*", handler);
  s.Post(".*", handler);
  s.Put(".*", handler);
  s.Delete(".*", handler);
  s.Patch(".*", handler);
  s.Options(".*", handler);

  // Errors httplib raises itself (malformed request, body too large).
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string msg = res.status == 413   ? "request body too large"
                            : res.status == 414 ? "request URI too long"
                                                : "malformed request";
    res.set_content(error_body("bad_request", msg), "application/json; charset=utf-8");
  });
  if (options_.access_log) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // One line per request. Never a token: no Authorization or Cookie
      // header, and token values in the URL redacted.
      std::string timing = res.get_header_value("Server-Timing");
      std::string dur = timing.size() > 8 ? timing.substr(8) : "-";
      std::fprintf(stderr, "%s %s \"%s %s\" %d %zu %sms\n", utc_now().c_str(), req.remote_addr.c_str(),
                   req.method.c_str(), redact_target(req.target).c_str(), res.status, res.body.size(), dur.c_str());
    });
  }
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::bind() {
  int port = options_.port;
  if (port == 0) {
    port = server_->bind_to_any_port(options_.host);
    if (port < 0) return Status::error(fmt::format("cannot listen on {}: no free port", options_.host));
  } else if (!server_->bind_to_port(options_.host, port)) {
    return Status::error(fmt::format("cannot listen on {}:{} (in use, or not an address of this machine)",
                                     options_.host, port));
  }
  // Linux lets listen() be called again on the bound socket to raise the backlog.
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  return port;
}

bool HttpServer::serve() { return server_->listen_after_bind(); }

void HttpServer::stop() { server_->stop(); }

void HttpServer::wait_until_ready() const {
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

}  // namespace kb
