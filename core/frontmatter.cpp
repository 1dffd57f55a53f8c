#include "core/frontmatter.h"

#include <optional>

#include <fmt/format.h>

#include "core/text.h"
#include "core/yaml.h"

namespace kb {
namespace {

// Front matter larger than this is certainly not metadata.
constexpr size_t kMaxFrontMatterBytes = 64 * 1024;
// Unknown keys are kept as JSON; nesting deeper than this is rejected.
constexpr int kMaxFrontMatterDepth = 32;

const char* audience_name(Audience a) { return a == Audience::kInternal ? "internal" : "public"; }

// YAML 1.1's booleans, which yaml-cpp accepted and writers use ("draft: yes").
std::optional<bool> to_bool(std::string_view s) {
  std::string lower(s);
  for (char& c : lower) c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  for (const char* t : {"true", "yes", "on", "y"}) {
    if (lower == t) return true;
  }
  for (const char* f : {"false", "no", "off", "n"}) {
    if (lower == f) return false;
  }
  return std::nullopt;
}

class Reader {
 public:
  Reader(FrontMatter& fm, const FrontMatterOptions& options) : fm_(fm), options_(options) {}

  Status read(const YamlNode& root) {
    if (!root.is_mapping()) {
      if (root.is_null()) return Status::ok();
      return Status::error("front matter must be a mapping of keys to values", root.line);
    }
    for (const auto& [k, v] : root.pairs) {
      if (!k.is_scalar()) return Status::error("front matter keys must be text", k.line);
      fm_.key_lines.emplace(k.text, k.line);
      if (v.is_null()) continue;
      Status s = read_key(k.text, v, k.line);
      if (!s) return s;
    }
    return Status::ok();
  }

 private:
  Status read_key(const std::string& key, const YamlNode& v, int line) {
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
    m.extra[key] = to_json(v);
    return Status::ok();
  }

  static Status scalar(const std::string& key, const YamlNode& v, int line, std::string& out) {
    if (!v.is_scalar()) return Status::error(fmt::format("'{}' must be text, not a list or mapping", key), line);
    out = collapse_whitespace(v.text);
    return Status::ok();
  }

  Status slug(const YamlNode& v, int line) {
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

  static Status list(const std::string& key, const YamlNode& v, int line, std::vector<std::string>& out) {
    if (v.is_scalar()) {  // "a, b" is a common shorthand for [a, b]
      const std::string& all = v.text;
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
    if (!v.is_sequence()) return Status::error(fmt::format("'{}' must be a list of text values", key), line);
    for (const auto& item : v.items) {
      if (item.is_null()) continue;
      if (!item.is_scalar()) return Status::error(fmt::format("'{}' items must be text values", key), item.line);
      std::string s = collapse_whitespace(item.text);
      if (!s.empty()) out.push_back(std::move(s));
    }
    return Status::ok();
  }

  static Status date(const std::string& key, const YamlNode& v, int line, std::string& out) {
    if (!v.is_scalar()) return Status::error(fmt::format("'{}' must be a date like 2026-01-31", key), line);
    std::string s = v.text;
    // Accept full timestamps ("2026-01-31T10:00:00Z") and keep the date part.
    if (s.size() > 10 && (s[10] == 'T' || s[10] == ' ')) s.resize(10);
    if (!is_iso_date(s)) {
      return Status::error(fmt::format("'{}' must be a date like 2026-01-31, not '{}'", key, v.text), line);
    }
    out = s;
    return Status::ok();
  }

  static Status boolean(const std::string& key, const YamlNode& v, int line, bool& out) {
    const std::optional<bool> b = v.is_scalar() ? to_bool(v.text) : std::nullopt;
    if (!b) return Status::error(fmt::format("'{}' must be true or false", key), line);
    out = *b;
    return Status::ok();
  }

  Status audience(const YamlNode& v, int line) {
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

  // Depth is bounded by parse_yaml (kMaxFrontMatterDepth).
  static nlohmann::json to_json(const YamlNode& v) {
    if (v.is_scalar()) return nlohmann::json(v.text);
    if (v.is_sequence()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& item : v.items) arr.push_back(to_json(item));
      return arr;
    }
    if (v.is_mapping()) {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& [k, value] : v.pairs) obj[k.is_scalar() ? k.text : std::string()] = to_json(value);
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

  YamlOptions yaml_options;
  yaml_options.first_line = 2;
  yaml_options.max_depth = kMaxFrontMatterDepth;
  auto root = parse_yaml(yaml, yaml_options);
  if (!root) return Status::error(fmt::format("invalid YAML in front matter: {}", root.status().message()),
                                  root.status().line());
  Reader reader(fm, options);
  Status s = reader.read(*root);
  if (!s) return s;
  return fm;
}

}  // namespace kb
