// The floor and a peer for kb's figures, measured in the same run (issue 6):
//   (a) cmark-gfm parse + HTML render of every .md file of a corpus, one
//       thread, the options and extensions core/markdown.cpp uses: the least
//       work any Markdown indexer must do;
//   (b) SQLite FTS5 as a peer index: one table (title, body), unicode61 with
//       remove_diacritics 2, every file's text inserted in one transaction;
//   (c) FTS5 bm25 top 10 for a query list, in process, sequential.
// Usage:
//   kb-bench-limits --corpus DIR --queries FILE [--db PATH] [--rounds N]
// Files are read into memory first (not timed: kb's figures are taken with
// the corpus in the page cache too). Front matter is cut off with a plain
// '---' scan (no YAML parsing); the FTS5 title is the front matter's
// `title:` line or the first '# ' heading, the body is the Markdown as-is.
// Prints one line per figure, "key value" pairs, for bench/run.sh to read.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <sqlite3.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct File {
  std::string text;
  std::string_view body;  // after the front matter
  std::string title;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string unquote(std::string_view s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return std::string(s);
}

// Splits off a leading '---' block; picks the title from it or from the
// first level-1 heading.
void split(File& f) {
  std::string_view all = f.text;
  f.body = all;
  if (all.starts_with("---\n") || all.starts_with("---\r\n")) {
    size_t pos = all.find('\n') + 1;
    while (pos < all.size()) {
      size_t nl = all.find('\n', pos);
      size_t end = nl == std::string_view::npos ? all.size() : nl;
      std::string_view line = trim(all.substr(pos, end - pos));
      if (line == "---" || line == "...") {
        f.body = all.substr(std::min(all.size(), end + 1));
        break;
      }
      if (f.title.empty() && line.starts_with("title:")) f.title = unquote(line.substr(6));
      pos = end + 1;
    }
  }
  if (f.title.empty()) {
    std::string_view b = f.body;
    for (size_t pos = 0; pos < b.size();) {
      size_t nl = b.find('\n', pos);
      size_t end = nl == std::string_view::npos ? b.size() : nl;
      std::string_view line = b.substr(pos, end - pos);
      if (line.starts_with("# ")) {
        f.title = std::string(trim(line.substr(2)));
        break;
      }
      pos = end + 1;
    }
  }
}

// What core/markdown.cpp does to every file, minus kb's own passes over the
// tree (sections, anchors, links): parse with the GFM extensions, render.
size_t parse_and_render(std::string_view markdown) {
  const int options = CMARK_OPT_DEFAULT | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
  cmark_parser* parser = cmark_parser_new(options);
  for (const char* name : {"table", "autolink", "strikethrough"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser, ext);
    }
  }
  cmark_parser_feed(parser, markdown.data(), markdown.size());
  cmark_node* doc = cmark_parser_finish(parser);
  char* html = cmark_render_html(doc, options, cmark_parser_get_syntax_extensions(parser));
  const size_t n = std::char_traits<char>::length(html);
  free(html);  // NOLINT: allocated by cmark with the default allocator
  cmark_node_free(doc);
  cmark_parser_free(parser);
  return n;
}

bool exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::cerr << "sqlite: " << (err ? err : "?") << " in: " << sql << '\n';
    sqlite3_free(err);
    return false;
  }
  return true;
}

// Query words as FTS5 strings ("a" "b": all words, FTS5's default) or
// joined with OR, so FTS5 syntax in a query is never taken as syntax.
std::string fts_query(const std::string& q, bool any) {
  std::istringstream in(q);
  std::string out;
  for (std::string w; in >> w;) {
    if (!out.empty()) out += any ? " OR " : " ";
    out += '"';
    for (char c : w) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    out += '"';
  }
  return out;
}

struct Latency {
  std::vector<double> ms;
  size_t hits = 0;
  size_t errors = 0;
  double total_s = 0;
  double pct(double p) const {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  }
};

Latency run_queries(sqlite3* db, const char* sql, const std::vector<std::string>& queries, bool any, int rounds) {
  Latency out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) {
    std::cerr << "sqlite: " << sqlite3_errmsg(db) << '\n';
    out.errors = 1;
    out.ms.push_back(0);
    return out;
  }
  auto one = [&](const std::string& q) {
    const std::string match = fts_query(q, any);
    sqlite3_bind_text(st, 1, match.c_str(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
    int rc;
    size_t hits = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      // Read the columns, as a search page would.
      hits += sqlite3_column_bytes(st, 1) > 0 ? 1 : 0;
      if (sqlite3_column_count(st) > 2) (void)sqlite3_column_text(st, 2);
    }
    sqlite3_reset(st);
    return std::make_pair(rc == SQLITE_DONE, hits);
  };
  for (const auto& q : queries) one(q);  // warm-up pass, not measured
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& q : queries) {
      const auto t0 = Clock::now();
      auto [ok, hits] = one(q);
      out.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      out.hits += hits;
      if (!ok) ++out.errors;
    }
  }
  out.total_s = seconds_since(start);
  sqlite3_finalize(st);
  std::sort(out.ms.begin(), out.ms.end());
  return out;
}

void print_latency(const char* name, const Latency& l) {
  std::printf("%s: queries %zu errors %zu q/s %.0f p50 %.3f p90 %.3f p99 %.3f max %.3f ms, hits/query %.1f\n", name,
              l.ms.size(), l.errors, static_cast<double>(l.ms.size()) / l.total_s, l.pct(0.5), l.pct(0.9), l.pct(0.99),
              l.ms.back(), static_cast<double>(l.hits) / static_cast<double>(l.ms.size()));
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus, queries_file, db_path;
  int rounds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i], v = argv[i + 1];
    if (a == "--corpus") corpus = v;
    else if (a == "--queries") queries_file = v;
    else if (a == "--db") db_path = v;
    else if (a == "--rounds") rounds = std::stoi(v);
    else {
      std::cerr << "unknown argument " << a << '\n';
      return 2;
    }
  }
  if (corpus.empty()) {
    std::cerr << "usage: kb-bench-limits --corpus DIR --queries FILE [--db PATH] [--rounds N]\n";
    return 2;
  }
  const bool own_db = db_path.empty();
  if (own_db) db_path = (fs::temp_directory_path() / ("kb-bench-limits-" + std::to_string(::getpid()) + ".db")).string();

  // Read every file (sorted, so runs insert in the same order).
  auto t0 = Clock::now();
  std::vector<fs::path> paths;
  for (const auto& e : fs::recursive_directory_iterator(corpus)) {
    if (e.is_regular_file() && e.path().extension() == ".md") paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<File> files(paths.size());
  size_t bytes = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    std::ifstream in(paths[i], std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    files[i].text = ss.str();
    bytes += files[i].text.size();
    split(files[i]);
  }
  const double read_s = seconds_since(t0);
  const double mb = static_cast<double>(bytes) / 1048576.0;
  std::printf("corpus: files %zu bytes %zu read %.2f s\n", files.size(), bytes, read_s);

  // (a) cmark-gfm, one thread.
  cmark_gfm_core_extensions_ensure_registered();
  t0 = Clock::now();
  size_t html_bytes = 0;
  for (const auto& f : files) html_bytes += parse_and_render(f.body);
  const double cmark_s = seconds_since(t0);
  std::printf("cmark: s %.3f files/s %.0f MB/s %.1f html_bytes %zu\n", cmark_s,
              static_cast<double>(files.size()) / cmark_s, mb / cmark_s, html_bytes);

  // (b) FTS5, one transaction, on disk.
  fs::remove(db_path);
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) {
    std::cerr << "cannot open " << db_path << '\n';
    return 1;
  }
  t0 = Clock::now();
  if (!exec(db, "CREATE VIRTUAL TABLE p USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')") ||
      !exec(db, "BEGIN")) {
    return 1;
  }
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO p (rowid, title, body) VALUES (?, ?, ?)", -1, &ins, nullptr);
  for (size_t i = 0; i < files.size(); ++i) {
    sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(i + 1));
    sqlite3_bind_text(ins, 2, files[i].title.data(), static_cast<int>(files[i].title.size()), SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, files[i].body.data(), static_cast<int>(files[i].body.size()), SQLITE_STATIC);
    if (sqlite3_step(ins) != SQLITE_DONE) {
      std::cerr << "insert: " << sqlite3_errmsg(db) << '\n';
      return 1;
    }
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  if (!exec(db, "COMMIT")) return 1;
  const double fts_s = seconds_since(t0);
  const auto db_bytes = fs::file_size(db_path);
  std::printf("fts5 index: s %.3f files/s %.0f MB/s %.1f db_bytes %ju\n", fts_s,
              static_cast<double>(files.size()) / fts_s, mb / fts_s, static_cast<uintmax_t>(db_bytes));

  // (c) FTS5 queries, in process.
  if (!queries_file.empty()) {
    std::ifstream in(queries_file);
    std::vector<std::string> queries;
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) queries.push_back(line);
    }
    if (queries.empty()) {
      std::cerr << "no queries in '" << queries_file << "'\n";
      return 2;
    }
    const char* plain = "SELECT rowid, title FROM p WHERE p MATCH ? ORDER BY bm25(p) LIMIT 10";
    const char* with_snippet =
        "SELECT rowid, title, snippet(p, 1, '<mark>', '</mark>', '…', 24) FROM p WHERE p MATCH ? "
        "ORDER BY bm25(p) LIMIT 10";
    print_latency("fts5 search (all words, bm25 top 10)", run_queries(db, plain, queries, false, rounds));
    print_latency("fts5 search (all words, bm25 top 10 + snippet)", run_queries(db, with_snippet, queries, false, rounds));
    print_latency("fts5 search (any word, bm25 top 10)", run_queries(db, plain, queries, true, rounds));
  }
  sqlite3_close(db);
  if (own_db) fs::remove(db_path);
  return 0;
}
