// Sequential latency of GET requests over one keep-alive connection: the
// figure a single user feels. Usage:
//   kb-bench-search --url http://127.0.0.1:8080 --queries FILE [--path /api/v1/search]
//                   [--param q] [--rounds N] [--token TOKEN]
// With --index DIR instead of --url, queries a Searcher in process (no HTTP),
// as an agent, to separate search cost from HTTP cost (--shard HOST:PORT, given
// K times, searches the index's shards as kb-server does); add --mode suggest to
// time what /api/v1/suggest does (Suggester plus top articles) in process.
// --visibility public|agent|writer (default agent) picks the view in process;
// --warmup 0 measures the first pass too (by default a pass over the queries
// runs first, unmeasured: morphology, the page cache and the allocator warm).
// Prints requests, errors, req/s, p50, p90, p99, p99.9 and max in ms, and in
// process the p50 and p99 of each search step (plan, match, present);
// --slowest N also lists the N slowest in-process searches, each with its
// steps and total, to find what the tail is made of.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include "core/revision.h"
#include "core/searcher.h"
#include "core/suggester.h"

int main(int argc, char** argv) {
  std::string index_dir, url = "http://127.0.0.1:8080", queries_file, path = "/api/v1/search", param = "q", token, extra;
  std::vector<std::string> shards;  // --shard HOST:PORT, as kb-server takes them
  std::string mode = "search";
  int rounds = 1;
  int warmup = 1;
  size_t slowest = 0;
  kb::Visibility visibility = kb::Visibility::kAgent;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--url") url = v;
    else if (a == "--queries") queries_file = v;
    else if (a == "--path") path = v;
    else if (a == "--param") param = v;
    else if (a == "--rounds") rounds = std::stoi(v);
    else if (a == "--token") token = v;
    else if (a == "--extra") extra = v;
    else if (a == "--index") index_dir = v;
    else if (a == "--shard") shards.push_back(v);
    else if (a == "--mode") mode = v;
    else if (a == "--warmup") warmup = std::stoi(v);
    else if (a == "--slowest") slowest = std::stoul(v);
    else if (a == "--visibility") {
      if (v == "public") visibility = kb::Visibility::kPublic;
      else if (v == "agent") visibility = kb::Visibility::kAgent;
      else if (v == "writer") visibility = kb::Visibility::kWriter;
      else {
        std::cerr << "--visibility must be public, agent or writer\n";
        return 2;
      }
    }
    else {
      std::cerr << "unknown argument " << a << '\n';
      return 2;
    }
  }
  std::ifstream in(queries_file);
  std::vector<std::string> queries;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) queries.push_back(line);
  }
  if (queries.empty()) {
    std::cerr << "no queries in '" << queries_file << "'\n";
    return 2;
  }
  std::unique_ptr<kb::Searcher> searcher;
  std::shared_ptr<const kb::Suggester> suggester;
  size_t suggested = 0;  // kept so the work is not optimised away
  bool measuring = false;
  std::vector<double> plan_ms, match_ms, present_ms;  // in-process searches' steps, measured passes
  struct Timed {
    double ms;
    const std::string* query;
    kb::SearchTimings steps;
    size_t total;
  };
  std::vector<Timed> timed;  // with --slowest
  if (!index_dir.empty()) {
    kb::IndexLayout layout(index_dir);
    auto current = layout.current();
    if (!current) {
      std::cerr << "no index in " << index_dir << '\n';
      return 2;
    }
    auto s = kb::Searcher::open(layout.revision_dir(*current), shards);
    if (!s) {
      std::cerr << s.status().message() << '\n';
      return 2;
    }
    searcher = std::move(s.value());
    if (mode == "suggest") {
      const auto start = std::chrono::steady_clock::now();
      auto built = kb::Suggester::load(layout.revision_dir(*current));
      if (!built) {
        std::cerr << built.status().message() << '\n';
        return 2;
      }
      suggester = built.value();
      // What the first suggestion after a publish waits for (stderr: the
      // scripts read the first line of stdout).
      std::fprintf(stderr, "suggestions built in %.0f ms (%zu entries)\n",
                   std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count(),
                   suggester->entry_count());
    }
  }
  httplib::Client client(url);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto one = [&](const std::string& q) {
    if (suggester) {
      suggested += suggester->suggest({q, "", visibility, 8}).size();
      return searcher->top_articles({q, "", visibility, 3, suggester->completions(q, 8)}).is_ok();
    }
    if (searcher) {
      kb::SearchRequest r;
      r.query = q;
      r.visibility = visibility;
      const auto t0 = std::chrono::steady_clock::now();
      auto result = searcher->search(r);
      if (result && measuring && slowest) {
        const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        timed.push_back({took, &q, result.value().timings, result.value().total});
      }
      if (result && measuring) {
        plan_ms.push_back(result.value().timings.plan_ms);
        match_ms.push_back(result.value().timings.match_ms);
        present_ms.push_back(result.value().timings.present_ms);
      }
      return result.is_ok();
    }
    auto res = client.Get(path + "?" + param + "=" + httplib::detail::encode_query_param(q) + extra, headers);
    return res && res->status == 200;
  };
  if (warmup) {
    for (const auto& q : queries) one(q);  // not measured
  }
  measuring = true;
  std::vector<double> ms;
  size_t errors = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& q : queries) {
      const auto t0 = std::chrono::steady_clock::now();
      const bool ok = one(q);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!ok) ++errors;
    }
  }
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))]; };
  std::printf("requests %zu errors %zu req/s %.0f p50 %.3f p90 %.3f p99 %.3f p99.9 %.3f max %.3f ms\n", ms.size(),
              errors, static_cast<double>(ms.size()) / total_s, pct(0.5), pct(0.9), pct(0.99), pct(0.999), ms.back());
  if (!plan_ms.empty()) {
    auto p50 = [](std::vector<double>& v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    auto p99 = [](std::vector<double>& v) { return v[std::min(v.size() - 1, v.size() * 99 / 100)]; };
    const double a = p50(plan_ms), b = p50(match_ms), c = p50(present_ms);
    std::printf("steps p50 plan %.3f match %.3f present %.3f p99 plan %.3f match %.3f present %.3f ms\n", a, b, c,
                p99(plan_ms), p99(match_ms), p99(present_ms));
  }
  std::sort(timed.begin(), timed.end(), [](const Timed& x, const Timed& y) { return x.ms > y.ms; });
  for (size_t i = 0; i < std::min(slowest, timed.size()); ++i) {
    const Timed& t = timed[i];
    std::printf("slow %.3f ms: plan %.3f match %.3f present %.3f total %zu: %s\n", t.ms, t.steps.plan_ms,
                t.steps.match_ms, t.steps.present_ms, t.total, t.query->c_str());
  }
  if (suggester) std::printf("suggestions per request %.1f\n", static_cast<double>(suggested) / static_cast<double>(ms.size() + (warmup ? queries.size() : 0)));
  return errors ? 1 : 0;
}
