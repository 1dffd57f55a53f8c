// The HTTP contract (DESIGN.md): JSON API, help pages, health and metrics.
// App::handle takes a plain Request and returns a plain Response; it never
// throws: expected failures become 4xx JSON errors, anything else a logged 500.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "core/tokens.h"
#include "core/analytics.h"
#include "server/rate_limit.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/render.h"
#include "server/search_service.h"

namespace kb {

// The paths of the routes that run a search. App dispatches them by these
// names; the HTTP layer gives public requests to them a limited number of
// search slots.
namespace paths {
inline constexpr std::string_view kApiSearch = "/api/v1/search";
inline constexpr std::string_view kApiSuggest = "/api/v1/suggest";
inline constexpr std::string_view kApiAnswer = "/api/v1/answer";
inline constexpr std::string_view kApiSimilar = "/api/v1/similar";
inline constexpr std::string_view kSearchPage = "/search";
inline constexpr std::string_view kEmbed = "/embed";
// Meilisearch's search API (server/meili.h) on kb's one index.
inline constexpr std::string_view kMeiliSearch = "/indexes/kb/search";
inline constexpr std::string_view kMeiliMultiSearch = "/multi-search";
inline constexpr std::string_view kSearching[] = {kApiSearch,  kApiSuggest, kApiAnswer,   kApiSimilar,
                                                  kSearchPage, kEmbed,      kMeiliSearch, kMeiliMultiSearch};
}  // namespace paths

struct AppOptions {
  std::string site_name = "Help Center";
  // Requests a second (and bursts) per visitor address and per staff token;
  // 0: no limit. Static files, images, /healthz and /metrics are not counted.
  double public_rate = 0, public_burst = 0;
  double staff_rate = 0, staff_burst = 0;
  // Public requests handled at once, at most; beyond it 503 (0: no limit).
  // The worker threads above it stay free for support agents.
  int public_slots = 0;
  // Header holding the visitor's address when behind a proxy (the proxy
  // appends it: the last address of the list counts); "": the peer address.
  std::string real_ip_header;
  // The help center's public address ("https://help.example.com") for links
  // in answers; "": taken from the request's Host header.
  std::string base_url;
  // Origins allowed to frame /embed ("https://acme.zendesk.com ..."); "": any.
  std::string embed_origins;
  // The site's contact page, where /contact forwards to; "": no contact link.
  std::string contact_url;
};

class App {
 public:
  // `tokens` may be null: then no request is an agent's. `analytics` may be
  // null: then nothing is counted and popular articles are the recent ones.
  // All must outlive App.
  App(SearchService& search, TokenStore* tokens, const Templates& templates, Metrics& metrics, AppOptions options,
      Analytics* analytics = nullptr);
  // Stops reporting searches' step timings to `metrics`.
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  Response handle(const Request& request);

 private:
  class Handler;
  SearchService& search_;
  TokenStore* tokens_;
  const Templates& templates_;
  Metrics& metrics_;
  AppOptions options_;
  Analytics* analytics_;
  RateLimiter public_limits_;
  RateLimiter staff_limits_;
  std::atomic<int> public_in_flight_{0};
};

}  // namespace kb
