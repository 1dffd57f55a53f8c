// The two executables as a user runs them: exit codes, messages, signals.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <map>
#include <fstream>
#include <sstream>
#include <cstdio>
#include <regex>

#include <catch2/catch.hpp>

#include "tests/test_util.h"

using namespace kb;

namespace {

using test::read_all;
using test::run;

}  // namespace

TEST_CASE("kb-index: exit status and report") {
  test::TempDir dir;
  test::write_file(dir / "content/ok.md", test::article("title: Fine", "Text.\n"));
  auto r = run({KB_INDEX_BIN, "--content", (dir / "content").string(), "--index", (dir / "index").string()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("1 added, 0 updated, 0 removed, 0 unchanged, 0 failed"));

  test::write_file(dir / "content/bad.md", "---\ntitle: x\ntags: [a\n---\n");
  r = run({KB_INDEX_BIN, "--content", (dir / "content").string(), "--index", (dir / "index").string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("bad.md:4: error: invalid YAML"));
  CHECK_THAT(r.err, Catch::Contains("1 unchanged, 1 failed"));

  r = run({KB_INDEX_BIN, "--content", (dir / "missing").string(), "--index", (dir / "index").string()});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("does not exist"));

  r = run({KB_INDEX_BIN, "--bogus"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("unknown argument '--bogus'"));

  for (const char* shards : {"0", "65", "two"}) {
    r = run({KB_INDEX_BIN, "--content", (dir / "content").string(), "--index", (dir / "index").string(), "--shards",
             shards});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--shards must be a number from 1 (not split) to 64"));
  }
  // A new split alone publishes: nothing else changed.
  r = run({KB_INDEX_BIN, "--content", (dir / "content").string(), "--index", (dir / "index").string(), "--shards", "2"});
  CHECK(r.exit_code == 1);  // bad.md still fails
  CHECK(fs::exists(dir / "index/revisions/r00000002/shards/1"));

  r = run({KB_INDEX_BIN, "--help"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("kb-index token create"));
}

// The full index's speed rests on jemalloc (CMakeLists.txt, KB_JEMALLOC):
// its statistics at exit show that the allocator in use is jemalloc, not
// merely linked and then passed over for glibc's malloc.
TEST_CASE("kb-index: allocates with jemalloc") {
  if (!KB_INDEX_JEMALLOC) {
    WARN("built without jemalloc (KB_JEMALLOC=OFF, or the sanitizers): nothing to check");
    return;
  }
  setenv("MALLOC_CONF", "stats_print:true", 1);
  const auto r = run({KB_INDEX_BIN, "--help"});
  unsetenv("MALLOC_CONF");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.err + r.out, Catch::Contains("jemalloc statistics"));
}

TEST_CASE("kb-index: tokens from the command line") {
  test::TempDir dir;
  const std::string index = (dir / "index").string();
  auto created = run({KB_INDEX_BIN, "token", "create", "alice", "--index", index});
  REQUIRE(created.exit_code == 0);
  const std::string token = created.out.substr(0, created.out.find('\n'));
  CHECK(token.rfind("kb_", 0) == 0);
  CHECK(TokenStore(IndexLayout(index).auth_db()).verify(token));
  CHECK_THAT(run({KB_INDEX_BIN, "token", "list", "--index", index}).out, Catch::StartsWith("alice\t"));
  CHECK(run({KB_INDEX_BIN, "token", "revoke", "alice", "--index", index}).exit_code == 0);
  CHECK(run({KB_INDEX_BIN, "token", "revoke", "alice", "--index", index}).exit_code == 2);
}

TEST_CASE("kb-server token: create, list and revoke in the issue's form") {
  // As docs/agents.md tells an operator: kb-server token create --index DIR
  // --name NAME --role agent|writer; the token is the last word printed.
  test::TempDir dir;
  const std::string index = (dir / "index").string();
  auto create = [&](const std::string& name, const std::string& role) {
    auto r = run({KB_SERVER_BIN, "token", "create", "--index", index, "--name", name, "--role", role});
    REQUIRE(r.exit_code == 0);
    const std::string all = r.err + r.out;
    std::istringstream words(all);
    std::string word, last;
    while (words >> word) last = word;
    CHECK(r.out == last + "\n");  // stdout holds the token alone
    return last;
  };
  const std::string agent = create("desk-agent", "agent");
  const std::string writer = create("docs-writer", "writer");
  // list: name, role, created, last used; never the token or its hash.
  const auto list = run({KB_SERVER_BIN, "token", "list", "--index", index});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find(agent) == std::string::npos);
  std::istringstream lines(list.out);
  std::string line;
  std::map<std::string, std::vector<std::string>> rows;
  while (std::getline(lines, line)) {
    std::vector<std::string> cols;
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, '\t');) cols.push_back(f);
    REQUIRE(cols.size() == 4);
    rows[cols[0]] = cols;
  }
  REQUIRE(rows.size() == 2);
  CHECK(rows["desk-agent"][1] == "agent");
  CHECK(rows["docs-writer"][1] == "writer");
  CHECK(std::regex_match(rows["desk-agent"][2], std::regex(R"(\d{4}-\d\d-\d\d.*)")));
  CHECK(rows["desk-agent"][3] == "never");

  TokenStore store(IndexLayout(index).auth_db());
  REQUIRE(store.verify(agent));
  CHECK(store.verify(agent)->role == Role::kAgent);
  CHECK(store.verify(writer)->role == Role::kWriter);

  CHECK(run({KB_SERVER_BIN, "token", "create", "--index", index, "--name", "x", "--role", "admin"}).exit_code == 2);
  CHECK(run({KB_SERVER_BIN, "token", "revoke", "--index", index, "--name", "desk-agent"}).exit_code == 0);
  CHECK_FALSE(store.verify(agent));
  CHECK(store.verify(writer));
}

TEST_CASE("kb-server: bad configuration is refused with a message naming the setting") {
  test::TempDir dir;
  struct Row {
    std::vector<std::string> args;
    const char* message;
  };
  const Row rows[] = {
      {{KB_SERVER_BIN}, "--index DIR is required"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--port", "99999"}, "--port must be a number from 0 to 65535"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--templates", "/nonexistent"}, "no such templates folder"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--frobnicate", "1"}, "unknown option '--frobnicate'"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--contact-url", "javascript:alert(1)"},
       "--contact_url must be an address like https://example.com/contact"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--shard", "10.0.0.5"},
       "--shard must be HOST:PORT of a xapian-tcpsrv, like 10.0.0.5:7001, not '10.0.0.5'"},
      {{KB_SERVER_BIN, "--index", dir.path().string(), "--shard", "a:1", "--shard", "b:0"}, "not 'b:0'"},
      {{KB_SERVER_BIN, "--config", (dir / "twice.yaml").string()}, "twice.yaml:2: duplicate key 'port'"},
      {{KB_SERVER_BIN, "--config", (dir / "unclosed.yaml").string()}, "unclosed.yaml:1:"},
      {{KB_SERVER_BIN, "--config", (dir / "list.yaml").string()}, "list.yaml:1: 'host' must be a single value"},
      {{KB_SERVER_BIN, "--config", (dir / "missing.yaml").string()}, "missing.yaml: cannot read"},
  };
  test::write_file(dir / "twice.yaml", "port: 8080\nport: 9090\n");
  test::write_file(dir / "unclosed.yaml", "site_name: \"Help\nport: 8080\n");
  test::write_file(dir / "list.yaml", "host: [a, b]\n");
  for (const auto& r : rows) {
    INFO(r.message);
    auto res = run(r.args);
    CHECK(res.exit_code == 2);
    CHECK_THAT(res.err, Catch::Contains(r.message));
  }
}

TEST_CASE("kb-server: serves, logs one line per request, stops cleanly on SIGTERM") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "index");
  int err_pipe[2];
  REQUIRE(pipe(err_pipe) == 0);
  const std::string templates = test::templates_dir().string();
  const std::string index = (dir / "index").string();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(err_pipe[1], STDERR_FILENO);
    close(err_pipe[0]);
    execl(KB_SERVER_BIN, KB_SERVER_BIN, "--index", index.c_str(), "--templates", templates.c_str(), "--port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(err_pipe[1]);
  // Blocking reads until the server says where it listens.
  std::string log;
  std::smatch m;
  const std::regex serving(R"(on http://127\.0\.0\.1:(\d+)/)");
  std::array<char, 256> buf;
  while (!std::regex_search(log, m, serving)) {
    ssize_t n = ::read(err_pipe[0], buf.data(), buf.size());
    REQUIRE(n > 0);
    log.append(buf.data(), static_cast<size_t>(n));
  }
  const int port = std::stoi(m[1]);
  httplib::Client c("127.0.0.1", port);
  auto res = c.Get("/api/v1/search?q=ledger");
  REQUIRE(res);
  CHECK(res->status == 200);

  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  log += read_all(err_pipe[0]);
  close(err_pipe[0]);
  CHECK_THAT(log, Catch::Contains("\"GET /api/v1/search?q=ledger\" 200"));
  CHECK_THAT(log, Catch::Contains("stopping"));
}
