#include "server/route_handler.h"

#include <fstream>
#include <map>
#include <sstream>

#include "core/media.h"

namespace kb {

using nlohmann::json;

Response App::Handler::healthz() {
  auto rev = app_.search_.revision();
  if (!rev) return json_response(503, {{"status", "no_index"}, {"message", "no index revision published yet"}});
  return json_response(200, {{"status", "ok"}, {"revision", *rev}, {"articles", searcher()->document_count()}});
}

Response App::Handler::metrics() {
  std::map<std::string, double> gauges;
  if (app_.search_.revision()) gauges["kb_index_documents"] = static_cast<double>(searcher()->document_count());
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
