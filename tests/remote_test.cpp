// kb's search over Xapian's remote backend: the bundled help center served
// by a real xapian-tcpsrv on loopback, opened through a stub file in place
// of the revision's xapian folder, must answer as the local index does, and
// a server that stops answering must give 503 soon. A stub loses spelling
// corrections (Xapian 1.4 serves no spelling data remotely); kb-index
// --shards keeps them (tests/shards_test.cpp, docs/deploy.md).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/revision.h"
#include "core/searcher.h"
#include "server/search_service.h"
#include "tests/tcpsrv.h"
#include "tests/test_util.h"

using namespace kb;
using kb::test::TcpServer;

namespace {

std::vector<std::string> slugs(const SearchResult& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.slug + "#" + h.section_anchor);
  return out;
}

}  // namespace

TEST_CASE("remote: the help center through xapian-tcpsrv answers as the local index does") {
  test::TempDir dir;
  test::index_folder(fs::path(KB_SOURCE_DIR) / "content", dir / "index");
  const IndexLayout local(dir / "index");
  const fs::path revision = local.revision_dir(*local.current());
  TcpServer server(IndexLayout::xapian_path(revision));

  // The same revision, its Xapian part a stub naming the remote database.
  const fs::path remote_revision = dir / "remote";
  REQUIRE(copy_revision(revision, remote_revision).is_ok());
  fs::remove_all(IndexLayout::xapian_path(remote_revision));
  test::write_file(IndexLayout::xapian_path(remote_revision), "remote 127.0.0.1:" + std::to_string(server.port()) + "\n");

  // A stub naming a local database is Xapian's to read, as before.
  const fs::path local_stub = dir / "local-stub";
  REQUIRE(copy_revision(revision, local_stub).is_ok());
  fs::remove_all(IndexLayout::xapian_path(local_stub));
  test::write_file(IndexLayout::xapian_path(local_stub), "auto " + IndexLayout::xapian_path(revision).string() + "\n");
  auto stubbed = Searcher::open(local_stub);
  REQUIRE(stubbed.is_ok());

  auto near = Searcher::open(revision);
  auto far = Searcher::open(remote_revision);
  REQUIRE(near.is_ok());
  REQUIRE(far.is_ok());
  CHECK((*far)->document_count() == (*near)->document_count());

  struct Row {
    const char* query;
    const char* lang;
    const char* category;
    Visibility visibility;
  };
  const Row rows[] = {
      {"refund", "", "", Visibility::kPublic},
      {"laskun", "", "", Visibility::kPublic},        // Finnish inflection
      {"kuluraportin", "fi", "", Visibility::kPublic}, // a compound, in one language
      {"quan ly", "", "", Visibility::kPublic},       // Vietnamese without diacritics
      {"obslugi faktury", "", "", Visibility::kPublic},
      {"invoice pdf", "", "", Visibility::kPublic},   // many matches, facets over languages
      {"invoice", "", "Invoicing", Visibility::kPublic},
      {"", "pl", "", Visibility::kPublic},            // browsing a language, newest first
      {"refund", "", "", Visibility::kAgent},          // agents see internal articles and notes
  };
  for (const Row& row : rows) {
    {
      INFO("query '" << row.query << "' lang=" << row.lang << " category=" << row.category
                     << (row.visibility == Visibility::kAgent ? " agent" : ""));
      SearchRequest r;
      r.query = row.query;
      r.lang = row.lang;
      r.category = row.category;
      r.visibility = row.visibility;
      auto a = (*near)->search(r);
      auto b = (*far)->search(r);
      REQUIRE(a.is_ok());
      INFO((b.is_ok() ? std::string() : b.status().message()));
      REQUIRE(b.is_ok());
      CHECK(a->total > 0);
      CHECK(slugs(*b) == slugs(*a));
      CHECK(b->total == a->total);
      CHECK(b->relaxed == a->relaxed);
      CHECK(b->facets == a->facets);
      auto c = (*stubbed)->search(r);
      REQUIRE(c.is_ok());
      CHECK(slugs(*c) == slugs(*a));
      for (size_t i = 0; i < std::min(a->hits.size(), b->hits.size()); ++i) {
        CHECK(b->hits[i].snippet == a->hits[i].snippet);
        CHECK(b->hits[i].tags == a->hits[i].tags);
        CHECK(b->hits[i].score == Approx(a->hits[i].score));
      }
    }
  }

  // Relevance feedback: a ticket's articles, and an article's related ones.
  auto ticket_a = (*near)->similar("I was charged twice for my subscription, how do I get a refund?", "",
                                   Visibility::kPublic, 5);
  auto ticket_b = (*far)->similar("I was charged twice for my subscription, how do I get a refund?", "",
                                  Visibility::kPublic, 5);
  REQUIRE(ticket_a.is_ok());
  REQUIRE(ticket_b.is_ok());
  CHECK_FALSE(ticket_a->hits.empty());
  CHECK(slugs(*ticket_b) == slugs(*ticket_a));
  auto article = (*near)->article("refunds", Visibility::kPublic);
  REQUIRE(article.is_ok());
  REQUIRE(article->has_value());
  auto related_a = (*near)->related(**article, Visibility::kPublic, 5);
  auto related_b = (*far)->related(**article, Visibility::kPublic, 5);
  REQUIRE(related_a.is_ok());
  REQUIRE(related_b.is_ok());
  CHECK_FALSE(related_a->empty());
  CHECK(related_b->size() == related_a->size());
  for (size_t i = 0; i < std::min(related_a->size(), related_b->size()); ++i) {
    CHECK((*related_b)[i].slug == (*related_a)[i].slug);
  }
}

// A remote database that stops answering: the documented answer, soon, and
// service again once it is back. Killed, the connection fails at once;
// stopped (SIGSTOP, a hung machine), after kRemoteTimeoutMs.
TEST_CASE("remote: a shard that stops answering gives 503 within the timeout, and is reconnected when back") {
  test::TempDir dir;
  test::index_folder(fs::path(KB_SOURCE_DIR) / "content", dir / "index");
  const IndexLayout local(dir / "index");
  const fs::path xapian = IndexLayout::xapian_path(local.revision_dir(*local.current()));
  // The served copy: its Xapian part a stub naming the remote database.
  fs::copy(dir / "index", dir / "front", fs::copy_options::recursive);
  const IndexLayout front(dir / "front");
  const fs::path stub = IndexLayout::xapian_path(front.revision_dir(*front.current()));
  fs::remove_all(stub);

  auto server = std::make_unique<TcpServer>(xapian);
  const int port = server->port();
  test::write_file(stub, "# kb's shards\nremote 127.0.0.1:" + std::to_string(port) + "\n");
  SearchRequest r;
  r.query = "refund";
  auto search_now = [&](SearchService& service) {
    auto lease = service.acquire();
    if (!lease) return Result<SearchResult>(lease.status());
    return lease->search(r);
  };
  auto elapsed_ms = [](auto since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since).count();
  };

  SECTION("through the searcher pool") {
    SearchService service(front, 0);  // no result cache: every search asks the shard
    REQUIRE(search_now(service).is_ok());

    // Stopped: the call times out.
    kill(-server->pid(), SIGSTOP);  // the group: a forked child serves each connection
    auto start = std::chrono::steady_clock::now();
    auto hung = search_now(service);
    const double hung_ms = elapsed_ms(start);
    kill(-server->pid(), SIGCONT);
    REQUIRE_FALSE(hung.is_ok());
    CHECK(hung.status().unavailable());
    CHECK(hung_ms < kRemoteTimeoutMs + 1000);

    // Killed: at once.
    server.reset();
    start = std::chrono::steady_clock::now();
    auto gone = search_now(service);
    REQUIRE_FALSE(gone.is_ok());
    CHECK(elapsed_ms(start) < 1000);

    // Back on its port: the pool opens a new connection.
    server = std::make_unique<TcpServer>(xapian, port);
    auto back = search_now(service);
    INFO((back.is_ok() ? std::string() : back.status().message()));
    REQUIRE(back.is_ok());
    CHECK(back->hits.front().slug == "refunds");
  }

  SECTION("over HTTP: 503 with Retry-After and a JSON error, then answers again") {
    test::TestServer http(dir / "front");
    CHECK(http.get("/api/v1/search?q=refund").first == 200);
    server.reset();
    httplib::Client c = http.client();
    auto res = c.Get("/api/v1/search?q=invoice");
    REQUIRE(res);
    CHECK(res->status == 503);
    CHECK(res->get_header_value("Retry-After") == "1");
    CHECK(nlohmann::json::parse(res->body)["error"]["code"] == "unavailable");
    // Still down when the next request opens a new connection: the same
    // answer, and no path of the server's in it.
    auto again = c.Get("/search?q=invoice");
    REQUIRE(again);
    CHECK(again->status == 503);
    CHECK(again->get_header_value("Retry-After") == "1");
    CHECK(again->body.find(dir.path().string()) == std::string::npos);
    server = std::make_unique<TcpServer>(xapian, port);
    CHECK(http.get("/api/v1/search?q=invoice").first == 200);
  }
}
