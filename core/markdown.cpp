#include "core/markdown.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <map>
#include <memory>
#include <mutex>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/text.h"

namespace kb {
namespace {

struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};

bool is_block(cmark_node* n) { return (cmark_node_get_type(n) & CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_BLOCK; }

// Heading text as plain text (children only, markup dropped).
std::string plain_text_of(cmark_node* root) {
  std::string out;
  std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(root));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    if (ev != CMARK_EVENT_ENTER) continue;
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        out += cmark_node_get_literal(n);
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out += ' ';
        break;
      default:
        break;
    }
  }
  return collapse_whitespace(out);
}

// "{#id}" at the end of the heading's last text node: strips it and returns id.
std::string take_explicit_id(cmark_node* heading) {
  static const std::regex kIdSuffix(R"(\s*\{#([A-Za-z0-9_][A-Za-z0-9_.:-]*)\}\s*$)");
  cmark_node* last = cmark_node_last_child(heading);
  if (last && cmark_node_get_type(last) == CMARK_NODE_TEXT) {
    std::string literal = cmark_node_get_literal(last);
    std::smatch m;
    if (std::regex_search(literal, m, kIdSuffix)) {
      std::string id = m[1];
      cmark_node_set_literal(last, literal.substr(0, static_cast<size_t>(m.position(0))).c_str());
      return id;
    }
  }
  // <a name="id"></a> inside the heading (common in converted documentation).
  static const std::regex kAnchorTag(R"re(<a\s+(?:name|id)\s*=\s*"([^"<>]{1,100})"\s*/?>)re", std::regex::icase);
  for (cmark_node* c = cmark_node_first_child(heading); c; c = cmark_node_next(c)) {
    if (cmark_node_get_type(c) != CMARK_NODE_HTML_INLINE) continue;
    std::string tag = cmark_node_get_literal(c);
    std::smatch m;
    if (std::regex_search(tag, m, kAnchorTag)) return m[1];
  }
  return {};
}

// Source line of a node: inline nodes may carry none, their block does.
int source_line(cmark_node* n) {
  for (; n; n = cmark_node_parent(n)) {
    if (int line = cmark_node_get_start_line(n); line > 0) return line;
  }
  return 0;
}

bool has_scheme(std::string_view url) {
  for (size_t i = 0; i < url.size(); ++i) {
    char c = url[i];
    if (c == ':') return i > 0;
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return false;
  }
  return false;
}

void rewrite_link(cmark_node* link, const MarkdownOptions& options) {
  if (!options.resolve_article_link) return;
  const char* raw = cmark_node_get_url(link);
  if (!raw) return;
  std::string_view url(raw);
  if (url.empty() || url[0] == '/' || url[0] == '#' || has_scheme(url)) return;
  size_t hash = url.find('#');
  std::string_view file = url.substr(0, hash);
  std::string_view fragment = hash == std::string_view::npos ? std::string_view() : url.substr(hash);
  if (file.size() < 3 || file.substr(file.size() - 3) != ".md") return;
  std::string target = resolve_relative_path(options.source_path, file);
  if (target.empty()) return;
  std::string resolved = options.resolve_article_link(target);
  if (resolved.empty()) return;
  resolved += fragment;
  cmark_node_set_url(link, resolved.c_str());
}

void rewrite_image(cmark_node* image, const MarkdownOptions& options) {
  if (!options.resolve_image) return;
  const char* raw = cmark_node_get_url(image);
  if (!raw) return;
  std::string_view url(raw);
  if (url.empty() || url[0] == '/' || has_scheme(url)) return;
  std::string target = resolve_relative_path(options.source_path, url.substr(0, url.find_first_of("?#")));
  if (target.empty()) return;
  std::string resolved = options.resolve_image(target);
  if (!resolved.empty()) cmark_node_set_url(image, resolved.c_str());
}

// Adds id="..." to the n-th heading start tag, in document order. Safe because
// raw HTML is omitted in safe mode, so every literal "<hN>" is one of ours.
std::string add_heading_ids(const std::string& html, const std::vector<std::string>& anchors) {
  std::string out;
  out.reserve(html.size() + anchors.size() * 24);
  size_t pos = 0;
  size_t k = 0;
  while (k < anchors.size()) {
    size_t at = html.find("<h", pos);
    if (at == std::string::npos) break;
    if (at + 3 < html.size() && html[at + 2] >= '1' && html[at + 2] <= '6' && html[at + 3] == '>') {
      out.append(html, pos, at + 3 - pos);
      out += " id=\"" + html_escape(anchors[k++]) + "\">";
      pos = at + 4;
    } else {
      out.append(html, pos, at + 2 - pos);
      pos = at + 2;
    }
  }
  out.append(html, pos, std::string::npos);
  return out;
}

// cmark-gfm 0.29 (Debian 12) keeps the extensions' special inline characters
// (':' and 'w' for autolinks, '~' for strikethrough) in one process-wide
// table: attaching an extension adds them, and parsing a document's inlines
// (table rows included) adds them and takes them out again. Two documents
// parsed at once therefore lose each other's autolinks and strikethroughs.
// Parsing holds this lock; rendering the tree and our passes over it do not
// touch the table and run in parallel.
std::mutex& cmark_parse_mutex() {
  static std::mutex mu;
  return mu;
}

// Needs cmark_parse_mutex() held.
cmark_parser* new_gfm_parser(int options) {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
  cmark_parser* parser = cmark_parser_new(options);
  for (const char* name : {"table", "autolink", "strikethrough"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser, ext);
    }
  }
  return parser;
}

}  // namespace

bool has_url_scheme(std::string_view url) { return has_scheme(url); }

namespace {

// "::: internal" (any case, optional space) standing alone on its line.
bool is_internal_opener(std::string_view l) {
  static const std::regex kOpener(R"(^:::\s*internal$)", std::regex::icase);
  return std::regex_match(l.begin(), l.end(), kOpener);
}

// Anything that looks like an attempt at one: indented, in a list or a
// quote, followed by text. Not taken as a block, so it must not pass silently.
const std::regex& near_opener() {
  static const std::regex kNear(R"(^\s*(>\s*)*([-*+]|\d+[.)])?\s*:{3,}\s*internal\b)", std::regex::icase);
  return kNear;
}

}  // namespace

Result<InternalBlocks> split_internal_blocks(std::string_view markdown) {
  InternalBlocks out;
  int line = 0, open_line = 0;
  bool in_block = false;
  std::string_view code_fence;  // the ``` or ~~~ run of an open code block
  for (size_t pos = 0; pos < markdown.size();) {
    const size_t nl = markdown.find('\n', pos);
    const size_t end = nl == std::string_view::npos ? markdown.size() : nl + 1;
    const std::string_view raw = markdown.substr(pos, end - pos);
    pos = end;
    ++line;
    std::string_view l = raw;
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    std::string_view indented = l;
    while (!indented.empty() && indented.front() == ' ') indented.remove_prefix(1);
    if (!code_fence.empty()) {
      if (indented.starts_with(code_fence)) code_fence = {};
    } else if (indented.starts_with("```") || indented.starts_with("~~~")) {
      code_fence = indented.substr(0, 3);
    }
    const bool opens = code_fence.empty() && l.starts_with(":::") && is_internal_opener(l);
    const bool closes = code_fence.empty() && in_block && l == ":::";
    if (opens) {
      if (in_block) {
        return Status::error(fmt::format("'::: internal' inside the internal block opened on line {}; close it "
                                         "with ':::' first", open_line),
                             line);
      }
      in_block = true;
      open_line = line;
      if (!out.any) {
        // Markers drawn at random each time an article is split (64 bits
        // from the OS): no text a writer types, or copies from an earlier
        // rendering, can be the markers of the next one. They never leave
        // this split and the wrap below, so the output stays the same.
        const std::string tag = random_hex(8);
        out.open_marker = "KB-INTERNAL-OPEN-" + tag;
        out.close_marker = "KB-INTERNAL-CLOSE-" + tag;
      }
      out.any = true;
      out.public_text += '\n';
      out.agent_text += '\n';
      out.agent_marked += "\n" + out.open_marker + "\n\n";
      continue;
    }
    if (closes) {
      in_block = false;
      out.public_text += '\n';
      out.agent_text += '\n';
      out.agent_marked += "\n" + out.close_marker + "\n\n";
      continue;
    }
    out.public_text += in_block ? std::string_view("\n") : raw;
    out.agent_text += raw;
    out.agent_marked += raw;
  }
  if (in_block) {
    return Status::error("the internal block opened here is never closed: end it with a line ':::'", open_line);
  }
  // Fail closed: what the public will see must hold no would-be block
  // (an indented or quoted fence, one inside a list or after a code fence
  // this scan did not close the way Markdown does).
  line = 0;
  for (size_t pos = 0; pos < out.public_text.size();) {
    const size_t nl = out.public_text.find('\n', pos);
    const size_t end = nl == std::string::npos ? out.public_text.size() : nl;
    ++line;
    const std::string_view l = std::string_view(out.public_text).substr(pos, end - pos);
    pos = end + 1;
    // The regular expression only where it can match: it is slow, and this
    // runs on every line of every article.
    if (l.find(":::") != std::string_view::npos && std::regex_search(l.begin(), l.end(), near_opener())) {
      return Status::error(
          "'::: internal' is not taken as an internal block here (it would be shown to customers): put the "
          "fence alone at the start of a line, outside lists, quotes and code",
          line);
    }
  }
  return out;
}

std::string wrap_internal_blocks(const std::string& html, const InternalBlocks& blocks) {
  if (blocks.open_marker.empty()) return html;
  const std::string open = "<p>" + blocks.open_marker + "</p>";
  const std::string close = "<p>" + blocks.close_marker + "</p>";
  std::string out = html;
  for (size_t at; (at = out.find(open)) != std::string::npos;) out.replace(at, open.size(), "<div class=\"internal-block\">");
  for (size_t at; (at = out.find(close)) != std::string::npos;) out.replace(at, close.size(), "</div>");
  // Markers the Markdown put somewhere else (inside a list): dropped.
  for (const auto& marker : {blocks.open_marker, blocks.close_marker}) {
    for (size_t at; (at = out.find(marker)) != std::string::npos;) out.erase(at, marker.size());
  }
  return out;
}

std::string resolve_relative_path(std::string_view from_path, std::string_view target) {
  if (target.empty() || target[0] == '/' || has_scheme(target)) return {};
  std::vector<std::string> parts;
  size_t slash = from_path.rfind('/');
  std::string joined = slash == std::string_view::npos ? std::string(target)
                                                       : std::string(from_path.substr(0, slash + 1)) + std::string(target);
  size_t start = 0;
  while (start <= joined.size()) {
    size_t end = joined.find('/', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    if (part == "..") {
      if (parts.empty()) return {};
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

RenderedMarkdown render_markdown(std::string_view markdown, const MarkdownOptions& options) {
  RenderedMarkdown out;
  const int cmark_options = CMARK_OPT_DEFAULT | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE;
  std::unique_ptr<cmark_parser, ParserDeleter> parser;  // its extensions render the HTML below
  std::unique_ptr<cmark_node, NodeDeleter> doc;
  {
    std::lock_guard lock(cmark_parse_mutex());
    parser.reset(new_gfm_parser(cmark_options));
    cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
    doc.reset(cmark_parser_finish(parser.get()));
  }

  if (options.take_title_from_first_heading) {
    cmark_node* first = cmark_node_first_child(doc.get());
    if (first && cmark_node_get_type(first) == CMARK_NODE_HEADING && cmark_node_get_heading_level(first) == 1) {
      take_explicit_id(first);
      out.title = plain_text_of(first);
      cmark_node_free(first);  // unlinks it too
    }
  }

  // Pass 1: headings (explicit ids first, so generated ones avoid them), links.
  std::vector<cmark_node*> headings;
  std::vector<std::string> explicit_ids;
  {
    std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(doc.get()));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
      if (ev != CMARK_EVENT_ENTER) continue;
      cmark_node* n = cmark_iter_get_node(it.get());
      cmark_node_type t = cmark_node_get_type(n);
      if (t == CMARK_NODE_HEADING) {
        headings.push_back(n);
        explicit_ids.push_back(take_explicit_id(n));
      } else if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
        const char* url = cmark_node_get_url(n);
        out.references.push_back({t == CMARK_NODE_LINK ? Reference::Kind::kLink : Reference::Kind::kImage,
                                  url ? url : "", source_line(n)});
        if (t == CMARK_NODE_LINK) rewrite_link(n, options);
        if (t == CMARK_NODE_IMAGE) rewrite_image(n, options);
      }
    }
  }
  std::set<std::string> used(explicit_ids.begin(), explicit_ids.end());
  used.erase(std::string());
  std::vector<std::string> anchors(headings.size());
  std::map<cmark_node*, size_t> heading_index;
  for (size_t i = 0; i < headings.size(); ++i) {
    heading_index[headings[i]] = i;
    if (!explicit_ids[i].empty()) {
      anchors[i] = explicit_ids[i];
      continue;
    }
    std::string base = slugify(plain_text_of(headings[i]));
    std::string candidate = base;
    for (int n = 1; used.count(candidate); ++n) candidate = base + "-" + std::to_string(n);
    used.insert(candidate);
    anchors[i] = candidate;
  }

  // Pass 2: plain text and Markdown (links already rewritten) per section.
  Section current;  // the intro
  std::string text, md;
  auto finish_section = [&] {
    current.text = collapse_whitespace(text);
    while (!md.empty() && md.back() == '\n') md.pop_back();
    current.markdown = std::move(md);
    if (!current.text.empty() || current.level > 0) out.sections.push_back(std::move(current));
    text.clear();
    md.clear();
  };
  {
    std::unique_ptr<cmark_iter, IterDeleter> it(cmark_iter_new(doc.get()));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
      cmark_node* n = cmark_iter_get_node(it.get());
      cmark_node_type t = cmark_node_get_type(n);
      if (t == CMARK_NODE_HEADING) {
        if (ev == CMARK_EVENT_ENTER) {
          finish_section();
          size_t i = heading_index[n];
          current = Section{plain_text_of(n), anchors[i], cmark_node_get_heading_level(n), {}, {}};
          // Skip the heading's own inline content: it is the section title.
          cmark_iter_reset(it.get(), n, CMARK_EVENT_EXIT);
        }
        continue;
      }
      if (ev == CMARK_EVENT_EXIT) {
        if (is_block(n)) text += '\n';
        continue;
      }
      if (cmark_node_parent(n) == doc.get()) {
        char* block = cmark_render_commonmark(n, CMARK_OPT_DEFAULT, 0);
        md += block;
        md += '\n';
        free(block);  // NOLINT: allocated by cmark with the default allocator
      }
      switch (t) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_CODE_BLOCK:
          text += cmark_node_get_literal(n);
          text += t == CMARK_NODE_CODE_BLOCK ? "\n" : "";
          break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
          text += ' ';
          break;
        default:
          // Table cells are blocks with no separator of their own.
          if (is_block(n)) text += ' ';
          break;
      }
    }
  }
  finish_section();

  char* html = cmark_render_html(doc.get(), cmark_options, cmark_parser_get_syntax_extensions(parser.get()));
  out.html = add_heading_ids(html, anchors);
  free(html);  // NOLINT: allocated by cmark with the default allocator
  return out;
}

}  // namespace kb
