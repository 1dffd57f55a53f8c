// The cpp-httplib adapter: the only file that knows the HTTP library.
// Converts httplib requests to kb::Request, calls App, writes the Response,
// logs one line per request, and tunes the library's baked-in defaults
// (DESIGN.md "Known traps": TCP_NODELAY, keep-alive count, listen backlog,
// thread pool size).
//
// It also reads each request's head itself, so that what one client can make
// the server hold is bounded (issue 6, HttpLimits): cpp-httplib 0.11.4 reads
// a request line or header of any length into memory, keeps any number of
// headers, and times out only a single recv(), so a client trickling a byte
// every few seconds holds a worker thread for ever.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "server/routes.h"

namespace httplib {
class Server;
}

namespace kb {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  int threads = 32;
  bool access_log = true;
};

// What one client may make the server hold. Beyond a size: 414 or 431 and
// the connection closed; beyond a time: 408 (or nothing) and closed. Every
// answer given here is a JSON error.
struct HttpLimits {
  using Millis = std::chrono::milliseconds;
  size_t max_request_line = 8192;  // "GET /path?query HTTP/1.1" with CRLF; longer: 414
  size_t max_head_bytes = 32 * 1024;  // request line and headers together; more: 431
  size_t max_headers = 100;  // header lines; more: 431
  size_t max_body_bytes = 64 * 1024;  // more: 413
  Millis head_timeout{10000};   // first byte of a request to the end of its headers
  Millis body_timeout{10000};   // end of the headers to the end of the body
  Millis write_timeout{10000};  // the whole response
  // A connection waits this long for its next request (and for its first).
  Millis idle_timeout{5000};
  // ... but only this long while other connections wait for a worker
  // thread, so idle connections cannot starve new ones (a keep-alive
  // connection holds a thread in cpp-httplib).
  Millis busy_idle_timeout{100};
  // Connections waiting for a thread beyond which new ones are answered 503
  // at once (staff requests excepted); 0: 8 per thread.
  int max_queued_connections = 0;
  // Searches the public may run at once (search, suggest, answer, similar,
  // /search, /embed), taken in the order they come; 0: twice the machine's
  // cores, at most half the threads. Requests carrying a token or a session
  // cookie are not counted: staff keep their reserve.
  int search_slots = 0;
  // How long a search waits for a slot before the answer is 503 + Retry-After.
  Millis search_wait{1000};
};

class HttpServer {
 public:
  HttpServer(App& app, HttpServerOptions options, HttpLimits limits = {});
  ~HttpServer();

  // Binds; returns the bound port, or a Status naming host and port.
  Result<int> bind();
  // Serves until stop(); returns false when serving failed.
  bool serve();
  // Thread-safe; makes serve() return after in-flight requests finish.
  void stop();
  // Blocks until the server accepts connections (for tests).
  void wait_until_ready() const;

 private:
  class Core;
  App& app_;
  HttpServerOptions options_;
  std::unique_ptr<Core> server_;
  int listen_fd_ = -1;
};

}  // namespace kb
