// Mustache templates (libmstch) and static assets, loaded once from the
// templates folder at start-up so a missing file fails fast, not on the first
// request. Views are built as JSON and converted for mstch, so a page's data
// can be inspected and tested like the API's.
#pragma once

#include <filesystem>
#include <map>
#include <string>

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
  static constexpr const char* kPages[] = {"home", "search", "article", "error"};

  static Result<Templates> load(const std::filesystem::path& dir);

  // Renders `page` inside the layout. `{{x}}` escapes; `{{{x}}}` is used only
  // for HTML we produced (rendered Markdown, snippets).
  std::string render(const std::string& page, const nlohmann::json& view) const;

  const StaticAsset* asset(const std::string& name) const;

 private:
  std::map<std::string, std::string> templates_;
  std::map<std::string, StaticAsset> assets_;
};

}  // namespace kb
