#include "core/frontmatter.h"

#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include "core/text.h"

namespace kb {
namespace {

// Front matter larger than this is certainly not metadata.
constexpr size_t kMaxFrontMatterBytes = 64 * 1024;
// Unknown keys are kept as JSON; nesting deeper than this is rejected.
constexpr int kMaxExtraDepth = 32;

const char* audience_name(Audience a) { return a == Audience::kInternal ? "internal" : "public"; }

// Line of a node in the whole file: yaml-cpp marks are 0-based within the YAML
// text, which starts on line 2 (after the opening '---').
int file_line(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 2 : 0; }

// A scalar's text, always UTF-8. yaml-cpp 0.7 decodes the escapes \N and
// \_ (U+0085, U+00A0) to the single bytes 0x85 and 0xA0 instead of their
// UTF-8 (found by fuzz_frontmatter), so a byte that starts no valid UTF-8
// sequence is read as the Latin-1 character it is: exactly what those two
// escapes mean. Valid text is returned unchanged.
std::string utf8_scalar(const YAML::Node& node) {
  const std::string& raw = node.Scalar();
  if (is_valid_utf8(raw)) return raw;
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    const auto lead = static_cast<unsigned char>(raw[i]);
    const size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (n > 0 && i + n <= raw.size() && is_valid_utf8(std::string_view(raw).substr(i, n))) {
      out.append(raw, i, n);
      i += n;
    } else {
      out += static_cast<char>(0xC0 | (lead >> 6));
      out += static_cast<char>(0x80 | (lead & 0x3F));
      ++i;
    }
  }
  return out;
}

class Reader {
 public:
  Reader(FrontMatter& fm, const FrontMatterOptions& options) : fm_(fm), options_(options) {}

  Status read(const YAML::Node& root) {
    if (!root.IsMap()) {
      if (root.IsNull()) return Status::ok();
      return Status::error("front matter must be a mapping of keys to values", file_line(root.Mark()));
    }
    for (const auto& kv : root) {
      const std::string key = utf8_scalar(kv.first);
      const YAML::Node& v = kv.second;
      fm_.key_lines.emplace(key, file_line(kv.first.Mark()));
      if (v.IsNull()) continue;
      Status s = read_key(key, v, file_line(kv.first.Mark()));
      if (!s) return s;
    }
    return Status::ok();
  }

 private:
  Status read_key(const std::string& key, const YAML::Node& v, int line) {
    Metadata& m = fm_.meta;
    if (key == "title") return scalar(key, v, line, m.title);
    if (key == "slug") return slug(v, line);
    if (key == "lang" || key == "language") return scalar(key, v, line, m.lang);
    if (key == "category") return scalar(key, v, line, m.category);
    if (key == "summary" || key == "description") return scalar(key, v, line, m.summary);
    if (key == "tags") return list(key, v, line, m.tags);
    if (key == "aliases") return list(key, v, line, m.aliases);
    if (key == "translation_of") return scalar(key, v, line, m.translation_of);
    if (key == "updated") return date(key, v, line, m.updated);
    if (key == "verified") return date(key, v, line, m.verified);
    if (key == "expires") return date(key, v, line, m.expires);
    if (key == "draft") return boolean(key, v, line, m.draft);
    if (key == "audience") return audience(v, line);
    auto json = to_json(v, 0);
    if (!json) return json.status();
    m.extra[key] = std::move(json.value());
    return Status::ok();
  }

  static Status scalar(const std::string& key, const YAML::Node& v, int line, std::string& out) {
    if (!v.IsScalar()) return Status::error(fmt::format("'{}' must be text, not a list or mapping", key), line);
    out = collapse_whitespace(utf8_scalar(v));
    return Status::ok();
  }

  Status slug(const YAML::Node& v, int line) {
    Status s = scalar("slug", v, line, fm_.meta.slug);
    if (!s) return s;
    const std::string& slug = fm_.meta.slug;
    if (slug.empty() || slug.front() == '/' || slug.back() == '/' ||
        slug.find_first_of(" ?#%\\\"<>") != std::string::npos || slug.find("..") != std::string::npos) {
      return Status::error(fmt::format("slug '{}' must be a URL path without spaces, '?', '#', '%' or '..'", slug),
                           line);
    }
    return Status::ok();
  }

  static Status list(const std::string& key, const YAML::Node& v, int line, std::vector<std::string>& out) {
    if (v.IsScalar()) {  // "a, b" is a common shorthand for [a, b]
      std::string all = utf8_scalar(v);
      size_t start = 0;
      while (start <= all.size()) {
        size_t comma = all.find(',', start);
        if (comma == std::string::npos) comma = all.size();
        std::string item = collapse_whitespace(std::string_view(all).substr(start, comma - start));
        if (!item.empty()) out.push_back(std::move(item));
        start = comma + 1;
      }
      return Status::ok();
    }
    if (!v.IsSequence()) return Status::error(fmt::format("'{}' must be a list of text values", key), line);
    for (const auto& item : v) {
      if (!item.IsScalar()) {
        return Status::error(fmt::format("'{}' items must be text values", key), file_line(item.Mark()));
      }
      std::string s = collapse_whitespace(utf8_scalar(item));
      if (!s.empty()) out.push_back(std::move(s));
    }
    return Status::ok();
  }

  static Status date(const std::string& key, const YAML::Node& v, int line, std::string& out) {
    if (!v.IsScalar()) return Status::error(fmt::format("'{}' must be a date like 2026-01-31", key), line);
    std::string s = utf8_scalar(v);
    // Accept full timestamps ("2026-01-31T10:00:00Z") and keep the date part.
    if (s.size() > 10 && (s[10] == 'T' || s[10] == ' ')) s.resize(10);
    if (!is_iso_date(s)) {
      return Status::error(fmt::format("'{}' must be a date like 2026-01-31, not '{}'", key, utf8_scalar(v)), line);
    }
    out = s;
    return Status::ok();
  }

  static Status boolean(const std::string& key, const YAML::Node& v, int line, bool& out) {
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) {
      return Status::error(fmt::format("'{}' must be true or false", key), line);
    }
    out = b;
    return Status::ok();
  }

  Status audience(const YAML::Node& v, int line) {
    std::string s;
    Status st = scalar("audience", v, line, s);
    if (!st) return st;
    if (s == "public") {
      fm_.meta.audience = Audience::kPublic;
    } else if (s == "internal") {
      fm_.meta.audience = Audience::kInternal;
    } else if (options_.unknown_audience) {
      fm_.meta.audience = *options_.unknown_audience;
    } else {
      // Fail closed: a value we do not understand must never make an article public.
      fm_.meta.audience = Audience::kInternal;
      fm_.warnings.push_back({Diagnostic::Severity::kWarning, line,
                              fmt::format("audience '{}' is neither 'public' nor 'internal'; treated as '{}'", s,
                                          audience_name(Audience::kInternal))});
    }
    return Status::ok();
  }

  static Result<nlohmann::json> to_json(const YAML::Node& v, int depth) {
    if (depth > kMaxExtraDepth) return Status::error("front matter is nested too deeply", file_line(v.Mark()));
    if (v.IsScalar()) return nlohmann::json(utf8_scalar(v));
    if (v.IsSequence()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : v) {
        auto j = to_json(item, depth + 1);
        if (!j) return j;
        arr.push_back(std::move(j.value()));
      }
      return arr;
    }
    if (v.IsMap()) {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : v) {
        auto j = to_json(kv.second, depth + 1);
        if (!j) return j;
        obj[utf8_scalar(kv.first)] = std::move(j.value());
      }
      return obj;
    }
    return nlohmann::json(nullptr);
  }

  FrontMatter& fm_;
  const FrontMatterOptions& options_;
};

// Returns the length of the line starting at `pos` including its '\n'.
size_t line_end(std::string_view s, size_t pos) {
  size_t nl = s.find('\n', pos);
  return nl == std::string_view::npos ? s.size() : nl + 1;
}

bool is_fence(std::string_view line, std::string_view fence) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return line == fence;
}

}  // namespace

const char* to_string(Audience a) { return audience_name(a); }

bool is_iso_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  const int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

Result<FrontMatter> parse_front_matter(std::string_view text, const FrontMatterOptions& options) {
  FrontMatter fm;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte order mark
  size_t first_end = line_end(text, 0);
  if (!is_fence(text.substr(0, first_end), "---")) {
    fm.body = text;
    return fm;
  }
  // Find the closing fence.
  size_t pos = first_end;
  int line = 2;
  size_t close_start = std::string_view::npos;
  while (pos < text.size()) {
    size_t end = line_end(text, pos);
    std::string_view l = text.substr(pos, end - pos);
    if (is_fence(l, "---") || is_fence(l, "...")) {
      close_start = pos;
      break;
    }
    pos = end;
    ++line;
    if (pos > kMaxFrontMatterBytes) break;
  }
  if (close_start == std::string_view::npos) {
    return Status::error("front matter starts with '---' on line 1 but has no closing '---'", 1);
  }
  fm.present = true;
  const std::string yaml(text.substr(first_end, close_start - first_end));
  size_t body_start = line_end(text, close_start);
  fm.body = text.substr(body_start);
  fm.body_first_line = line + 1;

  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    return Status::error(fmt::format("invalid YAML in front matter: {}", e.msg), file_line(e.mark));
  }
  try {
    Reader reader(fm, options);
    Status s = reader.read(root);
    if (!s) return s;
  } catch (const YAML::Exception& e) {
    return Status::error(fmt::format("invalid front matter: {}", e.msg), file_line(e.mark));
  }
  return fm;
}

}  // namespace kb
