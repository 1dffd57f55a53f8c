// The content model (DESIGN.md "Content model"): one article per Markdown file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace kb {

enum class Audience { kPublic, kInternal };

const char* to_string(Audience a);

// A part of an article that starts at a heading (or the intro before the
// first heading: empty title and anchor). `text` is plain text for indexing and
// snippets: no markup, link targets dropped, image alt text kept.
struct Section {
  std::string title;
  std::string anchor;
  int level = 0;  // heading level 1..6; 0 for the intro
  std::string text;
  std::string markdown;  // the section's body as CommonMark, links resolved (no heading)
};

// A link or image in an article's body, as written.
struct Reference {
  enum class Kind { kLink, kImage };
  Kind kind = Kind::kLink;
  std::string url;
  int line = 0;  // 1-based; 0 when unknown
};

// An image file an article shows, as found when the article was indexed.
struct MediaFile {
  std::string path;  // content-relative
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;  // sha256 of the bytes, hex
  bool internal = false;  // shown only inside `::: internal` blocks

  // The name it is served under: /media/<name>, from its content.
  std::string served_name() const;
};

// What a file's front matter says. Unset optional keys are empty.
struct Metadata {
  std::string title;
  std::string slug;
  std::string lang;
  std::string category;
  std::vector<std::string> tags;
  std::string summary;
  Audience audience = Audience::kPublic;
  bool draft = false;
  std::string updated;   // YYYY-MM-DD
  std::string verified;  // YYYY-MM-DD
  std::string expires;   // YYYY-MM-DD
  std::vector<std::string> aliases;
  std::string translation_of;
  nlohmann::json extra = nlohmann::json::object();  // unknown keys, kept verbatim
};

// A parsed, rendered article ready for the catalog and the full-text index.
struct Article {
  int64_t id = 0;    // catalog row id; stable while the file keeps its path
  std::string path;  // source file relative to the content folder, '/'-separated
  Metadata meta;
  std::string html;  // safe HTML of the body (cmark-gfm, raw HTML omitted)
  std::vector<Section> sections;
  // With `::: internal` blocks: what support agents see (the blocks' text in
  // the sections, and marked in the HTML). Both empty when there are none;
  // `html` and `sections` never hold an internal block's content.
  std::string html_agent;
  std::vector<Section> sections_agent;
  bool has_internal_blocks() const { return !html_agent.empty(); }
  std::string content_hash;  // sha256 of the file bytes
  // Links and images in the body as written, with their lines in the file
  // (for `kb-index check`; not stored in the index).
  std::vector<Reference> references;
  // Local images the body shows (set by the indexer, which serves them).
  std::vector<MediaFile> media;
  // With internal blocks: the content-relative paths of the images the
  // public version shows (the others are for staff only).
  std::vector<std::string> public_images;

  // Visible to the public help page and API: public audience and not a draft.
  bool is_public() const { return meta.audience == Audience::kPublic && !meta.draft; }
};

}  // namespace kb
