#include "server/params.h"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/text.h"

namespace kb {
namespace {

ApiError invalid(const std::string& name, const std::string& what) {
  return ApiError{400, "invalid_parameter", fmt::format("parameter '{}' {}", name, what)};
}

// Text parameter: valid UTF-8, at most `max` bytes, whitespace collapsed.
std::variant<std::string, ApiError> text_param(const Request& r, const std::string& name, size_t max) {
  const std::string* v = r.param(name);
  if (!v) return std::string();
  if (!is_valid_utf8(*v)) return invalid(name, "is not valid UTF-8");
  if (v->size() > max) return invalid(name, fmt::format("is longer than {} bytes", max));
  return collapse_whitespace(*v);
}

// Integer parameter; absent gives `fallback`.
std::variant<long long, ApiError> int_param(const Request& r, const std::string& name, long long fallback) {
  const std::string* v = r.param(name);
  if (!v || v->empty()) return fallback;
  long long n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size()) return invalid(name, "must be a whole number");
  return n;
}

// A parameter name as the server will read it: percent-decoded, lowercased
// (ASCII), so "%54oken" is "token".
std::string param_name_key(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%' && i + 2 < raw.size()) {
      unsigned value = 0;
      auto [end, ec] = std::from_chars(raw.data() + i + 1, raw.data() + i + 3, value, 16);
      if (ec == std::errc() && end == raw.data() + i + 3) {
        c = static_cast<char>(value);
        i += 2;
      }
    } else if (c == '+') {
      c = ' ';
    }
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string redact_target(std::string_view target) {
  const size_t query = target.find('?');
  if (query == std::string_view::npos) return std::string(target);
  std::string out(target.substr(0, query + 1));
  std::string_view rest = target.substr(query + 1);
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    const std::string name = param_name_key(pair.substr(0, eq));
    if (eq != std::string_view::npos && (name == "token" || name == "csrf")) {
      out.append(pair.substr(0, eq + 1)).append("REDACTED");
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) break;
    out += '&';
    rest.remove_prefix(amp + 1);
  }
  return out;
}

std::variant<SearchRequest, ApiError> parse_search_params(const Request& r) {
  for (const auto& [k, v] : r.params) {
    if (v.size() > kMaxParamBytes) return invalid(k, fmt::format("is longer than {} bytes", kMaxParamBytes));
  }
  SearchRequest s;
  struct TextField {
    const char* name;
    size_t max;
    std::string* out;
  };
  for (const TextField& f : {TextField{"q", kMaxQueryBytes, &s.query}, TextField{"lang", kMaxFilterBytes, &s.lang},
                             TextField{"tag", kMaxFilterBytes, &s.tag},
                             TextField{"category", kMaxFilterBytes, &s.category}}) {
    auto v = text_param(r, f.name, f.max);
    if (auto* e = std::get_if<ApiError>(&v)) return *e;
    *f.out = std::get<std::string>(std::move(v));
  }
  if (!s.lang.empty()) {
    if (!analysis::is_language_tag(s.lang)) return invalid("lang", "must be a language tag like en, fi or pt-BR");
    s.lang = analysis::normalize_lang(s.lang);
  }
  if (s.query.empty() && s.lang.empty() && s.tag.empty() && s.category.empty()) {
    return ApiError{400, "missing_parameter", "parameter 'q' is required (or filter by lang, tag or category)"};
  }
  if (const std::string* v = r.param("correct"); v && *v == "0") s.correct_spelling = false;
  auto limit = int_param(r, "limit", static_cast<long long>(kDefaultLimit));
  if (auto* e = std::get_if<ApiError>(&limit)) return *e;
  s.limit = static_cast<size_t>(std::clamp<long long>(std::get<long long>(limit), 1, kMaxLimit));
  auto offset = int_param(r, "offset", 0);
  if (auto* e = std::get_if<ApiError>(&offset)) return *e;
  long long off = std::get<long long>(offset);
  if (off < 0) return invalid("offset", "must not be negative");
  if (off > static_cast<long long>(kMaxOffset)) return invalid("offset", fmt::format("must be at most {}", kMaxOffset));
  s.offset = static_cast<size_t>(off);
  return s;
}

std::variant<SuggestRequest, ApiError> parse_suggest_params(const Request& r) {
  SuggestRequest s;
  if (!r.param("q")) return ApiError{400, "missing_parameter", "parameter 'q' is required (the text typed so far)"};
  auto q = text_param(r, "q", kMaxQueryBytes);
  if (auto* e = std::get_if<ApiError>(&q)) return *e;
  s.query = std::get<std::string>(std::move(q));
  auto lang = text_param(r, "lang", kMaxFilterBytes);
  if (auto* e = std::get_if<ApiError>(&lang)) return *e;
  s.lang = std::get<std::string>(std::move(lang));
  if (!s.lang.empty()) {
    if (!analysis::is_language_tag(s.lang)) return invalid("lang", "must be a language tag like en, fi or pt-BR");
    s.lang = analysis::normalize_lang(s.lang);
  }
  auto limit = int_param(r, "limit", static_cast<long long>(kDefaultSuggestions));
  if (auto* e = std::get_if<ApiError>(&limit)) return *e;
  s.limit = static_cast<size_t>(std::clamp<long long>(std::get<long long>(limit), 1, Suggester::kMaxLimit));
  return s;
}

std::variant<size_t, ApiError> parse_page_param(const Request& r, size_t page_size) {
  auto page = int_param(r, "page", 1);
  if (auto* e = std::get_if<ApiError>(&page)) return *e;
  long long p = std::get<long long>(page);
  const long long max_page = static_cast<long long>(kMaxOffset / page_size) + 1;
  if (p < 1 || p > max_page) return invalid("page", fmt::format("must be between 1 and {}", max_page));
  return static_cast<size_t>(p - 1) * page_size;
}

std::variant<ReportRequest, ApiError> parse_report_params(const Request& r) {
  ReportRequest out;
  auto days = int_param(r, "days", out.days);
  if (auto* e = std::get_if<ApiError>(&days)) return *e;
  const long long d = std::get<long long>(days);
  if (d < 1 || d > kMaxReportDays) return invalid("days", fmt::format("must be between 1 and {}", kMaxReportDays));
  out.days = static_cast<int>(d);
  if (const std::string* a = r.param("audience"); a && !a->empty()) {
    if (*a != "public" && *a != "agents" && *a != "all") return invalid("audience", "must be public, agents or all");
    out.audience = *a;
  }
  return out;
}

std::optional<ApiError> check_slug(const std::string& slug) {
  if (slug.empty() || slug.size() > kMaxFilterBytes || !is_valid_utf8(slug)) {
    return ApiError{404, "not_found", "no such article"};
  }
  return std::nullopt;
}

}  // namespace kb
