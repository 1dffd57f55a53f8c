// Markdown: an article body through the whole path it takes at index time
// (content_loader.cpp build_article: internal blocks split, the public and the
// agents' renderings, sections with anchors and Markdown), then each section's
// Markdown rendered again as the answer route hands it out. Beyond not
// crashing: the split keeps every line in place and the public text holds
// nothing of a block; the HTML has only tags and attributes cmark and we
// write (safe mode: no raw HTML, no event handlers); anchors are unique
// and each heading carries its id; text from valid UTF-8 is valid UTF-8.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "core/content_loader.h"
#include "core/markdown.h"
#include "core/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kb::fuzz::fail;

std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  for (size_t pos = 0;;) {
    const size_t nl = s.find('\n', pos);
    out.push_back(s.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Every tag is one cmark-gfm (safe mode) or add_heading_ids/wrap_internal_blocks
// writes, with double-quoted attribute values and no event handlers.
void check_tags(std::string_view html, bool agent) {
  static const std::set<std::string, std::less<>> kTags = {
      "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img", "li",
      "ol", "p", "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul", "input", "div"};
  static const std::set<std::string, std::less<>> kAttributes = {"id", "href", "src", "alt", "title", "class",
                                                                 "align", "start", "checked", "disabled", "type"};
  static constexpr std::string_view kOmitted = "<!-- raw HTML omitted -->";
  for (size_t at = html.find('<'); at != std::string_view::npos; at = html.find('<', at + 1)) {
    if (html.substr(at).starts_with(kOmitted)) continue;  // cmark's safe mode, in place of raw HTML
    size_t i = at + 1;
    if (i < html.size() && html[i] == '/') ++i;
    const size_t name_start = i;
    while (i < html.size() && is_name_char(html[i])) ++i;
    const std::string_view name = html.substr(name_start, i - name_start);
    KB_FUZZ_CHECK(kTags.count(name), "unexpected tag '{}' at {}: {}", name, at, html.substr(at, 80));
    KB_FUZZ_CHECK(agent || name != "div", "a <div> in the public HTML: {}", html.substr(at, 80));
    for (;;) {
      while (i < html.size() && html[i] == ' ') ++i;
      KB_FUZZ_CHECK(i < html.size(), "unterminated tag at {}", at);
      if (html[i] == '>') break;
      if (html.substr(i, 2) == "/>") break;
      const size_t attr_start = i;
      while (i < html.size() && is_name_char(html[i])) ++i;
      const std::string_view attr = html.substr(attr_start, i - attr_start);
      KB_FUZZ_CHECK(kAttributes.count(attr), "unexpected attribute '{}' in <{}>: {}", attr, name, html.substr(at, 120));
      if (i < html.size() && html[i] == '=') {
        KB_FUZZ_CHECK(i + 1 < html.size() && html[i + 1] == '"', "unquoted attribute value: {}", html.substr(at, 120));
        const size_t close = html.find('"', i + 2);
        KB_FUZZ_CHECK(close != std::string_view::npos, "unterminated attribute value at {}", at);
        const std::string_view value = html.substr(i + 2, close - i - 2);
        KB_FUZZ_CHECK(value.find('<') == std::string_view::npos && value.find('>') == std::string_view::npos,
                      "unescaped '<' or '>' in an attribute: {}", html.substr(at, 120));
        if (attr == "href" || attr == "src") {
          const std::string v = kb::fuzz::ascii_lower(value);
          KB_FUZZ_CHECK(!v.starts_with("javascript:") && !v.starts_with("vbscript:") && !v.starts_with("data:text"),
                        "unsafe URL: {}", html.substr(at, 120));
        }
        i = close + 1;
      }
    }
  }
}

// `blocks`: the markers kb put in (none without blocks); none may be left,
// whatever the writer typed (the markers hash the text, so no text makes them).
// `explicit_id`: whether the writer gave this id ("{#id}", <a name="id">).
void check_rendering(std::string_view html, const std::vector<kb::Section>& sections, bool utf8, bool agent,
                     const kb::InternalBlocks& blocks, const std::function<bool(const std::string&)>& explicit_id) {
  if (utf8) KB_FUZZ_CHECK(kb::is_valid_utf8(html), "HTML is not valid UTF-8");
  check_tags(html, agent);
  for (const auto& marker : {blocks.open_marker, blocks.close_marker}) {
    KB_FUZZ_CHECK(marker.empty() || html.find(marker) == std::string_view::npos, "a block marker left in the HTML");
  }
  std::set<std::string> anchors;
  for (size_t i = 0; i < sections.size(); ++i) {
    const kb::Section& s = sections[i];
    KB_FUZZ_CHECK(s.level >= 0 && s.level <= 6, "section level {}", s.level);
    if (s.level == 0) {
      KB_FUZZ_CHECK(i == 0 && s.anchor.empty() && s.title.empty(), "an intro section at {} (anchor '{}')", i, s.anchor);
      continue;
    }
    KB_FUZZ_CHECK(!s.anchor.empty(), "heading '{}' without an anchor", s.title);
    if (utf8) {
      KB_FUZZ_CHECK(kb::is_valid_utf8(s.title) && kb::is_valid_utf8(s.text) && kb::is_valid_utf8(s.anchor),
                    "section '{}' is not valid UTF-8", s.anchor);
    }
    // Generated anchors avoid every other; only ids the writer gave twice repeat.
    KB_FUZZ_CHECK(anchors.insert(s.anchor).second || explicit_id(s.anchor), "anchor '{}' twice", s.anchor);
    KB_FUZZ_CHECK(html.find(" id=\"" + kb::html_escape(s.anchor) + "\">") != std::string_view::npos,
                  "heading '{}' has no id=\"{}\" in the HTML", s.title, s.anchor);
    for (const auto& marker : {blocks.open_marker, blocks.close_marker}) {
      KB_FUZZ_CHECK(marker.empty() || (s.text.find(marker) == std::string::npos &&
                                       s.markdown.find(marker) == std::string::npos),
                    "a block marker in section '{}'", s.anchor);
    }
  }
}

void check_split(std::string_view body, const kb::InternalBlocks& blocks) {
  const auto in = lines_of(body);
  const auto pub = lines_of(blocks.public_text);
  const auto agent = lines_of(blocks.agent_text);
  // A fence on the last line without '\n' becomes one: an empty line more at
  // the end, which moves no line.
  auto same_lines = [&](const std::vector<std::string_view>& out) {
    return out.size() == in.size() || (out.size() == in.size() + 1 && out.back().empty() && in.back().starts_with(":::"));
  };
  KB_FUZZ_CHECK(same_lines(pub) && same_lines(agent), "lines moved: {} in, {} public, {} agent", in.size(), pub.size(),
                agent.size());
  if (!blocks.any) {
    KB_FUZZ_CHECK(blocks.public_text == body && blocks.agent_text == body, "text changed without blocks");
    return;
  }
  for (size_t i = 0; i < in.size(); ++i) {
    KB_FUZZ_CHECK(pub[i] == in[i] || pub[i].empty(), "public line {} is neither the input's nor blank", i + 1);
    KB_FUZZ_CHECK(agent[i] == in[i] || agent[i].empty(), "agent line {} is neither the input's nor blank", i + 1);
    // A line the public does not see is one the agents see (or a fence).
    if (pub[i] != in[i]) {
      KB_FUZZ_CHECK(agent[i] == in[i] || in[i].starts_with(":::"), "line {} dropped for everyone: '{}'", i + 1, in[i]);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool utf8 = kb::is_valid_utf8(body);
  auto blocks = kb::split_internal_blocks(body);
  if (blocks) {
    check_split(body, *blocks);
  } else {
    const int lines = static_cast<int>(lines_of(body).size());
    KB_FUZZ_CHECK(blocks.status().line() >= 1 && blocks.status().line() <= lines, "error on line {} of {}: {}",
                  blocks.status().line(), lines, blocks.status().message());
  }

  kb::ArticleHead head;
  head.path = "guide/setup/article.md";
  head.bytes = std::string(body);
  head.front.body = head.bytes;
  head.front.meta.lang = "en";
  // Like a file without a title in its front matter: its '# Heading' is the title.
  if (!body.starts_with("# ")) head.front.meta.title = "Fuzzed article";
  auto link = [](const std::string& target) { return "/articles/" + target.substr(0, target.size() - 3); };
  auto image = [](const std::string& target) { return "/media/" + std::to_string(target.size()) + ".png"; };
  auto a = kb::build_article(head, link, image);
  KB_FUZZ_CHECK(a.is_ok() || !blocks.is_ok() || body.starts_with("# "), "build_article failed where the split did not: {}",
                a.status().message());
  if (!a) return 0;
  KB_FUZZ_CHECK(blocks.is_ok(), "published an article whose internal blocks are broken");
  // The ids as cmark read them: it replaces NUL with U+FFFD (CommonMark 2.3).
  std::string as_read;
  for (char c : body) as_read += c == '\0' ? std::string_view("\xEF\xBF\xBD") : std::string_view(&c, 1);
  auto explicit_id = [&as_read](const std::string& id) {
    return as_read.find("{#" + id + "}") != std::string::npos || as_read.find('"' + id + '"') != std::string::npos;
  };
  check_rendering(a->html, a->sections, utf8, false, *blocks, explicit_id);
  KB_FUZZ_CHECK(blocks->any || !a->has_internal_blocks(), "agent HTML present without blocks");
  if (a->has_internal_blocks()) check_rendering(a->html_agent, a->sections_agent, utf8, true, *blocks, explicit_id);
  // cmark counts lines CommonMark's way: "\r\n", "\r" and "\n" each end one.
  int lines = 1;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n' || (body[i] == '\r' && (i + 1 == body.size() || body[i + 1] != '\n'))) ++lines;
  }
  for (const auto& r : a->references) {
    KB_FUZZ_CHECK(r.line >= 0 && r.line <= lines, "reference '{}' on line {} of {}", r.url, r.line, lines);
  }
  // The answer route hands a section's Markdown out for pasting: it must
  // render again, to something as safe.
  kb::MarkdownOptions options;
  for (const auto& s : a->sections) {
    auto again = kb::render_markdown(s.markdown, options);
    check_tags(again.html, false);
  }
  return 0;
}
