#include "server/web.h"

#include <unicode/uchar.h>
#include <unicode/uloc.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/text.h"

namespace kb {

using nlohmann::json;

std::optional<std::string> cookie_value(const std::string* header, std::string_view name) {
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find(';'), rest.size());
    std::string_view pair = rest.substr(0, end);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name && pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return std::nullopt;
}

bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string safe_next(const std::string* next) {
  if (!next || next->empty() || (*next)[0] != '/' || next->rfind("//", 0) == 0 || next->size() > 2048) return "/";
  // Browsers drop tabs and newlines from URLs and read '\' as '/': "/\t/evil"
  // would lead off the site.
  for (const char ch : *next) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || ch == '\\') return "/";
  }
  return *next;
}

std::string language_name(const std::string& code) {
  UErrorCode err = U_ZERO_ERROR;
  UChar name[64];
  int32_t len = uloc_getDisplayLanguage(code.c_str(), code.c_str(), name, 64, &err);
  if (U_FAILURE(err) || len <= 0) return code;
  char utf8[256];
  int32_t out_len = 0;
  UChar first[4];
  UErrorCode up_err = U_ZERO_ERROR;
  int32_t first_len = u_strToUpper(first, 4, name, U16_IS_LEAD(name[0]) ? 2 : 1, code.c_str(), &up_err);
  if (U_SUCCESS(up_err) && first_len > 0 && first_len <= (U16_IS_LEAD(name[0]) ? 2 : 1)) {
    std::copy(first, first + first_len, name);
  }
  u_strToUTF8(utf8, sizeof utf8, &out_len, name, len, &err);
  return U_SUCCESS(err) ? std::string(utf8, static_cast<size_t>(out_len)) : code;
}

std::string encode_path(std::string_view path) {
  std::string out;
  for (const char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7F || std::strchr("\"#%<>?\\^`{|}", ch)) {
      out += fmt::format("%{:02X}", c);
    } else {
      out += ch;
    }
  }
  return out;
}

std::string encode_component(std::string_view value) {
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += ch;
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string url_with(const std::string& path, const std::vector<std::pair<std::string, std::string>>& params) {
  std::string url = path;
  char sep = '?';
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    url += sep;
    url += k + "=" + encode_component(v);
    sep = '&';
  }
  return url;
}

std::string preferred_language(const std::string* header, const std::vector<std::string>& available) {
  if (!header || header->size() > 512) return {};
  size_t start = 0;
  while (start < header->size()) {
    size_t end = header->find(',', start);
    if (end == std::string::npos) end = header->size();
    std::string tag = collapse_whitespace(header->substr(start, end - start));
    tag = analysis::normalize_lang(tag.substr(0, tag.find(';')));
    const std::string primary = tag.substr(0, tag.find('-'));
    for (const auto& code : available) {
      if (code == tag || code == primary) return code;
    }
    start = end + 1;
  }
  return {};
}

json hit_json(const SearchHit& h) {
  return {{"id", h.id},
          {"slug", h.slug},
          {"path", h.path},
          {"title", h.title},
          {"lang", h.lang},
          {"category", h.category},
          {"tags", h.tags},
          {"url", h.url},
          {"section", {{"title", h.section_title}, {"anchor", h.section_anchor}}},
          {"snippet", h.snippet},
          {"score", h.score},
          {"updated", h.updated},
          {"internal", h.internal},
          {"partial", h.partial}};
}

std::string iso_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Response json_response(int status, const json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

Response error_json(const ApiError& e) {
  return json_response(e.status, {{"error", {{"code", e.code}, {"message", e.message}}}});
}

}  // namespace kb
