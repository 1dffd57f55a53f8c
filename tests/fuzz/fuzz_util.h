// Helpers shared by the libFuzzer targets: a checked-condition macro that
// stops the run with a message (libFuzzer then writes the reproducer), a
// private temporary folder, and a small real help center indexed once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace kb::fuzz {

namespace fs = std::filesystem;

// Prints `what` with the location and aborts: libFuzzer treats the abort as a
// crash and saves the input. Unlike assert(), it is never compiled out.
[[noreturn]] void fail(const char* file, int line, const std::string& what);

#define KB_FUZZ_CHECK(cond, ...)                                                   \
  do {                                                                             \
    if (!(cond)) ::kb::fuzz::fail(__FILE__, __LINE__, "check failed: " #cond "\n" \
                                  + fmt::format(__VA_ARGS__));                     \
  } while (0)

// A fresh folder under the temp dir (scripts/fuzz.sh points TMPDIR at its
// own work folder), removed when the process exits normally.
fs::path temp_dir(const std::string& name);

// Words that only staff may ever see: in an internal article, in a draft, and
// in an `::: internal` block of a public article. Lowercase ASCII.
inline constexpr std::string_view kSecretWords[] = {"zanzibar", "quixotic", "marzipan"};

// Writes the fixture help center (several languages, CJK, tables, explicit
// anchors, an internal block, an internal article and a draft) into
// `content` and indexes it into `index` with the real indexer. Aborts when
// indexing fails: every target that needs it would be useless without it.
void build_fixture_index(const fs::path& content, const fs::path& index);

// True when `html` is text escaped by html_escape() with only <mark>...</mark>
// around matches: no other tags, no bare '&', marks neither nested nor open.
bool is_marked_text(std::string_view html);

// `s` with ASCII letters lowercased (other bytes kept).
std::string ascii_lower(std::string_view s);

}  // namespace kb::fuzz
