// Shared test helpers: temporary folders, fixture articles, and a real
// kb-server started in-process on port 0 and stopped by RAII.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "core/analytics.h"
#include "core/indexer.h"
#include "core/revision.h"
#include "core/searcher.h"
#include "core/tokens.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/render.h"
#include "server/routes.h"
#include "server/search_service.h"

namespace kb::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

void write_file(const fs::path& file, std::string_view text);

// An article file with front matter built from `front` (YAML lines) and a body.
std::string article(std::string_view front, std::string_view body);

// Writes the standard fixture help center (see test_util.cpp) into `dir`.
void write_fixture(const fs::path& dir);

// Runs the indexer (IndexOptions::shards: `shards`); fails the test when the
// run itself fails.
IndexReport index_folder(const fs::path& content, const fs::path& index, std::optional<size_t> shards = {});
// A Searcher on the index's published revision; fails the test when none opens.
std::unique_ptr<Searcher> open_current(const fs::path& index);

fs::path templates_dir();

// A program run to completion with stdout and stderr captured.
struct Run {
  int exit_code;  // -1 when killed by a signal
  std::string out;
  std::string err;
};
Run run(const std::vector<std::string>& args);

// Everything readable from `fd` until end of file.
std::string read_all(int fd);

// A program running in the background (kb-index --watch), its stderr going to
// a file; SIGTERM and reaped on destruction.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  // What it has written to stderr so far.
  std::string err() const;
  // Sends SIGTERM and waits: the exit code, -1 when killed by a signal.
  int stop();

 private:
  TempDir dir_;
  pid_t pid_ = -1;
};

// The raw response (status line, headers, body) to a GET over loopback,
// undecoded: httplib's client decodes header values.
std::string raw_get(int port, const std::string& target);
// A TCP connection to 127.0.0.1:port (blocking); the caller closes it.
int connect_loopback(int port);

// Polls `done` every 20 ms for up to `seconds`; its last answer.
bool eventually(const std::function<bool()>& done, double seconds = 10);

// App options with only the site name set (no limits).
AppOptions app_options(const std::string& site_name);

// The real HTTP server, in-process, on a free loopback port.
class TestServer {
 public:
  // `shards`: as kb-server --shard.
  explicit TestServer(const fs::path& index_dir, AppOptions options = app_options("Test Help"),
                      std::vector<std::string> shards = {});
  ~TestServer();
  int port() const { return port_; }
  httplib::Client client() const;
  TokenStore& tokens() { return *tokens_; }
  // INDEX/analytics.db, as kb-server keeps it.
  Analytics& analytics() { return *analytics_; }
  // GET returning (status, parsed JSON body or null).
  std::pair<int, nlohmann::json> get_json(const std::string& target, const std::string& token = "") const;
  std::pair<int, std::string> get(const std::string& target, const std::string& token = "") const;

 private:
  IndexLayout layout_;
  std::unique_ptr<Templates> templates_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<Analytics> analytics_;
  SearchService search_;
  Metrics metrics_;
  std::unique_ptr<App> app_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

// The bundled sample help center (content/) indexed and served, with an
// agent's token.
struct SampleSite {
  SampleSite();
  TempDir dir;
  std::unique_ptr<TestServer> server;
  std::string agent;
};

}  // namespace kb::test
