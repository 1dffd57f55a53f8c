// The cpp-httplib adapter: the only file that knows the HTTP library.
// Converts httplib requests to kb::Request, calls App, writes the Response,
// logs one line per request, and tunes the library's baked-in defaults
// (DESIGN.md "Known traps": TCP_NODELAY, keep-alive count, listen backlog,
// thread pool size).
#pragma once

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

class HttpServer {
 public:
  HttpServer(App& app, HttpServerOptions options);
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
  App& app_;
  HttpServerOptions options_;
  std::unique_ptr<httplib::Server> server_;
  int listen_fd_ = -1;
};

}  // namespace kb
