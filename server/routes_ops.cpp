#include "server/route_handler.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "core/media.h"

namespace kb {

using nlohmann::json;

namespace {

// "r00000007" -> 7, for a gauge.
double revision_number(const std::string& name) { return name.size() > 1 ? std::strtod(name.c_str() + 1, nullptr) : 0; }

}  // namespace

Response App::Handler::healthz() {
  auto rev = app_.search_.revision();
  if (!rev) return json_response(503, {{"status", "no_index"}, {"message", "no index revision published yet"}});
  // A shard down: 503 with Retry-After, as searches get (searcher()).
  json body = {{"status", "ok"}, {"revision", *rev}, {"articles", searcher()->document_count()}};
  if (const size_t shards = app_.search_.shard_count()) body["shards"] = shards;
  // Behind: still serving, and saying so, for the operator to see (a
  // replica behind for seconds is normal; for minutes it is not).
  if (const auto f = app_.search_.freshness(); f.newest != *rev) {
    body["published"] = f.newest;
    body["behind_seconds"] = std::round(f.behind_seconds * 10) / 10;
  }
  return json_response(200, body);
}

Response App::Handler::metrics() {
  std::map<std::string, double> gauges;
  if (const auto rev = app_.search_.revision()) {
    const auto f = app_.search_.freshness();
    gauges["kb_index_revision"] = revision_number(*rev);
    gauges["kb_index_published_revision"] = revision_number(f.newest);
    gauges["kb_index_behind_seconds"] = f.newest == *rev ? 0 : f.behind_seconds;
    gauges["kb_index_shards"] = static_cast<double>(app_.search_.shard_count());
    // Scraped whatever the shards do: a shard down is a 0 here, not a
    // failed scrape.
    auto lease = app_.search_.acquire();
    gauges["kb_index_up"] = lease ? 1 : 0;
    if (lease) gauges["kb_index_documents"] = static_cast<double>((*lease)->document_count());
  }
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = app_.metrics_.render(gauges);
  return r;
}

// An article's image, from the current revision's media/ folder. Names are
// content hashes, so the answer never changes: cached for a year.
Response App::Handler::media(const std::string& name) {
  // Only images of articles the caller may see: an internal screenshot's
  // address pasted into a public place shows nothing.
  if (!is_media_name(name) || !must(searcher()->media_visible(name, visitor_.visibility))) {
    throw_error(404, "not_found", "no such image");
  }
  auto dir = app_.search_.revision_dir();
  if (!dir) throw_error(404, "not_found", "no such image");
  std::ifstream in(*dir / "media" / name, std::ios::binary);
  if (!in) throw_error(404, "not_found", "no such image");
  Response r;
  r.content_type = *image_content_type(name);
  r.headers.emplace_back("Cache-Control", "public, max-age=31536000, immutable");
  // An SVG opened on its own must not run script in our origin.
  if (name.ends_with(".svg")) r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  std::ostringstream body;
  body << in.rdbuf();
  r.body = body.str();
  return r;
}

Response App::Handler::asset(const std::string& name) {
  const StaticAsset* a = app_.templates_.asset(name);
  if (!a) throw_error(404, "not_found", "no such file");
  Response r;
  r.content_type = a->content_type;
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  r.headers.emplace_back("ETag", a->etag);
  if (const std::string* inm = req_.header("if-none-match"); inm && *inm == a->etag) {
    r.status = 304;
    return r;
  }
  r.body = a->body;
  return r;
}

}  // namespace kb
