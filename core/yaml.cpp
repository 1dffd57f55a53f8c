#include "core/yaml.h"

#include <libfyaml.h>

#include <map>
#include <memory>

#include <fmt/format.h>

#include "core/text.h"

namespace kb {
namespace {

// libfyaml objects, freed in the right order whatever path leaves.
struct DiagDeleter {
  void operator()(fy_diag* d) const { fy_diag_destroy(d); }
};
struct ParserDeleter {
  void operator()(fy_parser* p) const { fy_parser_destroy(p); }
};

std::string token_text(fy_token* t) {
  if (t == nullptr) return {};
  size_t len = 0;
  const char* s = fy_token_get_text(t, &len);
  return s == nullptr ? std::string() : std::string(s, len);
}

// YAML 1.2 core schema: the plain scalars that mean null.
bool is_null_plain(std::string_view s) { return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL"; }

// YAML counts a lone '\r' as a line break too; files (and every message of
// kb) count '\n'. Maps libfyaml's 0-based line to the caller's file line.
class Lines {
 public:
  Lines(std::string_view text, int first_line) {
    int line = first_line;
    starts_.push_back(line);
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\n') {
        starts_.push_back(++line);
      } else if (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) {
        starts_.push_back(line);
      }
    }
  }
  int file_line(int yaml_line) const {
    if (yaml_line < 0) return 0;
    const auto i = static_cast<size_t>(yaml_line);
    return i < starts_.size() ? starts_[i] : starts_.back();
  }

 private:
  std::vector<int> starts_;  // YAML line -> file line
};

// Builds the tree from libfyaml's events: a stack of open collections.
class Builder {
 public:
  Builder(const YamlOptions& options, const Lines& lines)
      : options_(options), lines_(lines), last_line_(options.first_line) {}

  // Returns an error status to stop parsing.
  Status on_event(fy_event* e) {
    const fy_mark* mark = fy_event_start_mark(e);
    // An empty node ("!!str : v", "key:") has no mark: the line of the node before it.
    if (mark != nullptr && mark->line >= 0) last_line_ = lines_.file_line(mark->line);
    const int line = last_line_;
    switch (e->type) {
      case FYET_DOCUMENT_START:
        if (++documents_ > 1) {
          return Status::error("a second YAML document starts here ('---' with text after it); front matter is one "
                               "document",
                               line);
        }
        return Status::ok();
      case FYET_MAPPING_START:
      case FYET_SEQUENCE_START: {
        if (static_cast<int>(open_.size()) >= options_.max_depth) {
          return Status::error(fmt::format("nested more than {} levels deep", options_.max_depth), line);
        }
        Open o;
        o.node.kind = e->type == FYET_MAPPING_START ? YamlNode::Kind::kMapping : YamlNode::Kind::kSequence;
        o.node.line = line;
        o.anchor = token_text(e->type == FYET_MAPPING_START ? e->mapping_start.anchor : e->sequence_start.anchor);
        open_.push_back(std::move(o));
        return count(1, line);
      }
      case FYET_MAPPING_END:
      case FYET_SEQUENCE_END: {
        Open o = std::move(open_.back());
        open_.pop_back();
        if (!o.anchor.empty()) anchors_[o.anchor] = o.node;
        return add(std::move(o.node));
      }
      case FYET_SCALAR: {
        YamlNode n;
        n.line = line;
        n.text = token_text(e->scalar.value);
        n.plain = fy_token_scalar_style(e->scalar.value) == FYSS_PLAIN;
        const std::string tag = token_text(e->scalar.tag);
        n.kind = n.plain && (tag.empty() || tag.ends_with("null")) && is_null_plain(n.text) ? YamlNode::Kind::kNull
                                                                                            : YamlNode::Kind::kScalar;
        if (!is_valid_utf8(n.text)) return Status::error("text that is not valid UTF-8", line);
        const std::string anchor = token_text(e->scalar.anchor);
        if (!anchor.empty()) anchors_[anchor] = n;
        if (Status s = count(1, line); !s) return s;
        return add(std::move(n));
      }
      case FYET_ALIAS: {
        const std::string anchor = token_text(e->alias.anchor);
        auto it = anchors_.find(anchor);
        if (it == anchors_.end()) return Status::error(fmt::format("alias '*{}' names no anchor before it", anchor), line);
        YamlNode copy = it->second;
        if (Status s = count(size_of(copy), line); !s) return s;
        return add(std::move(copy));
      }
      default:
        return Status::ok();
    }
  }

  YamlNode take_root() { return std::move(root_); }

  // The key whose value was being read, for errors reported further down
  // (an unclosed bracket is found at the end of the text).
  const YamlNode* open_key() const {
    for (auto it = open_.rbegin(); it != open_.rend(); ++it) {
      if (it->has_key && it->key.is_scalar()) return &it->key;
    }
    return nullptr;
  }

 private:
  struct Open {
    YamlNode node;
    std::string anchor;
    bool has_key = false;  // mappings: `key` waits for its value
    YamlNode key;
    std::map<std::string, int> keys;  // scalar keys seen -> line
  };

  static size_t size_of(const YamlNode& n) {
    size_t total = 1;
    for (const auto& i : n.items) total += size_of(i);
    for (const auto& p : n.pairs) total += size_of(p.key) + size_of(p.value);
    return total;
  }

  Status count(size_t n, int line) {
    nodes_ += n;
    if (nodes_ > options_.max_nodes) {
      return Status::error(fmt::format("more than {} values (aliases expanded)", options_.max_nodes), line);
    }
    return Status::ok();
  }

  Status add(YamlNode n) {
    if (open_.empty()) {
      root_ = std::move(n);
      return Status::ok();
    }
    Open& parent = open_.back();
    if (parent.node.is_sequence()) {
      parent.node.items.push_back(std::move(n));
      return Status::ok();
    }
    if (!parent.has_key) {
      if (!n.is_mapping() && !n.is_sequence()) {
        auto [it, fresh] = parent.keys.emplace(n.text, n.line);
        if (!fresh) {
          return Status::error(fmt::format("duplicate key '{}' (first on line {}); a key may appear once", n.text,
                                           it->second),
                               n.line);
        }
      }
      parent.key = std::move(n);
      parent.has_key = true;
      return Status::ok();
    }
    parent.node.pairs.push_back({std::move(parent.key), std::move(n)});
    parent.has_key = false;
    return Status::ok();
  }

  const YamlOptions& options_;
  const Lines& lines_;
  std::vector<Open> open_;
  std::map<std::string, YamlNode> anchors_;
  YamlNode root_;
  int documents_ = 0;
  size_t nodes_ = 0;
  int last_line_;
};

// YAML allows only printable characters (1.2, 5.1 "c-printable"); libfyaml's
// scanner lets C0 controls through inside quoted scalars, and ends the
// stream without an error at a byte that is not UTF-8 (found by
// fuzz_frontmatter: the keys after it were silently dropped).
Status check_printable(std::string_view text, int first_line) {
  int line = first_line;
  for (size_t pos = 0; pos < text.size(); ++line) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (!is_valid_utf8(text.substr(pos, end - pos))) return Status::error("text that is not valid UTF-8", line);
    pos = end + 1;
  }
  line = first_line;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return Status::error(fmt::format("control character U+{:04X}; YAML text must be printable", c), line);
    }
  }
  return Status::ok();
}

// libfyaml's words for an unclosed quote name what it saw, not the cause.
std::string with_hint(std::string message) {
  if (message.find("wrongly indented double-quoted") != std::string::npos) return message + " (is a closing \" missing?)";
  if (message.find("wrongly indented single-quoted") != std::string::npos) return message + " (is a closing ' missing?)";
  return message;
}

}  // namespace

Result<YamlNode> parse_yaml(std::string_view text, const YamlOptions& options) {
  if (Status s = check_printable(text, options.first_line); !s) return s;
  fy_diag_cfg diag_cfg;
  fy_diag_cfg_default(&diag_cfg);
  diag_cfg.fp = nullptr;  // collected below, never printed
  diag_cfg.colorize = false;
  std::unique_ptr<fy_diag, DiagDeleter> diag(fy_diag_create(&diag_cfg));
  if (!diag) return Status::error("out of memory reading YAML");
  fy_diag_set_collect_errors(diag.get(), true);

  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2);
  cfg.diag = diag.get();
  std::unique_ptr<fy_parser, ParserDeleter> parser(fy_parser_create(&cfg));
  if (!parser || fy_parser_set_string(parser.get(), text.data(), text.size()) != 0) {
    return Status::error("out of memory reading YAML");
  }
  const Lines lines(text, options.first_line);
  Builder builder(options, lines);
  while (fy_event* e = fy_parser_parse(parser.get())) {
    Status s = builder.on_event(e);
    fy_parser_event_free(parser.get(), e);
    if (!s) return s;
  }
  if (fy_parser_get_stream_error(parser.get())) {
    std::string message = "invalid YAML";
    int line = 0;
    void* iter = nullptr;
    while (fy_diag_error* err = fy_diag_errors_iterate(diag.get(), &iter)) {
      if (err->type < FYET_ERROR || err->msg == nullptr) continue;
      message = with_hint(err->msg);
      line = err->line > 0 ? lines.file_line(err->line - 1) : 0;
      break;
    }
    if (const YamlNode* key = builder.open_key(); key != nullptr && key->line != line) {
      message += fmt::format(" (in the value of '{}' on line {})", key->text, key->line);
    }
    return Status::error(message, line);
  }
  return builder.take_root();
}

}  // namespace kb
