// Mustache templates (libmstch) and static assets, loaded once from the
// templates folder at start-up so a missing file fails fast, not on the first
// request. Views are built as JSON and converted for mstch, so a page's data
// can be inspected and tested like the API's.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace kb {

struct StaticAsset {
  std::string body;
  std::string content_type;
  std::string etag;
};

class Templates {
 public:
  // Pages rendered inside layout.mustache (as the {{> content}} partial).
  static constexpr const char* kPages[] = {"home", "search", "article", "error", "signin", "embed", "agent", "report",
                                             "insights"};
  // Pages that are whole documents of their own, without the site's layout.
  static constexpr const char* kStandalonePages[] = {"embed"};

  static Result<Templates> load(const std::filesystem::path& dir);

  // Renders `page` inside the layout. `{{x}}` escapes; `{{{x}}}` is used only
  // for HTML we produced (rendered Markdown, snippets).
  std::string render(const std::string& page, const nlohmann::json& view) const;

  const StaticAsset* asset(const std::string& name) const;

  // Interface languages: one i18n/<code>.json per language, English required;
  // a key missing from a language falls back to English.
  static constexpr const char* kDefaultUiLanguage = "en";
  bool has_ui_language(const std::string& code) const { return strings_.count(code) > 0; }
  const std::vector<std::string>& ui_languages() const { return ui_languages_; }
  // Every interface string of `lang` (English when it has none), for views as "t".
  const nlohmann::json& strings(const std::string& lang) const;
  // One string as an ICU MessageFormat pattern with named integer arguments:
  // "{count, plural, one {# result} other {# results}}" with the plural rules
  // of `lang` (Polish has one, few and many).
  std::string format(const std::string& lang, const std::string& key,
                     const std::vector<std::pair<std::string, int64_t>>& args) const;
  // "2026-05-01" as people of `lang` write dates ("May 1, 2026", "1.5.2026");
  // anything that is not such a date comes back unchanged.
  static std::string format_date(const std::string& lang, const std::string& iso_date);

 private:
  std::map<std::string, std::string> templates_;
  std::map<std::string, StaticAsset> assets_;
  std::map<std::string, nlohmann::json> strings_;
  std::vector<std::string> ui_languages_;
};

}  // namespace kb
