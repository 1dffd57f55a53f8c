// Reading articles from a content folder: finding files, validating bytes,
// front matter and the defaults of the content model (DESIGN.md).
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/article.h"
#include "core/frontmatter.h"
#include "core/status.h"

namespace kb {

// An article file larger than this is refused: no help article is this long,
// and a huge file would dominate indexing time and memory.
inline constexpr size_t kMaxArticleBytes = 4 * 1024 * 1024;

// Content-relative paths ('/'-separated) of every *.md file under `dir`,
// sorted; hidden files and folders (".git") are skipped.
std::vector<std::string> list_markdown_files(const std::filesystem::path& dir);

// Reads a file whole, refusing files over `max_bytes` ("file is 9.5 MB;
// <what> are limited to 4 MB").
Result<std::string> read_text_file(const std::filesystem::path& file, size_t max_bytes, std::string_view what);

// Reads a file whole, refusing files over kMaxArticleBytes.
Result<std::string> read_article_file(const std::filesystem::path& file);

// Rejects bytes that are not a text article: empty, NUL bytes (binary),
// invalid UTF-8. The Status carries the offending line.
Status check_article_bytes(std::string_view bytes);

// Front matter plus the content-model defaults that do not need the body:
// slug from the path, language from front matter, else a language-tag folder
// (else build_article detects it from the text, else `default_lang`).
struct ArticleHead {
  std::string path;
  std::string bytes;  // the whole file; `front.body` views it
  FrontMatter front;
  std::string hash;   // set by the caller, who hashed the bytes already
  std::string default_lang;  // when neither front matter, folder nor text tell
};

struct ContentOptions {
  std::string default_lang = "en";
  FrontMatterOptions front_matter;
};

Result<ArticleHead> read_article_head(const std::string& path, std::string bytes, const ContentOptions& options);

// Renders the body and completes the article (title from the first heading
// when the front matter has none; an error when neither has one).
// `resolve_article_link` maps linked .md files to URLs (see MarkdownOptions).
// `resolve_image` maps local images to URLs the same way (may be empty).
Result<Article> build_article(const ArticleHead& head,
                              const std::function<std::string(const std::string&)>& resolve_article_link,
                              const std::function<std::string(const std::string&)>& resolve_image = {});

// The URL path of an article page.
std::string article_url(const std::string& slug);

}  // namespace kb
