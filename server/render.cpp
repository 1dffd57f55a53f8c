#include "server/render.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <unordered_map>
#include <sstream>

#include <fmt/format.h>
#include <mstch/mstch.hpp>
#include <unicode/calendar.h>
#include <unicode/datefmt.h>
#include <unicode/msgfmt.h>
#include <unicode/timezone.h>

#include "core/hash.h"

namespace kb {
namespace {

mstch::node to_mstch(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mstch::map m;
      for (const auto& [k, v] : j.items()) m.emplace(k, to_mstch(v));
      return m;
    }
    case nlohmann::json::value_t::array: {
      mstch::array a;
      for (const auto& v : j) a.push_back(to_mstch(v));
      return a;
    }
    case nlohmann::json::value_t::string:
      return j.get<std::string>();
    case nlohmann::json::value_t::boolean:
      return j.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return static_cast<int>(j.get<long long>());
    case nlohmann::json::value_t::number_float:
      return j.get<double>();
    default:
      return mstch::node();
  }
}

bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string content_type_for(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

Result<Templates> Templates::load(const std::filesystem::path& dir) {
  Templates t;
  std::vector<std::string> names = {"layout"};
  for (const char* p : kPages) names.emplace_back(p);
  for (const auto& name : names) {
    const auto path = dir / (name + ".mustache");
    std::string text;
    if (!read_file(path, text)) return Status::error(fmt::format("cannot read template {}", path.string()));
    t.templates_[name] = std::move(text);
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir / "static", ec)) {
    if (!e.is_regular_file()) continue;
    StaticAsset a;
    if (!read_file(e.path(), a.body)) return Status::error(fmt::format("cannot read {}", e.path().string()));
    a.content_type = content_type_for(e.path());
    a.etag = "\"" + sha256_hex(a.body).substr(0, 16) + "\"";
    t.assets_[e.path().filename().string()] = std::move(a);
  }
  const auto i18n = dir / "i18n";
  for (const auto& e : std::filesystem::directory_iterator(i18n, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".json") continue;
    std::string text;
    if (!read_file(e.path(), text)) return Status::error(fmt::format("cannot read {}", e.path().string()));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object()) return Status::error(fmt::format("{}: not a JSON object of strings", e.path().string()));
    for (const auto& [k, v] : j.items()) {
      if (!v.is_string()) return Status::error(fmt::format("{}: \"{}\" is not a string", e.path().string(), k));
    }
    t.strings_[e.path().stem().string()] = std::move(j);
  }
  auto en = t.strings_.find(kDefaultUiLanguage);
  if (en == t.strings_.end()) {
    return Status::error(fmt::format("cannot read interface strings {}", (i18n / "en.json").string()));
  }
  for (auto& [code, strings] : t.strings_) {
    t.ui_languages_.push_back(code);
    for (const auto& [k, v] : en->second.items()) {
      if (!strings.contains(k)) strings[k] = v;
    }
  }
  return t;
}

const nlohmann::json& Templates::strings(const std::string& lang) const {
  auto it = strings_.find(lang);
  return it != strings_.end() ? it->second : strings_.at(kDefaultUiLanguage);
}

std::string Templates::format(const std::string& lang, const std::string& key,
                              const std::vector<std::pair<std::string, int64_t>>& args) const {
  const std::string pattern = strings(lang).value(key, key);
  UErrorCode err = U_ZERO_ERROR;
  icu::MessageFormat mf(icu::UnicodeString::fromUTF8(pattern), icu::Locale(lang.c_str()), err);
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& [name, value] : args) {
    names.push_back(icu::UnicodeString::fromUTF8(name));
    values.emplace_back(value);
  }
  icu::UnicodeString out;
  mf.format(names.data(), values.data(), static_cast<int32_t>(args.size()), out, err);
  if (U_FAILURE(err)) return pattern;
  std::string utf8;
  return out.toUTF8String(utf8);
}

std::string Templates::format_date(const std::string& lang, const std::string& iso_date) {
  int y = 0, m = 0, d = 0;
  char tail = 0;
  if (iso_date.size() != 10 || std::sscanf(iso_date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return iso_date;
  // One formatter per language and thread: ICU formatters are costly to make
  // and not meant to be shared between threads.
  thread_local std::unordered_map<std::string, std::unique_ptr<icu::DateFormat>> formatters;
  auto& f = formatters[lang];
  if (!f) {
    f.reset(icu::DateFormat::createDateInstance(icu::DateFormat::kMedium, icu::Locale(lang.c_str())));
    if (!f) return iso_date;
    f->setTimeZone(*icu::TimeZone::getGMT());
  }
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<icu::Calendar> cal(icu::Calendar::createInstance(icu::TimeZone::getGMT()->clone(), err));
  if (U_FAILURE(err)) return iso_date;
  cal->clear();
  cal->set(y, m - 1, d);
  const UDate when = cal->getTime(err);
  if (U_FAILURE(err)) return iso_date;
  icu::UnicodeString out;
  f->format(when, out);
  std::string utf8;
  return out.toUTF8String(utf8);
}

std::string Templates::render(const std::string& page, const nlohmann::json& view) const {
  for (const char* standalone : kStandalonePages) {
    if (page == standalone) return mstch::render(templates_.at(page), to_mstch(view));
  }
  std::map<std::string, std::string> partials = {{"content", templates_.at(page)}};
  return mstch::render(templates_.at("layout"), to_mstch(view), partials);
}

const StaticAsset* Templates::asset(const std::string& name) const {
  auto it = assets_.find(name);
  return it == assets_.end() ? nullptr : &it->second;
}

}  // namespace kb
