// A real xapian-tcpsrv (Debian's xapian-tools) on a loopback port, for the
// tests of kb over Xapian's remote backend.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace kb::test {

// A loopback port nobody listens on now.
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

inline bool accepts(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// One of Xapian's programs (xapian-tools) running in its own process group,
// its stderr discarded, stopped with the object; when `port` is not 0, started
// once it accepts connections there.
class XapianProgram {
 public:
  XapianProgram(const std::vector<std::string>& args, int port) : port_(port) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    INFO(args[0] << " comes with Debian's xapian-tools (scripts/install-deps.sh installs it)");
    // Its own process group: on SIGTERM xapian-tcpsrv ends its group (the
    // children serving connections), which would otherwise be this test's.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    // Quiet: each closed probe connection is a "Broken pipe" line.
    posix_spawn_file_actions_t files;
    posix_spawn_file_actions_init(&files);
    posix_spawn_file_actions_addopen(&files, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int spawned = posix_spawnp(&pid_, argv[0], &files, &attr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&files);
    posix_spawnattr_destroy(&attr);
    REQUIRE(spawned == 0);
    if (!port_) return;
    for (int i = 0; i < 200 && !accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    REQUIRE(accepts(port_));
  }
  ~XapianProgram() {
    if (pid_ <= 0) return;  // kill(0) would stop the whole process group
    // The program first (xapian-tcpsrv then ends its connections' processes
    // itself), then whatever of its group is left, by a signal nothing
    // blocks: a connection's process blocks SIGTERM, and one left running
    // keeps ctest's output pipe open, so ctest never ends.
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    kill(-pid_, SIGKILL);
  }
  XapianProgram(const XapianProgram&) = delete;
  XapianProgram& operator=(const XapianProgram&) = delete;
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  int port_;
  pid_t pid_ = 0;
};

// xapian-tcpsrv serving `db` on a loopback port, stopped with the object.
class TcpServer : public XapianProgram {
 public:
  explicit TcpServer(const std::filesystem::path& db, int at = 0) : TcpServer(db.string(), at ? at : free_port()) {}
  // "127.0.0.1:PORT", as kb-server --shard takes it.
  std::string address() const { return "127.0.0.1:" + std::to_string(port()); }

 private:
  TcpServer(const std::string& db, int port)
      : XapianProgram({"xapian-tcpsrv", "--port", std::to_string(port), "--interface", "127.0.0.1", "--quiet", db},
                      port) {}
};

}  // namespace kb::test
