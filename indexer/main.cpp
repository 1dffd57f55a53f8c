// kb-index: argument parsing and wiring only; the work is in kb_core.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/analytics.h"
#include "core/content_check.h"
#include "core/content_watcher.h"
#include "core/indexer.h"
#include "core/revision.h"
#include "core/token_command.h"

namespace {

using kb::ContentWatcher;

// More shards than machines anyone runs for a help center cost file handles
// and round trips for nothing.
constexpr long kMaxShards = 64;

constexpr const char* kUsage = R"(Usage:
  kb-index --content DIR --index DIR [--watch] [--default-lang TAG]
           [--unknown-audience internal|public] [--warnings-per-kind N]
           [--shards K] [--quiet]
  kb-index check --content DIR [--format text|json] [--strict]
                 [--known-keys KEY,...] [--default-lang TAG]
                 [--unknown-audience internal|public] [--warnings-per-kind N]
  kb-index report --index DIR [--days N] [--lang TAG] [--limit N]
                  [--audience public|agents|all] [--format text|json]
  kb-index token create|list|revoke ...   (the same as kb-server token)

Indexes the Markdown articles under --content into a new revision of the
index in --index and publishes it atomically: a running kb-server switches to
it without a restart. Unchanged files are skipped, deleted files removed.
A file that cannot be indexed is reported as path:line: error: message and
skipped; its previously published version keeps serving. synonyms.txt at the
top of --content lists words that mean the same, a group per line
('sign in, log in', or one way 'workroom => project'; see docs/writing.md);
it publishes with the articles.

Options:
  --content DIR        folder of Markdown articles with YAML front matter
  --index DIR          index folder (created when missing)
  --watch              keep running: after the first run, publish again
                       whenever files under --content are created, saved,
                       renamed or deleted (a burst of saves is one publish;
                       problems are reported for the files just saved).
                       Stop with Ctrl-C.
  --default-lang TAG   language of articles whose front matter names none,
                       that sit in no language folder and whose text is too
                       short to tell (default: en)
  --unknown-audience internal|public
                       what an 'audience' other than public or internal
                       means, for content written for another system (e.g.
                       'audience: Application User'). Without this option it
                       means internal, with a warning per file.
  --warnings-per-kind N
                       of warnings that say the same with other values
                       (the same unknown audience in 7,000 files), print
                       the first N and count the rest (default 5; 0: all).
                       Errors are always printed, each one.
  --shards K           also split the index into K parts for K machines
                       (1 to 64; 1: not split) served by xapian-tcpsrv, and
                       kb-server --shard HOST:PORT for each (docs/deploy.md).
                       Later runs keep the split until told otherwise.
  --quiet              no progress bar and no summary, only problems
  -h, --help           this text

'check' validates the content folder without publishing anything, for a CI
job in the writers' repository: front matter (unknown keys are warnings,
wrong types errors), missing or duplicate titles and slugs, links to missing
articles or headings ('other.md#section', '/articles/slug#section'), missing
images, colliding aliases, translations whose source is missing or newer,
'::: internal' blocks that are unclosed or would show, articles past their
'expires' date, and synonyms.txt. One line per problem, path:line: error|warning: message,
then a summary; --format json prints one JSON object instead. --known-keys
names front matter keys of another system that need no warning
('author,ms.*': a trailing * matches any ending). Repeated warnings are
summarised as with --warnings-per-kind (JSON: "omitted", a count per kind). Exit status 1 when there
are errors (or, with --strict, warnings), else 0.

'report' lists what people searched for and did not find, from the search
log kb-server keeps in INDEX/analytics.db: per language, the most frequent
searches with no results, then those whose results nobody opened. Defaults:
the last 30 days, public visitors, 20 per language and list.

Tokens: see 'kb-server --help'.

Exit status: 0 when every file was indexed, 1 when some failed (the rest
are published), 2 on usage errors or when nothing could be indexed.
)";

struct Args {
  std::string command = "index";
  std::string content;
  std::string index;
  std::string default_lang = "en";
  std::string unknown_audience;
  bool quiet = false;
  bool watch = false;
  size_t shards = 0;  // 0: as the published revision is
  std::string format = "text";
  size_t warnings_per_kind = kb::kWarningsPerKind;
  bool strict = false;
  std::vector<std::string> known_keys;
  int days = 30;
  int limit = 20;
  std::string lang;
  std::string audience = "public";
};

std::atomic<bool> g_stop{false};

void on_stop_signal(int) { g_stop.store(true); }

int usage_error(const std::string& message) {
  std::cerr << "kb-index: " << message << "\nTry 'kb-index --help'.\n";
  return 2;
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void update(size_t done, size_t total) {
    if (!enabled_ || total < kMinItems) return;
    const size_t width = 30;
    const size_t filled = total ? done * width / total : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu articles", std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), done, total);
    if (done == total) std::fputc('\n', stderr);
  }

 private:
  static constexpr size_t kMinItems = 200;  // short runs finish before a bar helps
  bool enabled_;
};

void print_report(const kb::IndexReport& report, const Args& a, const ContentWatcher::Batch* batch) {
  std::vector<const kb::FileDiagnostic*> shown;
  std::vector<const kb::Diagnostic*> diagnostics;
  for (const auto& d : report.diagnostics) {
    // In watch mode only the files just saved: the rest were reported before.
    if (batch && !batch->incomplete && !batch->paths.count(d.path)) continue;
    shown.push_back(&d);
    diagnostics.push_back(&d.diagnostic);
  }
  const auto summary = kb::summarise_diagnostics(diagnostics, a.warnings_per_kind);
  for (size_t i : summary.shown) std::cerr << kb::format_diagnostic(*shown[i]) << '\n';
  for (const auto& o : summary.omitted) std::cerr << kb::format_omitted(o) << '\n';
  if (!summary.omitted.empty()) std::cerr << "(--warnings-per-kind 0 prints every warning)\n";
  if (a.quiet) return;
  std::string when;
  if (batch) {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    when = fmt::format("[{:02}:{:02}:{:02}] ", tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  std::cerr << fmt::format("{}{} added, {} updated, {} removed, {} unchanged, {} failed in {:.2f}s; {}\n", when,
                           report.added, report.updated, report.removed, report.unchanged, report.failed,
                           report.seconds,
                           report.published ? "published revision " + *report.published
                                            : std::string("nothing to publish"));
}

// Publishes on every batch of changes until SIGINT or SIGTERM.
int watch_loop(ContentWatcher& watcher, const kb::IndexOptions& options, const Args& a) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (!a.quiet) std::cerr << "watching " << a.content << " for changes; Ctrl-C stops\n";
  ContentWatcher::Batch pending;
  bool retry = false;
  while (!g_stop.load()) {
    if (!retry) {
      auto batch = watcher.wait(g_stop, {});
      if (!batch) break;
      pending = std::move(*batch);
    }
    auto report = kb::run_indexer(options);
    retry = !report;
    if (retry) {
      // Another kb-index holding the lock, a full disk: try again shortly,
      // keeping the changes seen so far.
      std::cerr << "kb-index: " << report.status().message() << "; retrying in 1s\n";
      for (int i = 0; i < 10 && !g_stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    print_report(*report, a, &pending);
  }
  if (!a.quiet) std::cerr << "stopped watching\n";
  return 0;
}

kb::ContentOptions content_options(const Args& a) {
  kb::ContentOptions c;
  c.default_lang = a.default_lang;
  if (a.unknown_audience == "public") c.front_matter.unknown_audience = kb::Audience::kPublic;
  if (a.unknown_audience == "internal") c.front_matter.unknown_audience = kb::Audience::kInternal;
  return c;
}

int run_check(const Args& a) {
  if (a.content.empty()) return usage_error("check needs --content DIR");
  if (a.watch || !a.index.empty()) return usage_error("check publishes nothing: --index and --watch do not apply");
  kb::CheckOptions options;
  options.content_dir = a.content;
  options.content = content_options(a);
  options.known_keys = a.known_keys;
  auto report = kb::check_content(options);
  if (!report) {
    std::cerr << "kb-index: " << report.status().message() << '\n';
    return 2;
  }
  std::vector<const kb::Diagnostic*> diagnostics;
  for (const auto& item : report->items) diagnostics.push_back(&item.where.diagnostic);
  const auto summary = kb::summarise_diagnostics(diagnostics, a.warnings_per_kind);
  if (a.format == "json") {
    nlohmann::json items = nlohmann::json::array();
    for (size_t i : summary.shown) {
      const auto& item = report->items[i];
      const auto& d = item.where.diagnostic;
      items.push_back({{"path", item.where.path},
                       {"line", d.line},
                       {"severity", d.severity == kb::Diagnostic::Severity::kError ? "error" : "warning"},
                       {"check", item.check},
                       {"message", d.message}});
    }
    nlohmann::json omitted = nlohmann::json::array();
    for (const auto& o : summary.omitted) omitted.push_back({{"severity", "warning"}, {"kind", o.kind}, {"count", o.count}});
    std::cout << nlohmann::json{{"files", report->files},
                                {"errors", report->errors},
                                {"warnings", report->warnings},
                                {"problems", items},
                                {"omitted", omitted}}
                     .dump(2)
              << '\n';
  } else {
    for (size_t i : summary.shown) std::cout << kb::format_diagnostic(report->items[i].where) << '\n';
    for (const auto& o : summary.omitted) std::cout << kb::format_omitted(o) << '\n';
    if (!summary.omitted.empty()) std::cout << "(--warnings-per-kind 0 prints every warning)\n";
    std::cout << fmt::format("checked {} files: {} errors, {} warnings\n", report->files, report->errors,
                             report->warnings);
  }
  return report->errors > 0 || (a.strict && report->warnings > 0) ? 1 : 0;
}

int run_report(const Args& a) {
  if (a.index.empty()) return usage_error("report needs --index DIR");
  const auto db = kb::IndexLayout(a.index).root() / kb::Analytics::kFileName;
  std::error_code ec;
  if (!std::filesystem::exists(db, ec)) {
    std::cerr << "kb-index: no search log in " << a.index << " yet: kb-server writes " << db.string()
              << " as people search\n";
    return 2;
  }
  kb::Analytics::GapReport gaps;
  try {
    kb::AnalyticsOptions read_only;
    read_only.read_only = true;  // neither log nor prune from here
    kb::Analytics analytics(db, read_only);
    std::optional<bool> agent;
    if (a.audience != "all") agent = a.audience == "agents";
    gaps = analytics.gaps(a.days, agent, static_cast<size_t>(a.limit));
  } catch (const std::exception& e) {
    std::cerr << "kb-index: cannot read " << db.string() << ": " << e.what() << '\n';
    return 2;
  }
  auto keep = [&a](std::vector<kb::Analytics::QueryStat>& v) {
    if (a.lang.empty()) return;
    std::erase_if(v, [&a](const auto& q) { return q.lang != a.lang; });
  };
  keep(gaps.no_results);
  keep(gaps.no_clicks);
  if (a.format == "json") {
    auto list = [](const std::vector<kb::Analytics::QueryStat>& v) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& q : v) {
        out.push_back({{"lang", q.lang}, {"query", q.query}, {"searches", q.searches}, {"results", q.results}});
      }
      return out;
    };
    std::cout << nlohmann::json{{"days", a.days},
                                {"audience", a.audience},
                                {"no_results", list(gaps.no_results)},
                                {"no_clicks", list(gaps.no_clicks)}}
                     .dump(2)
              << '\n';
    return 0;
  }
  const std::string who = a.audience == "all" ? "everyone" : a.audience == "agents" ? "support agents" : "public visitors";
  auto print = [](const std::string& heading, const std::vector<kb::Analytics::QueryStat>& v, bool with_results) {
    std::cout << heading << '\n';
    if (v.empty()) std::cout << "  (none)\n";
    for (const auto& q : v) {
      std::cout << fmt::format("  {:<6} {:>5}x  {}{}\n", q.lang.empty() ? "any" : q.lang, q.searches, q.query,
                               with_results ? fmt::format("  ({} result{})", q.results, q.results == 1 ? "" : "s") : "");
    }
  };
  print(fmt::format("Searches that found nothing (last {} days, {}):", a.days, who), gaps.no_results, false);
  if (!gaps.no_results.empty()) {
    std::cout << "  (an article that answers one in other words: add the words to synonyms.txt, docs/writing.md)\n";
  }
  std::cout << '\n';
  print("Searches with results that nobody opened:", gaps.no_clicks, true);
  return 0;
}

int run_index(const Args& a) {
  if (a.content.empty() || a.index.empty()) return usage_error("--content and --index are required");
  ProgressBar bar(!a.quiet && isatty(STDERR_FILENO));
  kb::IndexOptions options;
  options.content_dir = a.content;
  options.index_dir = a.index;
  options.content = content_options(a);
  if (a.shards) options.shards = a.shards;
  options.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
  kb::FileStamps stamps;  // kept between runs while watching
  // Watching starts before the first run, so saves made during it are seen.
  std::unique_ptr<ContentWatcher> watcher;
  if (a.watch) {
    auto w = ContentWatcher::open(a.content);
    if (!w) {
      std::cerr << "kb-index: " << w.status().message() << '\n';
      return 2;
    }
    watcher = std::move(w.value());
    options.stamps = &stamps;
  }
  auto report = kb::run_indexer(options);
  if (!report) {
    std::cerr << "kb-index: " << report.status().message() << '\n';
    return 2;
  }
  print_report(*report, a, nullptr);
  if (watcher) {
    options.progress = nullptr;
    return watch_loop(*watcher, options, a);
  }
  return report->has_errors() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--content") {
      if (!value(a.content)) return usage_error("--content needs a folder");
    } else if (arg == "--index") {
      if (!value(a.index)) return usage_error("--index needs a folder");
    } else if (arg == "--default-lang") {
      if (!value(a.default_lang)) return usage_error("--default-lang needs a language tag");
    } else if (arg == "--unknown-audience") {
      if (!value(a.unknown_audience) || (a.unknown_audience != "public" && a.unknown_audience != "internal")) {
        return usage_error("--unknown-audience must be 'internal' or 'public'");
      }
    } else if (arg == "--watch") {
      a.watch = true;
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (arg == "--format") {
      if (!value(a.format) || (a.format != "text" && a.format != "json")) {
        return usage_error("--format must be 'text' or 'json'");
      }
    } else if (arg == "--known-keys") {
      std::string list;
      if (!value(list)) return usage_error("--known-keys needs a list like 'author,ms.*'");
      for (size_t start = 0; start <= list.size();) {
        size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) a.known_keys.push_back(list.substr(start, comma - start));
        start = comma + 1;
      }
    } else if (arg == "--warnings-per-kind") {
      std::string v;
      char* end = nullptr;
      const long n = value(v) ? std::strtol(v.c_str(), &end, 10) : -1;
      if (v.empty() || *end != '\0' || n < 0 || n > 1000000) {
        return usage_error("--warnings-per-kind must be a number from 0 (all) to 1000000");
      }
      a.warnings_per_kind = static_cast<size_t>(n);
    } else if (arg == "--shards") {
      std::string v;
      char* end = nullptr;
      const long n = value(v) ? std::strtol(v.c_str(), &end, 10) : 0;
      if (v.empty() || *end != '\0' || n < 1 || n > kMaxShards) {
        return usage_error(fmt::format("--shards must be a number from 1 (not split) to {}", kMaxShards));
      }
      a.shards = static_cast<size_t>(n);
    } else if (arg == "--days" || arg == "--limit") {
      std::string v;
      char* end = nullptr;
      const long n = value(v) ? std::strtol(v.c_str(), &end, 10) : 0;
      if (v.empty() || *end != '\0' || n < 1 || n > 3650) return usage_error(arg + " must be a number from 1 to 3650");
      (arg == "--days" ? a.days : a.limit) = static_cast<int>(n);
    } else if (arg == "--lang") {
      if (!value(a.lang)) return usage_error("--lang needs a language tag");
    } else if (arg == "--audience") {
      if (!value(a.audience) || (a.audience != "public" && a.audience != "agents" && a.audience != "all")) {
        return usage_error("--audience must be 'public', 'agents' or 'all'");
      }
    } else if (i == 0 && arg == "report") {
      a.command = "report";
    } else if (arg == "--strict") {
      a.strict = true;
    } else if (i == 0 && arg == "check") {
      a.command = "check";
    } else if (i == 0 && arg == "token") {
      return kb::run_token_command("kb-index", std::vector<std::string>(args.begin() + 1, args.end()), std::cout,
                                   std::cerr);
    } else {
      return usage_error("unknown argument '" + arg + "'");
    }
  }
  if (a.command == "check") return run_check(a);
  if (a.command == "report") return run_report(a);
  return run_index(a);
}
