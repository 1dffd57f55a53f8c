// YAML front matter → Metadata, with line numbers for every error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.h"
#include "core/status.h"

namespace kb {

// A problem found in a file. `line` is 1-based in the whole file, 0 if unknown.
struct Diagnostic {
  enum class Severity { kError, kWarning };
  Severity severity = Severity::kError;
  int line = 0;
  std::string message;
};

struct FrontMatter {
  Metadata meta;
  bool present = false;         // the file starts with a '---' block
  std::string_view body;        // the Markdown after the block (views the input)
  int body_first_line = 1;      // 1-based line of `body`'s first byte
  std::vector<Diagnostic> warnings;
  std::map<std::string, int> key_lines;  // every key present -> its line in the file
};

struct FrontMatterOptions {
  // What an `audience` other than public/internal means. Unset: internal,
  // with a warning (fail closed). Set (kb-index --unknown-audience): that,
  // silently, for content written for another system's schema.
  std::optional<Audience> unknown_audience;
};

// Splits `file_text` into front matter and body and reads the known keys
// (DESIGN.md content model). Wrong types and malformed YAML are errors;
// unknown keys are kept in `meta.extra`. `file_text` must outlive the result.
Result<FrontMatter> parse_front_matter(std::string_view file_text, const FrontMatterOptions& options = {});

// True for YYYY-MM-DD with a plausible month and day.
bool is_iso_date(std::string_view s);

}  // namespace kb
