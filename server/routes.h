// The HTTP contract (DESIGN.md): JSON API, help pages, health and metrics.
// App::handle takes a plain Request and returns a plain Response; it never
// throws: expected failures become 4xx JSON errors, anything else a logged 500.
#pragma once

#include <string>

#include "core/tokens.h"
#include "core/analytics.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/render.h"
#include "server/search_service.h"

namespace kb {

struct AppOptions {
  std::string site_name = "Help Center";
};

class App {
 public:
  // `tokens` may be null: then no request is an agent's. `analytics` may be
  // null: then nothing is counted and popular articles are the recent ones.
  // All must outlive App.
  App(SearchService& search, TokenStore* tokens, const Templates& templates, Metrics& metrics, AppOptions options,
      Analytics* analytics = nullptr);

  Response handle(const Request& request);

 private:
  class Handler;
  SearchService& search_;
  TokenStore* tokens_;
  const Templates& templates_;
  Metrics& metrics_;
  AppOptions options_;
  Analytics* analytics_;
};

}  // namespace kb
