#include "server/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/yaml.h"

namespace kb {

const char* const kServerUsage = R"(Usage: kb-server --index DIR [options]
       kb-server token create --index DIR --name NAME [--role agent|writer]
       kb-server token list --index DIR
       kb-server token revoke --index DIR --name NAME

Serves the index built by kb-index: the JSON API (/api/v1/search,
/api/v1/suggest, /api/v1/answer, POST /api/v1/similar,
/api/v1/articles/SLUG and its /feedback), the help page (/, /search,
/articles/SLUG, /media/ images, /opensearch.xml) in the interface languages of
TEMPLATES/i18n, the staff pages (/signin, /agent, /report, /insights, /embed for
helpdesk sidebars), Meilisearch's search API for front ends built with its
clients (/indexes/kb/search, /multi-search; read-only, docs/api.md),
/healthz and /metrics. A newly published index revision is served from the
next request on, without a restart. Article views, feedback votes and
searches (the words, language, result count and the article opened; e-mail
addresses and long numbers masked) are counted per day in INDEX/analytics.db,
with nothing about the visitor; visits are told apart by a hash whose key
lives in memory for one day, and only their counts are written.
`kb-index report` and /report list the searches that found nothing; /insights
shows staff whether self-service works. SIGTERM or Ctrl-C stops it gracefully.

Options (environment variable in brackets; flags win over the environment,
which wins over the --config file):
  --index DIR        index folder written by kb-index            [KB_INDEX]
  --host ADDR        address to listen on (default 127.0.0.1)    [KB_HOST]
  --port N           port, 0 for any free one (default 8080)     [KB_PORT]
  --templates DIR    templates and static/ (default ./templates) [KB_TEMPLATES]
  --site-name TEXT   name shown in the page header               [KB_SITE_NAME]
  --threads N        worker threads, 1..1024 (default 32)        [KB_THREADS]
                     the public may run searches on twice the cores (at
                     most half the threads) at once and hold all but an
                     eighth of the threads; beyond that 503 + Retry-After
  --rate-limit N     requests a second per visitor address, bursts of 5x
                     (default 20; 0: no limit); beyond it 429 + Retry-After
                                                               [KB_RATE_LIMIT]
  --staff-rate-limit N
                     the same per agent or writer token (default 50)
  --real-ip-header NAME
                     behind a proxy: the header with the visitor's address
                     (X-Forwarded-For; the last address in it counts)
  --base-url URL     the help center's public address, for the links in
                     /api/v1/answer (default: from the Host header; set it
                     when kb-server is reachable under other names) [KB_BASE_URL]
  --contact-url URL  the site's "contact support" page (https:// or mailto:):
                     the help page links to it through /contact, which counts
                     who went on to ask (the deflection figure of /insights)
                     and forwards there; a site's own contact button may link
                     to /contact too                          [KB_CONTACT_URL]
  --shard HOST:PORT  search the index's shards served by xapian-tcpsrv (made
                     by kb-index --shards K), not the revision's own index:
                     give --shard K times, shard 0 first (docs/deploy.md).
                     The catalog, images and spelling stay local. A shard
                     that does not answer within 1 s, or serves another
                     revision, makes searches 503 + Retry-After
                                          [KB_SHARDS, space-separated]
  --embed-origins "ORIGIN ..."
                     sites allowed to show /embed in a frame, e.g.
                     "https://acme.zendesk.com" (default: any)
  --search-log-days N
                     keep searches N days, 0 to not log them (default 90)
                                                                [KB_SEARCH_LOG_DAYS]
  --no-access-log    do not log one line per request
  --config FILE      YAML file with any of: index, host, port, templates,
                     site_name, threads, access_log, search_log_days,
                     rate_limit, staff_rate_limit, real_ip_header, embed_origins,
                     base_url, contact_url, shards (space-separated)
  -h, --help         this text

Fixed limits per connection (docs/api.md "Limits"): request line 8 KB,
headers 32 KB and 100, body 64 KB, 10 s each for the headers and the body to
arrive; idle connections are closed after 5 s, or 0.1 s while others wait.

Tokens: support agents and writers send 'Authorization: Bearer TOKEN'. An
agent sees internal articles; a writer also sees drafts. 'token create'
prints the new token once, alone on stdout (only its hash is kept, in
INDEX/auth.db); 'token list' shows name, role, created and last used;
'token revoke' ends it at once. Tokens are never logged.
)";

namespace {

Status set_int(const std::string& name, const std::string& text, int min, int max, int& out) {
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) {
    return Status::error(fmt::format("{} must be a number from {} to {}, not '{}'", name, min, max, text));
  }
  out = static_cast<int>(v);
  return Status::ok();
}

Status apply(ServerConfig& c, const std::string& key, const std::string& value, const std::string& source) {
  const std::string name = source + key;
  if (key == "index") c.index_dir = value;
  else if (key == "host") c.host = value;
  else if (key == "templates") c.templates_dir = value;
  else if (key == "site_name") c.site_name = value;
  else if (key == "port") return set_int(name, value, 0, 65535, c.port);
  else if (key == "threads") return set_int(name, value, 1, 1024, c.threads);
  else if (key == "rate_limit") return set_int(name, value, 0, 1000000, c.rate_limit);
  else if (key == "staff_rate_limit") return set_int(name, value, 0, 1000000, c.staff_rate_limit);
  else if (key == "real_ip_header") c.real_ip_header = value;
  else if (key == "base_url") {
    if ((value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) ||
        value.find_first_of(" \"<>") != std::string::npos) {
      return Status::error(fmt::format("{} must be an address like https://help.example.com", name));
    }
    c.base_url = value;
    while (!c.base_url.empty() && c.base_url.back() == '/') c.base_url.pop_back();
  } else if (key == "contact_url") {
    if ((value.rfind("https://", 0) != 0 && value.rfind("http://", 0) != 0 && value.rfind("mailto:", 0) != 0) ||
        value.find_first_of(" \"<>\r\n") != std::string::npos) {
      return Status::error(
          fmt::format("{} must be an address like https://example.com/contact or mailto:support@example.com", name));
    }
    c.contact_url = value;
  } else if (key == "embed_origins") {
    if (value.find_first_of(";,'\"") != std::string::npos) {
      return Status::error(fmt::format("{} must be origins separated by spaces, like https://help.example", name));
    }
    c.embed_origins = value;
  }
  else if (key == "shards" || key == "shard") {
    // "shards": the whole list; each --shard: one more.
    if (key == "shards") c.shards.clear();
    std::istringstream words(value);
    for (std::string address; words >> address;) {
      const size_t colon = address.rfind(':');
      int port = 0;
      if (colon == std::string::npos || colon == 0 ||
          !set_int(name, address.substr(colon + 1), 1, 65535, port)) {
        return Status::error(fmt::format("{} must be HOST:PORT of a xapian-tcpsrv, like 10.0.0.5:7001, not '{}'",
                                         name, address));
      }
      c.shards.push_back(address);
    }
  }
  else if (key == "search_log_days") return set_int(name, value, 0, 3650, c.search_log_days);
  else if (key == "access_log") c.access_log = value == "true" || value == "1" || value == "yes";
  else return Status::error(fmt::format("unknown setting '{}'", name));
  return Status::ok();
}

Status apply_file(ServerConfig& c, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::error(fmt::format("{}: cannot read the config file", path));
  std::ostringstream text;
  text << in.rdbuf();
  auto root = parse_yaml(text.str());
  if (!root) return Status::error(fmt::format("{}:{}: {}", path, root.status().line(), root.status().message()));
  if (root->is_null()) return Status::ok();
  if (!root->is_mapping()) return Status::error(fmt::format("{}: must be a mapping of settings", path));
  for (const auto& [key, value] : root->pairs) {
    if (!key.is_scalar() || !value.is_scalar()) {
      return Status::error(fmt::format("{}:{}: '{}' must be a single value", path, key.line, key.text));
    }
    Status s = apply(c, key.text, value.text, path + ": ");
    if (!s) return s;
  }
  return Status::ok();
}

}  // namespace

Result<ServerConfig> load_server_config(const std::vector<std::string>& args) {
  ServerConfig c;
  // The config file first, wherever --config appears.
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--config") {
      Status s = apply_file(c, args[i + 1]);
      if (!s) return s;
    }
  }
  const std::pair<const char*, const char*> env[] = {{"KB_INDEX", "index"},        {"KB_HOST", "host"},
                                                     {"KB_PORT", "port"},          {"KB_TEMPLATES", "templates"},
                                                     {"KB_SITE_NAME", "site_name"}, {"KB_THREADS", "threads"},
                                                     {"KB_SEARCH_LOG_DAYS", "search_log_days"},
                                                     {"KB_RATE_LIMIT", "rate_limit"},
                                                     {"KB_BASE_URL", "base_url"},
                                                     {"KB_CONTACT_URL", "contact_url"},
                                                     {"KB_SHARDS", "shards"}};
  for (const auto& [var, key] : env) {
    if (const char* v = std::getenv(var)) {
      Status s = apply(c, key, v, std::string("environment variable ") + var + " for ");
      if (!s) return s;
    }
  }
  int shard_flags = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") return Status::error("help");
    if (a == "--no-access-log") {
      c.access_log = false;
      continue;
    }
    if (a.rfind("--", 0) != 0) return Status::error(fmt::format("unexpected argument '{}'", a));
    if (i + 1 >= args.size()) return Status::error(fmt::format("{} needs a value", a));
    const std::string value = args[++i];
    if (a == "--config") continue;
    if (a == "--shard") {
      // The flags' list replaces the file's or the environment's.
      if (!shard_flags++) c.shards.clear();
      Status s = apply(c, "shard", value, "--");
      if (!s) return s;
      continue;
    }
    std::string key = a.substr(2);
    if (key == "site-name") key = "site_name";
    if (key == "search-log-days") key = "search_log_days";
    if (key == "rate-limit") key = "rate_limit";
    if (key == "staff-rate-limit") key = "staff_rate_limit";
    if (key == "real-ip-header") key = "real_ip_header";
    if (key == "embed-origins") key = "embed_origins";
    if (key == "base-url") key = "base_url";
    if (key == "contact-url") key = "contact_url";
    if (key == "site_name" || key == "threads" || key == "index" || key == "host" || key == "port" ||
        key == "templates" || key == "search_log_days" || key == "rate_limit" || key == "staff_rate_limit" ||
        key == "real_ip_header" || key == "embed_origins" || key == "base_url" || key == "contact_url") {
      Status s = apply(c, key, value, "--");
      if (!s) return s;
    } else {
      return Status::error(fmt::format("unknown option '{}'", a));
    }
  }
  if (c.index_dir.empty()) return Status::error("--index DIR is required (the folder kb-index writes)");
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::path(c.templates_dir) / "static", ec)) {
    return Status::error(fmt::format("--templates {}: no such templates folder (it needs a static/ folder)",
                                     c.templates_dir));
  }
  return c;
}

}  // namespace kb
