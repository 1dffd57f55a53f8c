// kb-index: argument parsing and wiring only; the work is in kb_core.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/indexer.h"
#include "core/revision.h"
#include "core/tokens.h"

namespace {

constexpr const char* kUsage = R"(Usage:
  kb-index --content DIR --index DIR [--default-lang TAG]
           [--unknown-audience internal|public] [--quiet]
  kb-index token create NAME --index DIR
  kb-index token revoke NAME --index DIR
  kb-index token list --index DIR

Indexes the Markdown articles under --content into a new revision of the
index in --index and publishes it atomically: a running kb-server switches to
it without a restart. Unchanged files are skipped, deleted files removed.
A file that cannot be indexed is reported as path:line: error: message and
skipped; its previously published version keeps serving.

Options:
  --content DIR        folder of Markdown articles with YAML front matter
  --index DIR          index folder (created when missing)
  --default-lang TAG   language of articles whose front matter names none,
                       that sit in no language folder and whose text is too
                       short to tell (default: en)
  --unknown-audience internal|public
                       what an 'audience' other than public or internal
                       means, for content written for another system (e.g.
                       'audience: Application User'). Without this option it
                       means internal, with a warning per file.
  --quiet              no progress bar and no summary, only problems
  -h, --help           this text

Tokens let support agents see internal articles and drafts: send them as
'Authorization: Bearer TOKEN'. 'token create' prints the token once; only
its hash is stored (INDEX/auth.db).

Exit status: 0 when every file was indexed, 1 when some failed (the rest
are published), 2 on usage errors or when nothing could be indexed.
)";

struct Args {
  std::string command = "index";
  std::string token_action;
  std::string token_name;
  std::string content;
  std::string index;
  std::string default_lang = "en";
  std::string unknown_audience;
  bool quiet = false;
};

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

int run_token(const Args& a) {
  if (a.index.empty()) return usage_error("token commands need --index DIR");
  kb::IndexLayout layout(a.index);
  std::error_code ec;
  std::filesystem::create_directories(layout.root(), ec);
  try {
    kb::TokenStore store(layout.auth_db());
    if (a.token_action == "create") {
      auto token = store.create(a.token_name);
      if (!token) return usage_error(token.status().message());
      std::cout << *token << '\n';
      if (isatty(STDOUT_FILENO)) std::cerr << "Keep it safe: it is shown only once.\n";
      return 0;
    }
    if (a.token_action == "revoke") {
      kb::Status s = store.revoke(a.token_name);
      if (!s) return usage_error(s.message());
      return 0;
    }
    auto list = store.list();
    if (!list) return usage_error(list.status().message());
    for (const auto& t : *list) std::cout << t.name << '\t' << t.created << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "kb-index: " << e.what() << '\n';
    return 2;
  }
}

int run_index(const Args& a) {
  if (a.content.empty() || a.index.empty()) return usage_error("--content and --index are required");
  ProgressBar bar(!a.quiet && isatty(STDERR_FILENO));
  kb::IndexOptions options;
  options.content_dir = a.content;
  options.index_dir = a.index;
  options.content.default_lang = a.default_lang;
  if (a.unknown_audience == "public") options.content.front_matter.unknown_audience = kb::Audience::kPublic;
  if (a.unknown_audience == "internal") options.content.front_matter.unknown_audience = kb::Audience::kInternal;
  options.progress = [&bar](size_t done, size_t total) { bar.update(done, total); };
  auto report = kb::run_indexer(options);
  if (!report) {
    std::cerr << "kb-index: " << report.status().message() << '\n';
    return 2;
  }
  for (const auto& d : report->diagnostics) std::cerr << kb::format_diagnostic(d) << '\n';
  if (!a.quiet) {
    std::cerr << fmt::format("{} added, {} updated, {} removed, {} unchanged, {} failed in {:.2f}s; {}\n",
                             report->added, report->updated, report->removed, report->unchanged, report->failed,
                             report->seconds,
                             report->published ? "published revision " + *report->published
                                               : std::string("nothing to publish"));
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
    } else if (arg == "--quiet") {
      a.quiet = true;
    } else if (i == 0 && arg == "token") {
      a.command = "token";
      if (i + 1 >= args.size()) return usage_error("token needs create, revoke or list");
      a.token_action = args[++i];
      if (a.token_action != "list") {
        if (a.token_action != "create" && a.token_action != "revoke") {
          return usage_error("unknown token command '" + a.token_action + "'");
        }
        if (i + 1 >= args.size()) return usage_error("token " + a.token_action + " needs a NAME");
        a.token_name = args[++i];
      }
    } else {
      return usage_error("unknown argument '" + arg + "'");
    }
  }
  return a.command == "token" ? run_token(a) : run_index(a);
}
