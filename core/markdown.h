// Markdown (CommonMark + GFM tables, autolinks, strikethrough) → safe HTML,
// sections with stable anchors, and plain text per section.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/article.h"
#include "core/status.h"

namespace kb {

struct MarkdownOptions {
  // Path of the article being rendered, relative to the content folder; relative
  // links are resolved against its directory.
  std::string source_path;
  // Maps a linked Markdown file (content-relative, normalised, e.g.
  // "billing/refunds.md") to the URL that serves it, or "" to leave the link as
  // written. May be empty.
  std::function<std::string(const std::string& target_path)> resolve_article_link;
  // Maps a relative image source (content-relative, normalised, e.g.
  // "billing/media/card.png") to the URL that serves it, or "" to leave it.
  std::function<std::string(const std::string& target_path)> resolve_image;
  // When set, a level-1 heading that opens the document is taken as the title
  // and left out of the HTML and the sections.
  bool take_title_from_first_heading = false;
};

struct RenderedMarkdown {
  std::string title;  // the opening level-1 heading, when asked for and present
  std::string html;   // headings carry id="anchor"; raw HTML is omitted
  std::vector<Section> sections;  // the intro (if any text) then one per heading
  std::vector<Reference> references;  // in document order; lines within `markdown`
};

// Anchors: the slug of the heading text, made unique within the document with
// -1, -2... suffixes; an explicit "{#id}" at the end of a heading, or an
// <a name="id"> / <a id="id"> inside it, wins. Never throws on any input.
RenderedMarkdown render_markdown(std::string_view markdown, const MarkdownOptions& options);

// True when `url` starts with a scheme ("https:", "mailto:").
bool has_url_scheme(std::string_view url);

// Agent-only notes inside an article:
//
//   ::: internal
//   Refunds over 500 EUR need a team lead's approval.
//   :::
//
// The fence lines stand alone at the start of a line (outside code blocks).
// Three versions of the body keep every other line where it was, so line
// numbers in messages stay true: `public_text` without the blocks,
// `agent_text` with their content, `agent_marked` with each block between
// open_marker/close_marker paragraphs (for the agents' HTML). The markers
// are random for each call, so no text of an article makes them, typed,
// copied from an earlier rendering or assembled around raw HTML that safe
// mode drops.
struct InternalBlocks {
  bool any = false;
  std::string public_text;
  std::string agent_text;
  std::string agent_marked;
  std::string open_marker;   // "KB-INTERNAL-OPEN-<16 random hex digits>"; "" without blocks
  std::string close_marker;  // "KB-INTERNAL-CLOSE-<the same>"
};
// An error (with its line) for a block that is never closed, or opened
// inside another: the article must not be published with its notes showing.
Result<InternalBlocks> split_internal_blocks(std::string_view markdown);

// Replaces the marker paragraphs of an agent_marked rendering with
// <div class="internal-block"> ... </div>.
std::string wrap_internal_blocks(const std::string& html, const InternalBlocks& blocks);

// Resolves `target` (a link as written) against the directory of `from_path`.
// Returns "" when it leaves the content folder or is not a relative path.
std::string resolve_relative_path(std::string_view from_path, std::string_view target);

}  // namespace kb
