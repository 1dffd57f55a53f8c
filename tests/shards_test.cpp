// One index split into shards (kb-index --shards K), each served by a real
// xapian-tcpsrv on loopback, searched by kb-server --shard: the answers must
// be the single index's, field by field (core/shards.h says why they can be),
// and a shard of another revision must never be combined with the catalog.
#include <catch2/catch.hpp>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/lexicon.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/searcher.h"
#include "core/shards.h"
#include "core/sqlite_db.h"
#include "server/search_service.h"
#include "tests/tcpsrv.h"
#include "tests/test_util.h"

using namespace kb;
using kb::test::TcpServer;

namespace {

// Everything a visitor or the API sees of a result, scores to 12 digits.
std::string describe(const SearchResult& r) {
  std::string out = fmt::format("total={}{} relaxed={} corrected='{}'\n", r.total, r.total_is_estimate ? "~" : "",
                                r.relaxed, r.corrected.value_or(""));
  for (const auto& h : r.hits) {
    out += fmt::format("  {} #{} {:.12g} {} {} '{}' tags={} {}{}\n    {}\n", h.slug, h.section_anchor, h.score, h.lang,
                       h.category, h.title, fmt::join(h.tags, ","), h.internal ? "internal " : "",
                       h.partial ? "partial" : "", h.snippet);
  }
  for (const auto& [field, counts] : r.facets) {
    for (const auto& [value, n] : counts) out += fmt::format("  facet {}={}: {}\n", field, value, n);
  }
  for (const auto& [lang, n] : r.other_languages) out += fmt::format("  other {}: {}\n", lang, n);
  return out;
}

std::string describe(const Result<SearchResult>& r) { return r ? describe(*r) : "error: " + r.status().message(); }

std::string describe(const Result<std::vector<SearchHit>>& r) {
  if (!r) return "error: " + r.status().message();
  std::string out;
  for (const auto& h : *r) out += fmt::format("{} #{} {:.12g}\n", h.slug, h.section_anchor, h.score);
  return out;
}

// The K shards of `revision`, each behind its own xapian-tcpsrv.
struct ShardServers {
  ShardServers(const fs::path& revision, size_t count) {
    for (size_t k = 0; k < count; ++k) {
      servers.push_back(std::make_unique<TcpServer>(IndexLayout::shard_path(revision, k)));
      addresses.push_back(servers.back()->address());
    }
  }
  std::vector<std::unique_ptr<TcpServer>> servers;
  std::vector<std::string> addresses;
};

// The words of every title as typed, without diacritics, and with two
// letters swapped (a typo to correct).
std::vector<std::string> queries_from_titles(Searcher& searcher) {
  std::set<std::string> words;
  auto articles = searcher.list(Visibility::kWriter);
  REQUIRE(articles.is_ok());
  for (const auto& a : *articles) {
    for (const auto& w : analysis::analyse_query(a.title, {})) {
      if (w.text.size() < 3) continue;
      words.insert(w.text);
      words.insert(analysis::Lexicon::shared().fold(w.text));
      std::string typo = analysis::Lexicon::shared().fold(w.text);
      if (typo.size() >= 5) std::swap(typo[typo.size() / 2], typo[typo.size() / 2 + 1]);
      words.insert(typo);
    }
  }
  return {words.begin(), words.end()};
}

// The test fixture's help center indexed in `shards` shards.
struct SplitFixture {
  explicit SplitFixture(size_t shards) {
    test::write_fixture(dir / "content");
    test::index_folder(dir / "content", dir / "index", shards);
  }
  test::TempDir dir;
  IndexLayout layout{dir / "index"};
};

// Every query, for the public and for agents: the same results.
void check_same_results(Searcher& one, Searcher& many, const std::vector<std::string>& queries) {
  for (const auto& q : queries) {
    for (const Visibility v : {Visibility::kPublic, Visibility::kAgent}) {
      SearchRequest r;
      r.query = q;
      r.visibility = v;
      INFO("'" << q << "'" << (v == Visibility::kAgent ? " agent" : ""));
      CHECK(describe(many.search(r)) == describe(one.search(r)));
    }
  }
}

}  // namespace

TEST_CASE("shards: the help center split in 3 answers exactly as the one index") {
  test::TempDir dir;
  test::index_folder(fs::path(KB_SOURCE_DIR) / "content", dir / "index", 3);
  const IndexLayout layout(dir / "index");
  const fs::path revision = layout.revision_dir(*layout.current());
  ShardServers shards(revision, 3);
  auto one = Searcher::open(revision);
  auto three = Searcher::open(revision, shards.addresses);
  REQUIRE(one.is_ok());
  INFO((three.is_ok() ? std::string() : three.status().message()));
  REQUIRE(three.is_ok());
  CHECK((*three)->remote());
  CHECK((*three)->document_count() == (*one)->document_count());

  // Every title word, unaccented and misspelt, for the public in all
  // languages; a sample of them for agents and per language.
  const std::vector<std::string> words = queries_from_titles(**one);
  REQUIRE(words.size() > 100);
  size_t corrected = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    struct Variant {
      const char* lang;
      Visibility visibility;
    };
    std::vector<Variant> variants = {{"", Visibility::kPublic}};
    if (i % 5 == 0) variants.push_back({"", Visibility::kAgent});
    if (i % 7 == 0) variants.push_back({"fi", Visibility::kPublic});
    if (i % 11 == 0) variants.push_back({"en", Visibility::kAgent});
    for (const auto& v : variants) {
      SearchRequest r;
      r.query = words[i];
      r.lang = v.lang;
      r.visibility = v.visibility;
      r.limit = 5;
      const auto a = (*one)->search(r);
      REQUIRE(a.is_ok());
      INFO("'" << words[i] << "' lang=" << v.lang << (v.visibility == Visibility::kAgent ? " agent" : ""));
      CHECK(describe((*three)->search(r)) == describe(a));
      corrected += a->corrected.has_value();
    }
  }
  // The split keeps corrections: the spelling data is read locally.
  CHECK(corrected > 20);

  // Browsing and filters, newest first, in short pages (where Xapian's remote
  // matcher miscounts facets unless kb counts them apart).
  struct Browse {
    const char* lang;
    const char* category;
    const char* tag;
    size_t offset;
    Visibility visibility;
  };
  const Browse browses[] = {
      {"", "", "", 0, Visibility::kPublic},   {"", "", "", 3, Visibility::kPublic},
      {"pl", "", "", 0, Visibility::kPublic}, {"", "Invoicing", "", 0, Visibility::kPublic},
      {"", "", "", 0, Visibility::kAgent},    {"fi", "", "", 1, Visibility::kAgent},
  };
  for (const auto& b : browses) {
    SearchRequest r;
    r.lang = b.lang;
    r.category = b.category;
    r.tag = b.tag;
    r.offset = b.offset;
    r.limit = 3;
    r.visibility = b.visibility;
    INFO("browse lang=" << b.lang << " category=" << b.category << " offset=" << b.offset);
    const auto a = (*one)->search(r);
    REQUIRE(a.is_ok());
    CHECK(a->total > 0);
    CHECK(describe((*three)->search(r)) == describe(a));
  }

  // Related articles of every article, suggestions and tickets.
  auto articles = (*one)->list(Visibility::kWriter);
  REQUIRE(articles.is_ok());
  for (const auto& s : *articles) {
    for (const Visibility v : {Visibility::kPublic, Visibility::kAgent}) {
      auto article = (*one)->article(s.slug, v);
      REQUIRE(article.is_ok());
      if (!article->has_value()) continue;
      INFO("related to " << s.slug);
      CHECK(describe((*three)->related(**article, v, 5)) == describe((*one)->related(**article, v, 5)));
    }
  }
  for (const char* typed : {"inv", "laskun ", "faktur", "hoa d", "refund pol"}) {
    TypedQuery q;
    q.text = typed;
    INFO("typed '" << typed << "'");
    CHECK(describe((*three)->top_articles(q)) == describe((*one)->top_articles(q)));
  }
  for (const char* ticket : {"I was charged twice and want my money back", "Miten lähetän laskun asiakkaalle?"}) {
    INFO("ticket '" << ticket << "'");
    CHECK(describe((*three)->similar(ticket, "", Visibility::kAgent, 5)) ==
          describe((*one)->similar(ticket, "", Visibility::kAgent, 5)));
  }
}

TEST_CASE("shards: a shard of another revision, or none, is never combined with the catalog") {
  const SplitFixture split(2);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  const std::string first = *layout.current();
  ShardServers shards(layout.revision_dir(first), 2);

  // The shards the catalog names: served.
  REQUIRE(Searcher::open(layout.revision_dir(first), shards.addresses).is_ok());

  // A new revision: the old shards are not its shards.
  test::write_file(dir / "content" / "new.md", test::article("title: Brand new\nlang: en", "Fresh words here."));
  test::index_folder(dir / "content", dir / "index");
  const std::string second = *layout.current();
  REQUIRE(second != first);
  CHECK(fs::exists(IndexLayout::shard_path(layout.revision_dir(second), 1)));  // the split is kept
  auto stale = Searcher::open(layout.revision_dir(second), shards.addresses);
  REQUIRE_FALSE(stale.is_ok());
  CHECK(stale.status().unavailable());
  CHECK_THAT(stale.status().message(), Catch::Contains("shard 0 at " + shards.addresses[0]) &&
                                           Catch::Contains(first) && Catch::Contains(second));

  // Shards in the wrong order, too few, and a revision not split at all.
  auto swapped = Searcher::open(layout.revision_dir(first), {shards.addresses[1], shards.addresses[0]});
  CHECK_FALSE(swapped.is_ok());
  auto few = Searcher::open(layout.revision_dir(first), {shards.addresses[0]});
  REQUIRE_FALSE(few.is_ok());
  CHECK_THAT(few.status().message(), Catch::Contains("2 shards") && Catch::Contains("1 address"));
  test::index_folder(dir / "content", dir / "unsplit");
  const IndexLayout unsplit(dir / "unsplit");
  auto none = Searcher::open(unsplit.revision_dir(*unsplit.current()), shards.addresses);
  REQUIRE_FALSE(none.is_ok());
  CHECK_THAT(none.status().message(), Catch::Contains("kb-index --shards 2"));

  // A rebuild from scratch (another kb's schema) keeps the split.
  SqliteDb(IndexLayout::catalog_path(layout.revision_dir(*layout.current())).string(), SqliteDb::Mode::kReadWrite)
      .exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  test::index_folder(dir / "content", dir / "index");
  CHECK(fs::exists(IndexLayout::shard_path(layout.revision_dir(*layout.current()), 1)));

  // --shards 1 takes the split back.
  test::index_folder(dir / "content", dir / "index", 1);
  CHECK_FALSE(fs::exists(IndexLayout::shards_path(layout.revision_dir(*layout.current()))));
}

TEST_CASE("shards: publishing changes updates the shards in place, and they still answer as the one index") {
  const SplitFixture split(3);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  const fs::path first = layout.revision_dir(*layout.current());
  // A new article, one changed, one removed, in the fixture's Finnish too.
  test::write_file(dir / "content" / "zeppelin.md",
                   test::article("title: Zeppelin rides\nlang: en\ntags: [travel]", "Book a zeppelin ride.\n"));
  test::write_file(dir / "content" / "kulu.md",
                   test::article("title: Kuluraportin hyväksyntä\nlang: fi", "Esimies hyväksyy kuluraportin.\n"));
  std::vector<fs::path> files;
  for (const auto& f : fs::recursive_directory_iterator(dir / "content")) {
    if (f.path().extension() == ".md" && f.path().filename() != "zeppelin.md" && f.path().filename() != "kulu.md") {
      files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 3);
  fs::remove(files[0]);
  std::ofstream(files[1], std::ios::app) << "\nA new closing paragraph about dirigibles.\n";
  const auto report = test::index_folder(dir / "content", dir / "index");
  CHECK(report.added == 2);
  CHECK(report.removed == 1);
  const fs::path second = layout.revision_dir(*layout.current());
  REQUIRE(second != first);
  // Updated in place: the same databases (a replica gets a changeset).
  for (size_t k = 0; k < 3; ++k) {
    CHECK(Xapian::Database(IndexLayout::shard_path(second, k).string()).get_uuid() ==
          Xapian::Database(IndexLayout::shard_path(first, k).string()).get_uuid());
  }

  ShardServers shards(second, 3);
  auto one = Searcher::open(second);
  auto three = Searcher::open(second, shards.addresses);
  REQUIRE(one.is_ok());
  REQUIRE(three.is_ok());
  CHECK((*three)->document_count() == (*one)->document_count());
  auto queries = queries_from_titles(**one);
  for (const char* q : {"zeppelin", "zepelin", "dirigibles", "kuluraportti", "hyvaksynta", "refund"}) queries.push_back(q);
  check_same_results(**one, **three, queries);
  SearchRequest typo;
  typo.query = "zepelin";
  auto corrected = (*three)->search(typo);
  REQUIRE(corrected.is_ok());
  CHECK(corrected->corrected == "zeppelin");
}

TEST_CASE("shards: the server keeps the previous revision until every shard serves the new one") {
  const SplitFixture split(2);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  const std::string first = *layout.current();
  // Each shard host serves a path that is switched to the new revision's
  // shard when it arrives (docs/deploy.md: a symlink flipped by rename).
  const fs::path served = dir / "served";
  fs::create_directories(served);
  auto point = [&](size_t k, const std::string& revision) {
    const fs::path tmp = served / (std::to_string(k) + ".tmp");
    fs::create_directory_symlink(IndexLayout::shard_path(layout.revision_dir(revision), k), tmp);
    fs::rename(tmp, served / std::to_string(k));
  };
  point(0, first);
  point(1, first);
  TcpServer s0(served / "0"), s1(served / "1");
  SearchService service(layout, 0, {s0.address(), s1.address()});
  auto total_for = [&](const std::string& q) -> Result<size_t> {
    auto lease = service.acquire();
    if (!lease) return lease.status();
    SearchRequest r;
    r.query = q;
    auto result = lease->search(r);
    if (!result) return result.status();
    return result->total;
  };
  REQUIRE(total_for("refund").is_ok());
  CHECK(*total_for("zeppelin") == 0);

  test::write_file(dir / "content" / "zeppelin.md", test::article("title: Zeppelin rides\nlang: en", "Zeppelin."));
  test::index_folder(dir / "content", dir / "index");
  const std::string second = *layout.current();
  // Published half a minute ago, and no shard has it: the first revision
  // serves, whole, and says how long the second has waited.
  fs::last_write_time(layout.current_file(), fs::file_time_type::clock::now() - std::chrono::seconds(30));
  CHECK(*total_for("zeppelin") == 0);
  CHECK(service.revision() == first);
  CHECK(service.pending_revision() == second);
  CHECK(service.pending()->seconds >= 29);
  CHECK(service.freshness().newest == second);
  CHECK(service.freshness().behind_seconds >= 29);
  // One shard has it: still the first (it is still served by the pool's
  // connections, opened when both shards had it).
  point(0, second);
  std::this_thread::sleep_for(SearchService::kRetryPending);
  CHECK(*total_for("zeppelin") == 0);
  CHECK(service.revision() == first);
  // Both: the second, from the next try on.
  point(1, second);
  std::this_thread::sleep_for(SearchService::kRetryPending);
  auto now = total_for("zeppelin");
  INFO((now.is_ok() ? std::string() : now.status().message()));
  REQUIRE(now.is_ok());
  CHECK(*now == 1);
  CHECK(service.revision() == second);
  CHECK_FALSE(service.pending_revision());
}

TEST_CASE("shards: over HTTP, the fixture split in 3 answers every request as one index does") {
  const SplitFixture split(3);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  ShardServers shards(layout.revision_dir(*layout.current()), 3);
  test::TestServer one(dir / "index");
  test::TestServer three(dir / "index", test::app_options("Test Help"), shards.addresses);
  auto agent = one.tokens().create("agent", Role::kAgent);
  auto writer = one.tokens().create("writer", Role::kWriter);
  REQUIRE(agent.is_ok());
  REQUIRE(writer.is_ok());
  // The leak table's requests (server_test.cpp) and more: words only
  // internal articles or drafts have, their tags, and listings, for the
  // public, an agent and a writer.
  const std::string targets[] = {
      "/api/v1/search?q=zanzibar", "/api/v1/search?q=quixotic",  "/api/v1/search?q=goodwill",
      "/api/v1/search?q=aurora",   "/api/v1/search?tag=billing", "/api/v1/search?tag=secret-tag",
      "/api/v1/search?category=Billing", "/api/v1/search?q=refund%20timeline", "/api/v1/search?q=refnud",
      "/api/v1/search?q=invoice&limit=1", "/api/v1/suggest?q=ref", "/api/v1/articles/goodwill",
      "/api/v1/articles/refunds", "/search?q=goodwill", "/search?q=refund", "/articles/refunds", "/",
  };
  for (const auto& target : targets) {
    for (const std::string& token : {std::string(), *agent, *writer}) {
      INFO(target << (token == *agent ? " (agent)" : token.empty() ? "" : " (writer)"));
      auto a = one.get(target, token);
      auto b = three.get(target, token);
      CHECK(b.first == a.first);
      // Timings differ; everything else must not.
      auto strip = [](std::string body) {
        const auto j = nlohmann::json::parse(body, nullptr, false);
        if (j.is_discarded()) return std::regex_replace(body, std::regex(R"(\([0-9.]+ ms\))"), "(ms)");
        auto copy = j;
        copy.erase("timings");
        copy.erase("took_ms");
        return copy.dump(1);
      };
      CHECK(strip(b.second) == strip(a.second));
    }
  }
  CHECK(three.get_json("/api/v1/search?q=goodwill").second["total"] == 0);
  CHECK(three.get_json("/api/v1/search?q=goodwill", *agent).second["total"] == 1);
}

TEST_CASE("shards: replicated by xapian-replicate, three publishes are served whole while searched") {
  const SplitFixture split(2);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  // The indexer's host serves INDEX/shards (links to the current revision's
  // shards); each shard host keeps a replica, served by its xapian-tcpsrv.
  const int master_port = test::free_port();
  test::XapianProgram master({"xapian-replicate-server", "--interface", "127.0.0.1", "--port",
                              std::to_string(master_port), (dir / "index" / "shards").string()},
                             master_port);
  std::vector<std::unique_ptr<test::XapianProgram>> replicators;
  std::vector<std::unique_ptr<TcpServer>> servers;
  std::vector<std::string> addresses;
  for (size_t k = 0; k < 2; ++k) {
    const fs::path replica = dir / ("replica-" + std::to_string(k));
    replicators.push_back(std::make_unique<test::XapianProgram>(
        std::vector<std::string>{"xapian-replicate", "--host", "127.0.0.1", "--port", std::to_string(master_port),
                                 "--master", std::to_string(k), "--interval", "1", "--reader-time", "1",
                                 replica.string()},
        0));
    REQUIRE(test::eventually([&] { return fs::exists(replica / "XAPIANDB"); }, 20));
    servers.push_back(std::make_unique<TcpServer>(replica));
    addresses.push_back(servers.back()->address());
  }
  SearchService service(layout, 0, addresses);

  // Each publish adds "Marker N": a revision served whole finds markers
  // 1..total, each with its text; a catalog with another revision's shards
  // would not. Searching all along, as visitors would.
  std::atomic<bool> stop{false};
  std::atomic<int> highest{0}, checked{0}, unavailable{0};
  std::vector<std::string> problems;
  SearchRequest markers;
  markers.query = "markerword";
  markers.limit = 10;
  std::thread reader([&] {
    while (!stop) {
      auto lease = service.acquire();
      Result<SearchResult> result = lease ? lease->search(markers) : lease.status();
      if (!result) {
        // A shard replaced under an open connection: 503 once, never a mix.
        if (result.status().unavailable()) {
          ++unavailable;
        } else {
          problems.push_back(result.status().message());
        }
        continue;
      }
      std::set<std::string> titles, expected;
      for (const auto& h : result->hits) {
        titles.insert(h.title);
        if (h.snippet.find("<mark>") == std::string::npos) problems.push_back("no text for " + h.title);
      }
      const int total = static_cast<int>(result->total);
      for (int n = 1; n <= total; ++n) expected.insert(fmt::format("Marker {}", n));
      if (titles != expected) problems.push_back(fmt::format("{} hits for total {}", titles.size(), total));
      if (total < highest) problems.push_back(fmt::format("went back from {} to {}", highest.load(), total));
      highest = std::max(highest.load(), total);
      ++checked;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (int n = 1; n <= 3; ++n) {
    test::write_file(dir / "content" / fmt::format("marker-{}.md", n),
                     test::article(fmt::format("title: Marker {}\nlang: en", n), "The markerword.\n"));
    test::index_folder(dir / "content", dir / "index");
    const std::string published = *layout.current();
    INFO("publish " << n << ": " << published);
    CHECK(test::eventually([&] { return service.revision() == published && highest == n; }, 30));
  }
  stop = true;
  reader.join();
  CHECK(checked > 10);
  INFO(problems.size() << " problems, the first: " << (problems.empty() ? "" : problems.front()));
  CHECK(problems.empty());
  WARN(unavailable << " searches of " << checked + unavailable << " were unavailable");
}

TEST_CASE("shards: one shard killed, the server answers 503 at once and says so, then serves again when it is back") {
  const SplitFixture split(2);
  const test::TempDir& dir = split.dir;
  const IndexLayout& layout = split.layout;
  const fs::path revision = layout.revision_dir(*layout.current());
  auto s0 = std::make_unique<TcpServer>(IndexLayout::shard_path(revision, 0));
  auto s1 = std::make_unique<TcpServer>(IndexLayout::shard_path(revision, 1));
  const int port1 = s1->port();
  test::TestServer http(dir / "index", test::app_options("Test Help"), {s0->address(), s1->address()});
  // Several pooled connections: requests at once.
  {
    std::vector<std::thread> many;
    for (int i = 0; i < 4; ++i) many.emplace_back([&] { CHECK(http.get("/api/v1/search?q=refund").first == 200); });
    for (auto& t : many) t.join();
  }
  CHECK(http.get_json("/healthz").second["shards"] == 2);

  s1.reset();
  const auto start = std::chrono::steady_clock::now();
  httplib::Client c = http.client();
  auto res = c.Get("/api/v1/search?q=invoice");
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(res->get_header_value("Retry-After") == "1");
  CHECK(nlohmann::json::parse(res->body)["error"]["code"] == "unavailable");
  CHECK(ms < 1000);
  CHECK(http.get("/healthz").first == 503);
  CHECK_THAT(http.get("/metrics").second, Catch::Contains("kb_index_up 0\n"));

  // Back on its port: after one failure the pooled connections were all
  // dropped, so the very next request is answered.
  s1 = std::make_unique<TcpServer>(IndexLayout::shard_path(revision, 1), port1);
  CHECK(http.get("/api/v1/search?q=invoice").first == 200);
  CHECK(http.get("/api/v1/search?q=refund").first == 200);
  CHECK_THAT(http.get("/metrics").second, Catch::Contains("kb_index_up 1\n"));
}
