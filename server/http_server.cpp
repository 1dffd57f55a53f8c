#include "server/http_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include <fmt/format.h>
#include <httplib.h>

namespace kb {
namespace {

// Connections waiting to be accepted; httplib's compiled-in value is 5, which
// makes bursts of new connections wait for SYN retries.
constexpr int kListenBacklog = 1024;
// httplib closes a keep-alive connection after this many requests (default 5).
constexpr size_t kKeepAliveMaxRequests = 100000;
constexpr time_t kKeepAliveTimeoutSec = 5;
constexpr time_t kReadTimeoutSec = 10;
constexpr size_t kMaxBodyBytes = 64 * 1024;

Request to_request(const httplib::Request& in) {
  Request r;
  r.method = in.method;
  r.path = in.path;
  r.params.insert(in.params.begin(), in.params.end());
  for (const auto& [k, v] : in.headers) {
    std::string key = k;
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace(std::move(key), v);
  }
  r.body = in.body;
  r.remote_addr = in.remote_addr;
  return r;
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

HttpServer::HttpServer(App& app, HttpServerOptions options)
    : app_(app), options_(std::move(options)), server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  const size_t threads = static_cast<size_t>(options_.threads);
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(kKeepAliveMaxRequests);
  s.set_keep_alive_timeout(kKeepAliveTimeoutSec);
  s.set_read_timeout(kReadTimeoutSec, 0);
  s.set_payload_max_length(kMaxBodyBytes);
  s.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    listen_fd_ = sock;
  });

  auto handler = [this](const httplib::Request& in, httplib::Response& out) {
    const auto start = std::chrono::steady_clock::now();
    Response r = app_.handle(to_request(in));
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

  // Errors httplib raises itself (malformed request, body too large, URI too long).
  s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string msg = res.status == 413   ? "request body too large"
                            : res.status == 414 ? "request URI too long"
                                                : "malformed request";
    res.set_content(fmt::format(R"({{"error":{{"code":"bad_request","message":"{}"}}}})", msg),
                    "application/json; charset=utf-8");
  });
  if (options_.access_log) {
    s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      // One line per request. Never log the Authorization header.
      std::string timing = res.get_header_value("Server-Timing");
      std::string dur = timing.size() > 8 ? timing.substr(8) : "-";
      std::fprintf(stderr, "%s %s \"%s %s\" %d %zu %sms\n", utc_now().c_str(), req.remote_addr.c_str(),
                   req.method.c_str(), req.target.c_str(), res.status, res.body.size(), dur.c_str());
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
