// Front matter: arbitrary bytes as an article file (core/frontmatter.h), read
// the way the indexer reads it (content_loader.h: byte checks, front matter,
// the content model's defaults). Beyond not crashing: the body is the tail of
// the input and starts on the line it claims, lines in errors and keys are
// lines of the file, and what a valid UTF-8 file yields is valid UTF-8 that
// the catalog can store as JSON. The same bytes as synonyms.txt, the other
// file writers write: errors on lines of the file, groups of two or more
// entries (or one with targets) of at most kMaxSynonymWords words, in valid
// UTF-8. Invalid YAML is rejected, not parsed (issue 18): what the front
// matter reader accepts, libfyaml's own document loader (which checks
// duplicate keys) accepts too, and an accepted block with a duplicated key
// or an unterminated quote added before its closing fence is rejected.
#include <libfyaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/content_loader.h"
#include "core/frontmatter.h"
#include "core/synonyms.h"
#include "core/text.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using kb::fuzz::fail;

int count_lines(std::string_view s) { return 1 + static_cast<int>(std::count(s.begin(), s.end(), '\n')); }

void check_utf8(const std::string& s, const char* what) {
  KB_FUZZ_CHECK(kb::is_valid_utf8(s), "{} is not valid UTF-8 though the file is", what);
}

// libfyaml's document loader, as a second opinion on whether `yaml` is
// valid (it checks duplicate keys; an empty stream is valid, no document).
bool loads_as_document(std::string_view yaml) {
  fy_diag_cfg diag_cfg;
  fy_diag_cfg_default(&diag_cfg);
  diag_cfg.fp = nullptr;
  fy_diag* diag = fy_diag_create(&diag_cfg);
  fy_diag_set_collect_errors(diag, true);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2);
  cfg.diag = diag;
  fy_parser* parser = fy_parser_create(&cfg);
  fy_parser_set_string(parser, yaml.data(), yaml.size());
  while (fy_document* doc = fy_parse_load_document(parser)) fy_parse_document_destroy(parser, doc);
  const bool valid = !fy_parser_get_stream_error(parser);
  fy_parser_destroy(parser);
  fy_diag_destroy(diag);
  return valid;
}

// `text` with `line` inserted where the accepted block's closing fence starts.
std::string with_line_before_fence(std::string_view text, size_t body_offset, std::string_view line) {
  size_t fence = text.rfind('\n', body_offset >= 2 ? body_offset - 2 : 0);
  fence = fence == std::string_view::npos ? 0 : fence + 1;
  return std::string(text.substr(0, fence)) + std::string(line) + std::string(text.substr(fence));
}

void check_invalid_rejected(std::string_view text, const kb::FrontMatter& fm, size_t body_offset) {
  if (!fm.present) return;
  const size_t yaml_start = text.find('\n') + 1;
  size_t fence = text.rfind('\n', body_offset >= 2 ? body_offset - 2 : 0);
  fence = fence == std::string_view::npos ? 0 : fence + 1;
  if (fence < yaml_start) return;
  const std::string_view yaml = text.substr(yaml_start, fence - yaml_start);
  KB_FUZZ_CHECK(loads_as_document(yaml), "accepted front matter that libfyaml's document loader rejects");
  // Whatever valid YAML came before, a key at column 0 with an unterminated
  // quote, or a second copy of a top-level key, makes the block invalid.
  const std::string open_quote = with_line_before_fence(text, body_offset, "zz: \"open\n");
  KB_FUZZ_CHECK(!kb::parse_front_matter(open_quote), "accepted an unterminated quote");
  for (const auto& [key, line] : fm.key_lines) {
    if (key.empty() || !std::all_of(key.begin(), key.end(), [](char c) { return c >= 'a' && c <= 'z'; })) continue;
    const std::string twice = with_line_before_fence(text, body_offset, key + ": again\n");
    KB_FUZZ_CHECK(!kb::parse_front_matter(twice), "accepted key '{}' twice", key);
  }
}

void check_parse(std::string_view text, const kb::FrontMatterOptions& options) {
  const int lines = count_lines(text);
  auto fm = kb::parse_front_matter(text, options);
  if (!fm) {
    KB_FUZZ_CHECK(fm.status().line() >= 0 && fm.status().line() <= lines + 1, "error line {} of {} lines: {}",
                  fm.status().line(), lines, fm.status().message());
    KB_FUZZ_CHECK(!fm.status().message().empty(), "an error without a message");
    return;
  }
  const std::string_view body = fm->body;
  KB_FUZZ_CHECK(body.data() >= text.data() && body.data() + body.size() == text.data() + text.size(),
                "the body is not the tail of the input");
  const size_t body_offset = static_cast<size_t>(body.data() - text.data());
  // An empty body after a closing fence without '\n' would start on the next line.
  const int first_line = !fm->present ? 1
                                      : count_lines(text.substr(0, body_offset)) + (body.empty() && body_offset > 0 &&
                                                                                    text[body_offset - 1] != '\n');
  if (!fm->present) {
    KB_FUZZ_CHECK(body_offset == 0 || (body_offset == 3 && text.starts_with("\xEF\xBB\xBF")),
                  "without front matter the body starts at byte {}", body_offset);
  }
  KB_FUZZ_CHECK(fm->body_first_line == first_line, "body_first_line {} but the body starts on line {}",
                fm->body_first_line, first_line);
  if (!fm->present) KB_FUZZ_CHECK(fm->key_lines.empty() && fm->meta.title.empty(), "keys without a front matter block");
  for (const auto& [key, line] : fm->key_lines) {
    KB_FUZZ_CHECK(line >= 2 && line < fm->body_first_line, "key '{}' on line {}, outside the block (body on {})", key,
                  line, fm->body_first_line);
  }
  for (const auto& w : fm->warnings) {
    KB_FUZZ_CHECK(w.line >= 0 && w.line < fm->body_first_line, "warning on line {}: {}", w.line, w.message);
  }
  const kb::Metadata& m = fm->meta;
  for (const std::string* date : {&m.updated, &m.verified, &m.expires}) {
    KB_FUZZ_CHECK(date->empty() || kb::is_iso_date(*date), "date '{}' accepted", *date);
  }
  if (!m.slug.empty()) {
    KB_FUZZ_CHECK(m.slug.find("..") == std::string::npos && m.slug.front() != '/', "slug '{}' accepted", m.slug);
  }
  if (options.unknown_audience) KB_FUZZ_CHECK(fm->warnings.empty(), "a warning with --unknown-audience set");
  if (!options.unknown_audience) check_invalid_rejected(text, *fm, body_offset);
}

// The indexer's own path: bytes check, front matter, defaults.
void check_head(std::string_view text) {
  kb::ContentOptions options;
  auto head = kb::read_article_head("fi/guide/article.md", std::string(text), options);
  if (!head) return;
  const kb::Metadata& m = head->front.meta;
  KB_FUZZ_CHECK(kb::is_valid_utf8(text), "read_article_head accepted invalid UTF-8");
  KB_FUZZ_CHECK(!m.slug.empty(), "no slug after defaults");
  KB_FUZZ_CHECK(!m.lang.empty(), "no language though the folder is fi/");
  for (const std::string* s : {&m.title, &m.slug, &m.lang, &m.category, &m.summary, &m.updated, &m.translation_of}) {
    check_utf8(*s, "a metadata field");
  }
  for (const auto& t : m.tags) check_utf8(t, "a tag");
  for (const auto& a : m.aliases) check_utf8(a, "an alias");
  // The catalog stores these as JSON text (catalog.cpp); dump() throws on
  // invalid UTF-8, which would escape the indexer.
  try {
    (void)m.extra.dump();
    (void)nlohmann::json(m.tags).dump();
    (void)nlohmann::json(m.aliases).dump();
  } catch (const nlohmann::json::exception& e) {
    fail(__FILE__, __LINE__, std::string("metadata cannot be stored as JSON: ") + e.what());
  }
}

void check_synonyms(std::string_view text) {
  const int lines = count_lines(text);
  const kb::ParsedSynonyms parsed = kb::parse_synonyms(text);
  for (const auto& d : parsed.diagnostics) {
    KB_FUZZ_CHECK(d.line >= 0 && d.line <= lines, "synonyms error on line {} of {}: {}", d.line, lines, d.message);
    KB_FUZZ_CHECK(!d.message.empty(), "a synonyms error without a message");
  }
  for (const auto& g : parsed.groups) {
    KB_FUZZ_CHECK(g.line >= 1 && g.line <= lines, "a group on line {} of {}", g.line, lines);
    KB_FUZZ_CHECK(g.entries.size() >= (g.targets.empty() ? 2 : 1), "a group of {} on line {}", g.entries.size(),
                  g.line);
    KB_FUZZ_CHECK(g.lang.empty() || kb::analysis::is_language_tag(g.lang), "group language '{}'", g.lang);
    std::vector<std::string> all = g.entries;
    all.insert(all.end(), g.targets.begin(), g.targets.end());
    for (const auto& e : all) {
      check_utf8(e, "a synonym");
      const size_t words = kb::analysis::analyse_query(e, {}).size();
      KB_FUZZ_CHECK(words >= 1 && words <= kb::kMaxSynonymWords, "synonym '{}' of {} words", e, words);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_parse(text, {});
  kb::FrontMatterOptions foreign;
  foreign.unknown_audience = kb::Audience::kPublic;
  check_parse(text, foreign);
  check_head(text);
  check_synonyms(text);
  return 0;
}
