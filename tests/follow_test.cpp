// A kb-server replica following the indexer with scripts/kb-follow (rsync of
// each published revision, then an atomic CURRENT): it serves whole
// revisions only, and says in /healthz and /metrics when it is behind.
#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "core/revision.h"
#include "tests/test_util.h"

using namespace kb;
using nlohmann::json;

namespace {

const std::string kFollow = std::string(KB_SOURCE_DIR) + "/scripts/kb-follow";

void add_marker(const fs::path& content, int n) {
  test::write_file(content / fmt::format("marker-{}.md", n),
                   test::article(fmt::format("title: Marker {}\nslug: marker-{}\nlang: en", n, n),
                                 fmt::format("The markerword of publish {}.\n", n)));
}

}  // namespace

TEST_CASE("follow: a replica copies each publish and reports when it is behind") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "source");
  const IndexLayout source(dir / "source");
  const IndexLayout replica(dir / "replica");

  auto once = test::run({kFollow, source.root().string(), replica.root().string(), "--once"});
  INFO(once.err);
  REQUIRE(once.exit_code == 0);
  CHECK(replica.current() == source.current());
  test::TestServer server(replica.root());
  auto [status, health] = server.get_json("/healthz");
  CHECK(status == 200);
  CHECK(health["revision"] == *source.current());
  CHECK_FALSE(health.contains("behind_seconds"));

  // Published at the indexer, not copied yet (the copy failed, or is slow):
  // still serving, and saying so.
  add_marker(dir / "content", 1);
  test::index_folder(dir / "content", dir / "source");
  const std::string second = *source.current();
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  test::write_file(replica.upstream_file(), fmt::format("{} {}\n", second, now - 42));
  std::tie(status, health) = server.get_json("/healthz");
  CHECK(status == 200);
  CHECK(health["published"] == second);
  CHECK(health["behind_seconds"].get<double>() >= 42);
  auto [metrics_status, metrics] = server.get("/metrics");
  CHECK_THAT(metrics, Catch::Contains("kb_index_revision 1\n") && Catch::Contains("kb_index_published_revision 2\n"));

  once = test::run({kFollow, source.root().string(), replica.root().string(), "--once"});
  REQUIRE(once.exit_code == 0);
  std::tie(status, health) = server.get_json("/healthz");
  CHECK(health["revision"] == second);
  CHECK_FALSE(health.contains("behind_seconds"));
  CHECK(server.get_json("/api/v1/search?q=markerword").second["total"] == 1);

  // Bad arguments and an unreadable source: a message, exit status 2 or 1.
  auto bad = test::run({kFollow, source.root().string(), replica.root().string(), "--every", "soon"});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--every must be a number of seconds"));
  auto missing = test::run({kFollow, (dir / "nowhere").string(), replica.root().string(), "--once"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains("cannot read"));
  CHECK(replica.current() == second);  // and the replica keeps serving
}

TEST_CASE("follow: a replica queried while it follows three publishes never serves a mixed revision") {
  test::TempDir dir;
  test::write_fixture(dir / "content");
  test::index_folder(dir / "content", dir / "source");
  const IndexLayout source(dir / "source");
  const IndexLayout replica(dir / "replica");
  REQUIRE(test::run({kFollow, source.root().string(), replica.root().string(), "--once"}).exit_code == 0);
  test::TestServer server(replica.root());
  test::Child follower({kFollow, source.root().string(), replica.root().string(), "--every", "0.05"});

  // Each publish adds "Marker N" to the index and the catalog together. A
  // revision served whole finds markers 1..total, each with its highlighted
  // text; one index with another revision's catalog would not.
  std::atomic<bool> stop{false};
  std::atomic<int> checked{0}, highest{0};
  std::vector<std::string> problems;
  std::thread reader([&] {
    httplib::Client client = server.client();
    while (!stop) {
      auto res = client.Get("/api/v1/search?q=markerword&limit=10");
      if (!res || res->status != 200) {
        problems.push_back(res ? fmt::format("status {}: {}", res->status, res->body) : "no answer");
        continue;
      }
      const json j = json::parse(res->body);
      const int total = j["total"].get<int>();
      std::set<std::string> titles;
      for (const auto& hit : j["results"]) {
        titles.insert(hit["title"].get<std::string>());
        if (hit["snippet"].get<std::string>().find("<mark>") == std::string::npos) {
          problems.push_back("a hit without its text: " + hit.dump());
        }
      }
      std::set<std::string> expected;
      for (int n = 1; n <= total; ++n) expected.insert(fmt::format("Marker {}", n));
      if (titles != expected) problems.push_back("hits " + j["results"].dump() + " for total " + std::to_string(total));
      if (total < highest) problems.push_back(fmt::format("went back from {} to {}", highest.load(), total));
      highest = std::max(highest.load(), total);
      ++checked;
    }
  });
  for (int n = 1; n <= 3; ++n) {
    add_marker(dir / "content", n);
    test::index_folder(dir / "content", dir / "source");
    const std::string published = *source.current();
    INFO("publish " << n << ": " << published << "; kb-follow said: " << follower.err());
    CHECK(test::eventually([&] { return replica.current() == published && highest == n; }, 30));
  }
  stop = true;
  reader.join();
  CHECK(checked > 10);
  INFO(problems.size() << " problems, the first: " << (problems.empty() ? "" : problems.front()));
  CHECK(problems.empty());
  // Older revisions go: the current one and two more stay.
  CHECK(test::eventually([&] {
    size_t kept = 0;
    for (const auto& r : fs::directory_iterator(replica.revisions_dir())) kept += r.path().filename().string()[0] == 'r';
    return kept == 3;
  }));
}
