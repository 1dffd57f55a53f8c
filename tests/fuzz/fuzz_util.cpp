#include "tests/fuzz/fuzz_util.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <vector>

#include "core/indexer.h"

namespace kb::fuzz {
namespace {

std::vector<fs::path>& dirs_to_remove() {
  static std::vector<fs::path> dirs;
  return dirs;
}

void remove_dirs() {
  std::error_code ec;
  for (const auto& d : dirs_to_remove()) fs::remove_all(d, ec);
}

void write_file(const fs::path& file, std::string_view text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

std::string article(std::string_view front, std::string_view body) {
  return "---\n" + std::string(front) + "\n---\n" + std::string(body);
}

}  // namespace

void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "\n%s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

fs::path temp_dir(const std::string& name) {
  static std::once_flag registered;
  std::call_once(registered, [] { std::atexit(remove_dirs); });
  fs::path dir = fs::temp_directory_path() / fmt::format("kb-fuzz-{}-{}", name, ::getpid());
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  dirs_to_remove().push_back(dir);
  return dir;
}

void build_fixture_index(const fs::path& content, const fs::path& index) {
  write_file(content / "en/ledger-basics.md",
             article("title: Ledger basics\nslug: ledger-basics\ncategory: Accounting\ntags: [ledger, basics]\n"
                     "updated: 2026-03-01",
                     "How the books are kept.\n\n## Opening balances {#opening}\n\nEnter opening balances once.\n\n"
                     "| Account | Balance |\n|---|---:|\n| Cash | 100 |\n| Bank | 2 000 |\n"));
  write_file(content / "en/billing/refunds.md",
             article("title: Request a refund\nslug: refunds\ncategory: Billing\ntags: [billing, refunds]\n"
                     "summary: How refunds work.\naliases: [money-back]",
                     "Refunds go back to the original card.\n\n## Refund timeline\n\nRefunds take five to ten "
                     "business days.\n\n::: internal\n### Marzipan approvals\n\nRefunds over 500 EUR need the marzipan "
                     "approval.\n:::\n\n"
                     "See [the ledger](../ledger-basics.md#opening).\n"));
  write_file(content / "fi/kuluraportti.md",
             article("title: Kuluraportin tekeminen\nslug: kuluraportti\ncategory: Kulut\ntags: [kulut]",
                     "Kuluraportti lähetetään kuukausittain.\n\n## Maksutavat\n\nVoit maksaa kortilla tai "
                     "laskulla.\n"));
  write_file(content / "pl/faktury.md",
             article("title: Wystawianie faktury\nslug: faktury\ncategory: Faktury",
                     "Każda faktura ma numer.\n\n## Korekta\n\nFakturę korygującą wystawisz z menu obsługi.\n"));
  write_file(content / "vi/quan-ly.md",
             article("title: Quản lý người dùng\nslug: quan-ly\ncategory: Quản trị\ntags: [người dùng]",
                     "Bạn có thể quản lý người dùng trong phần cài đặt.\n\n## Phân quyền\n\nMỗi người dùng có "
                     "một vai trò. Dự án mới.\n"));
  write_file(content / "ja/password.md",
             article("title: パスワードの再設定\nslug: ja-password\nlang: ja",
                     "パスワードを忘れた場合は、ログイン画面から再設定できます。\n\n## メール\n\n"
                     "再設定のメールが届きます。\n"));
  write_file(content / "zh/invoice.md",
             article("title: 下载发票\nslug: zh-invoice\nlang: zh",
                     "您可以在账单页面下载发票。\n\n## 税号\n\n请填写税号。\n"));
  write_file(content / "en/internal/goodwill.md",
             article("title: Goodwill credit policy\nslug: goodwill\ncategory: Billing\ntags: [billing, secret-tag]\n"
                     "audience: internal",
                     "Agents may grant a zanzibar credit of up to 20 EUR.\n\n## Zanzibar approvals\n\nAsk a lead.\n"));
  write_file(content / "en/billing/aurora.md",
             article("title: Aurora pricing preview\nslug: aurora\ncategory: Billing\ntags: [billing, draft-tag]\n"
                     "draft: true",
                     "The quixotic plan launches next year.\n"));
  // Synonyms, so queries also take the paths that expand them: one group
  // for all languages, groups of one language, an entry of several words.
  write_file(content / "synonyms.txt",
             "money back, refund, reimbursement\nbooks, ledger\n[fi]\nkulukorvaus, kuluraportti\n"
             "[vi]\nquản lý người dùng, phân quyền, điều hành\n[pl]\nrachunek, faktura\n");
  IndexOptions options;
  options.content_dir = content;
  options.index_dir = index;
  options.threads = 1;
  auto report = run_indexer(options);
  if (!report) fail(__FILE__, __LINE__, "fixture indexing failed: " + report.status().message());
  if (report->has_errors()) {
    std::string all;
    for (const auto& d : report->diagnostics) all += format_diagnostic(d) + "\n";
    fail(__FILE__, __LINE__, "fixture articles failed:\n" + all);
  }
}

bool is_marked_text(std::string_view html) {
  bool open = false;
  for (size_t i = 0; i < html.size();) {
    const std::string_view rest = html.substr(i);
    if (rest.starts_with("<mark>")) {
      if (open) return false;
      open = true;
      i += 6;
    } else if (rest.starts_with("</mark>")) {
      if (!open) return false;
      open = false;
      i += 7;
    } else if (html[i] == '<' || html[i] == '>' || html[i] == '"' || html[i] == '\'') {
      return false;
    } else if (html[i] == '&') {
      bool entity = false;
      for (std::string_view e : {"&amp;", "&lt;", "&gt;", "&quot;", "&#39;"}) entity = entity || rest.starts_with(e);
      if (!entity) return false;
      ++i;
    } else {
      ++i;
    }
  }
  return !open;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace kb::fuzz
