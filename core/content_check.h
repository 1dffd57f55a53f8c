// `kb-index check`: everything a writer should fix before publishing, found
// without touching an index. Per file, what the indexer reports (bytes, front
// matter, titles); across files, what only the whole folder shows (duplicate
// slugs and titles, links to missing articles or headings, missing images,
// colliding aliases, translations missing or older than their source,
// expired articles, unknown front matter keys), and synonyms.txt.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/content_loader.h"
#include "core/indexer.h"

namespace kb {

struct CheckOptions {
  std::filesystem::path content_dir;
  ContentOptions content;
  std::string today;  // YYYY-MM-DD for `expires`; empty: the current UTC date
  // Front matter keys of another system that are not worth a warning: exact
  // names, or prefixes ending in '*' ("ms.*").
  std::vector<std::string> known_keys;
};

struct CheckReport {
  size_t files = 0;
  size_t errors = 0;
  size_t warnings = 0;
  // Sorted by path, then line. Each message names its check in `check`.
  struct Item {
    FileDiagnostic where;
    std::string check;  // "file", "front-matter", "slug", "title", "internal-block", "link", "image", "alias",
                        // "translation", "expired", "synonyms"
  };
  std::vector<Item> items;
};

Result<CheckReport> check_content(const CheckOptions& options);

}  // namespace kb
