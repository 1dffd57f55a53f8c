#include "tests/test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>

#include <catch2/catch.hpp>

namespace kb::test {

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("kb-test-" + std::to_string(rd()) + std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const fs::path& file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

std::string article(std::string_view front, std::string_view body) {
  return "---\n" + std::string(front) + "\n---\n" + std::string(body);
}

void write_fixture(const fs::path& dir) {
  // Ranking: "ledger" is in the title of one article and in the body of another.
  write_file(dir / "en/ledger-basics.md",
             article("title: Ledger basics\nslug: ledger-basics\ncategory: Accounting\ntags: [ledger, basics]\n"
                     "updated: 2026-03-01",
                     "How the books are kept.\n\n## Opening balances\n\nEnter opening balances once.\n"));
  write_file(dir / "en/reports.md",
             article("title: Monthly reports\nslug: reports\ncategory: Accounting\ntags: [reports]\nupdated: 2026-04-01",
                     "Reports summarise your accounts.\n\n## Exporting\n\nExport the general ledger to CSV from the "
                     "Reports page.\n\n## Scheduling\n\nReports can be emailed every month.\n"));
  write_file(dir / "en/billing/refunds.md",
             article("title: Request a refund\nslug: refunds\ncategory: Billing\ntags: [billing, refunds]\n"
                     "summary: How refunds work.\nupdated: 2026-05-01",
                     "Refunds go back to the original card.\n\n## Refund timeline {#timeline}\n\nRefunds take five "
                     "to ten business days.\n\nSee [reports](../reports.md#exporting).\n"));
  write_file(dir / "fi/laskutus.md",
             article("title: Laskutuksen perusteet\nslug: laskutus\ncategory: Laskutus\ntags: [laskutus]",
                     "Laskut lähetetään kuukausittain.\n\n## Maksutavat\n\nVoit maksaa kortilla tai laskulla.\n"));
  write_file(dir / "pl/faktury.md",
             article("title: Wystawianie faktury\nslug: faktury\ncategory: Faktury",
                     "Każda faktura ma numer.\n\n## Korekta\n\nFakturę korygującą wystawisz z menu.\n"));
  write_file(dir / "vi/quan-ly.md",
             article("title: Quản lý người dùng\nslug: quan-ly\ncategory: Quản trị",
                     "Bạn có thể quản lý người dùng trong phần cài đặt.\n\n## Phân quyền\n\nMỗi người dùng có một vai "
                     "trò.\n"));
  // Never visible to the public: each has a word no public article has.
  write_file(dir / "en/internal/goodwill.md",
             article("title: Goodwill credit policy\nslug: goodwill\ncategory: Billing\ntags: [billing, secret-tag]\n"
                     "audience: internal",
                     "Agents may grant a zanzibar credit of up to 20 EUR.\n\n## Zanzibar approvals\n\nAsk a lead.\n"));
  write_file(dir / "en/billing/aurora.md",
             article("title: Aurora pricing preview\nslug: aurora\ncategory: Billing\ntags: [billing, draft-tag]\n"
                     "draft: true",
                     "The quixotic plan launches next year.\n"));
}

IndexReport index_folder(const fs::path& content, const fs::path& index, std::optional<size_t> shards) {
  IndexOptions options;
  options.content_dir = content;
  options.index_dir = index;
  options.shards = shards;
  auto report = run_indexer(options);
  INFO(report.status().message());
  REQUIRE(report.is_ok());
  return std::move(report.value());
}

std::unique_ptr<Searcher> open_current(const fs::path& index) {
  IndexLayout layout(index);
  REQUIRE(layout.current());
  auto s = Searcher::open(layout.revision_dir(*layout.current()));
  INFO(s.status().message());
  REQUIRE(s.is_ok());
  return std::move(s.value());
}

fs::path templates_dir() { return fs::path(KB_SOURCE_DIR) / "templates"; }

SampleSite::SampleSite() {
  index_folder(fs::path(KB_SOURCE_DIR) / "content", dir / "index");
  server = std::make_unique<TestServer>(dir / "index");
  agent = *server->tokens().create("agent", Role::kAgent);
}

AppOptions app_options(const std::string& site_name) {
  AppOptions o;
  o.site_name = site_name;
  return o;
}

TestServer::TestServer(const fs::path& index_dir, AppOptions options, std::vector<std::string> shards)
    : layout_(index_dir), search_(layout_, SearchService::kDefaultCachedSearches, std::move(shards)) {
  auto t = Templates::load(templates_dir());
  INFO(t.status().message());
  REQUIRE(t.is_ok());
  templates_ = std::make_unique<Templates>(std::move(t.value()));
  fs::create_directories(index_dir);
  tokens_ = std::make_unique<TokenStore>(layout_.auth_db());
  analytics_ = std::make_unique<Analytics>(layout_.root() / Analytics::kFileName);
  app_ = std::make_unique<App>(search_, tokens_.get(), *templates_, metrics_, std::move(options),
                               analytics_.get());
  server_ = std::make_unique<HttpServer>(*app_, HttpServerOptions{"127.0.0.1", 0, 4, false});
  auto port = server_->bind();
  REQUIRE(port.is_ok());
  port_ = *port;
  thread_ = std::thread([this] { server_->serve(); });
  server_->wait_until_ready();
}

TestServer::~TestServer() {
  server_->stop();
  thread_.join();
}

httplib::Client TestServer::client() const { return httplib::Client("127.0.0.1", port_); }

std::pair<int, std::string> TestServer::get(const std::string& target, const std::string& token) const {
  auto c = client();
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto res = c.Get(target, headers);
  REQUIRE(res);
  return {res->status, res->body};
}

std::pair<int, nlohmann::json> TestServer::get_json(const std::string& target, const std::string& token) const {
  auto [status, body] = get(target, token);
  return {status, nlohmann::json::parse(body, nullptr, false)};
}

std::string read_all(int fd) {
  std::string s;
  std::array<char, 4096> buf;
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) s.append(buf.data(), static_cast<size_t>(n));
  return s;
}

namespace {

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// fork + exec with stdout/stderr redirected to files; the child's pid.
pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  // Else the child's freopen writes what the test runner had buffered (its
  // "Filters:" line) to the runner's stdout once more per child.
  std::fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (!std::freopen(out.c_str(), "w", stdout) || !std::freopen(err.c_str(), "w", stderr)) _exit(127);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int reap(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

Run run(const std::vector<std::string>& args) {
  TempDir tmp;
  const int code = reap(spawn(args, tmp / "out", tmp / "err"));
  return {code, slurp(tmp / "out"), slurp(tmp / "err")};
}

Child::Child(const std::vector<std::string>& args) : pid_(spawn(args, dir_ / "out", dir_ / "err")) {}

Child::~Child() { stop(); }

std::string Child::err() const { return slurp(dir_ / "err"); }

int Child::stop() {
  if (pid_ < 0) return -1;
  ::kill(pid_, SIGTERM);
  const int code = reap(pid_);
  pid_ = -1;
  return code;
}

int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

std::string raw_get(int port, const std::string& target) {
  const int fd = connect_loopback(port);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response = read_all(fd);
  ::close(fd);
  return response;
}

bool eventually(const std::function<bool()>& done, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace kb::test
