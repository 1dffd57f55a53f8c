#include "core/content_loader.h"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/markdown.h"
#include "core/text.h"

namespace kb {

std::vector<std::string> list_markdown_files(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] == '.') {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || it->path().extension() != ".md") continue;
    out.push_back(fs::relative(it->path(), dir).generic_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::string> read_text_file(const std::filesystem::path& file, size_t max_bytes, std::string_view what) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return Status::error(fmt::format("cannot read: {}", ec.message()));
  if (size > max_bytes) {
    return Status::error(fmt::format("file is {:.1f} MB; {} are limited to {} MB",
                                     static_cast<double>(size) / (1024.0 * 1024.0), what, max_bytes / (1024 * 1024)));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::error("cannot open file");
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) return Status::error("file changed while reading");
  return bytes;
}

Result<std::string> read_article_file(const std::filesystem::path& file) {
  return read_text_file(file, kMaxArticleBytes, "articles");
}

Status check_article_bytes(std::string_view bytes) {
  if (collapse_whitespace(bytes).empty()) return Status::error("file is empty", 1);
  if (size_t nul = bytes.find('\0'); nul != std::string_view::npos) {
    return Status::error("file contains NUL bytes; is it a binary file?", line_of_offset(bytes, nul));
  }
  if (!is_valid_utf8(bytes)) {
    // Find the first bad line for the message.
    size_t line_start = 0;
    while (line_start < bytes.size()) {
      size_t nl = bytes.find('\n', line_start);
      size_t end = nl == std::string_view::npos ? bytes.size() : nl;
      if (!is_valid_utf8(bytes.substr(line_start, end - line_start))) {
        return Status::error("invalid UTF-8; save the file as UTF-8", line_of_offset(bytes, line_start));
      }
      line_start = end + 1;
    }
    return Status::error("invalid UTF-8; save the file as UTF-8");
  }
  return Status::ok();
}

Result<ArticleHead> read_article_head(const std::string& path, std::string bytes, const ContentOptions& options) {
  Status s = check_article_bytes(bytes);
  if (!s) return s;
  ArticleHead head;
  head.path = path;
  head.bytes = to_nfc(bytes);  // as queries are: one form for one word
  auto fm = parse_front_matter(head.bytes, options.front_matter);
  if (!fm) return fm.status();
  head.front = std::move(fm.value());
  Metadata& m = head.front.meta;
  if (m.slug.empty()) {
    m.slug = path.size() > 3 ? path.substr(0, path.size() - 3) : path;
  }
  if (m.lang.empty()) {
    // The nearest enclosing folder named like a language tag ("fi", "pt-BR").
    std::vector<std::string> folders;
    for (size_t start = 0, slash; (slash = path.find('/', start)) != std::string::npos; start = slash + 1) {
      folders.push_back(path.substr(start, slash - start));
    }
    // Only two-letter primary subtags: three-letter codes include ordinary
    // folder names ("new" is Newari).
    auto it = std::find_if(folders.rbegin(), folders.rend(), [](const std::string& f) {
      return (f.size() == 2 || (f.size() > 2 && (f[2] == '-' || f[2] == '_'))) && analysis::is_language_tag(f);
    });
    if (it != folders.rend()) m.lang = *it;
  }
  head.default_lang = options.default_lang;
  if (m.lang.empty()) return head;  // detected from the text once it is rendered
  if (!analysis::is_language_tag(m.lang)) {
    return Status::error(fmt::format("'lang' must be a language tag like en, fi or pt-BR, not '{}'", m.lang));
  }
  m.lang = analysis::normalize_lang(m.lang);
  return head;
}

namespace {

// Enough text for a confident guess; more only costs time.
constexpr size_t kDetectionSampleBytes = 8 * 1024;

std::string detect_article_language(const Article& a, const std::string& fallback) {
  std::string sample = a.meta.title + ".\n" + a.meta.summary + "\n";
  for (const auto& s : a.sections) {
    if (sample.size() >= kDetectionSampleBytes) break;
    sample += s.title + ".\n" + s.text + "\n";
  }
  auto lang = analysis::detect_language(utf8_truncate(sample, kDetectionSampleBytes));
  return lang && analysis::is_language_tag(*lang) ? analysis::normalize_lang(*lang) : fallback;
}

}  // namespace

Result<Article> build_article(const ArticleHead& head,
                              const std::function<std::string(const std::string&)>& resolve_article_link,
                              const std::function<std::string(const std::string&)>& resolve_image) {
  Article a;
  a.path = head.path;
  a.meta = head.front.meta;
  a.content_hash = head.hash;
  MarkdownOptions options;
  options.source_path = head.path;
  options.resolve_article_link = resolve_article_link;
  options.resolve_image = resolve_image;
  options.take_title_from_first_heading = a.meta.title.empty();
  auto blocks = split_internal_blocks(head.front.body);
  if (!blocks) {
    const int line = blocks.status().line();
    return Status::error(blocks.status().message(), line > 0 ? line + head.front.body_first_line - 1 : 0);
  }
  RenderedMarkdown r = render_markdown(blocks->any ? std::string_view(blocks->public_text) : head.front.body, options);
  if (blocks->any) {
    for (const auto& ref : r.references) {
      if (ref.kind != Reference::Kind::kImage) continue;
      a.public_images.push_back(resolve_relative_path(head.path, ref.url.substr(0, ref.url.find_first_of("?#"))));
    }
    // The agents' version; links and images are checked in it (it has them all).
    RenderedMarkdown agent = render_markdown(blocks->agent_text, options);
    a.sections_agent = std::move(agent.sections);
    r.references = std::move(agent.references);
    a.html_agent = wrap_internal_blocks(render_markdown(blocks->agent_marked, options).html, *blocks);
  }
  if (a.meta.title.empty()) a.meta.title = r.title;
  if (a.meta.title.empty()) {
    return Status::error("missing title: add 'title:' to the front matter or start the text with '# Title'", 1);
  }
  a.html = std::move(r.html);
  a.sections = std::move(r.sections);
  a.references = std::move(r.references);
  for (auto& ref : a.references) {
    if (ref.line > 0) ref.line += head.front.body_first_line - 1;  // body line -> file line
  }
  if (a.meta.lang.empty()) a.meta.lang = detect_article_language(a, head.default_lang);
  return a;
}

std::string article_url(const std::string& slug) { return "/articles/" + slug; }

}  // namespace kb
