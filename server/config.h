// kb-server configuration: one struct with the defaults, read from a YAML
// file (--config), then KB_* environment variables, then flags (flags win),
// and validated before anything starts.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace kb {

struct ServerConfig {
  std::string index_dir;                 // required
  std::string host = "127.0.0.1";
  int port = 8080;                       // 0 picks a free port
  std::string templates_dir = "templates";
  std::string site_name = "Help Center";
  int threads = 32;                      // worker threads; one per keep-alive connection
  bool access_log = true;
  int search_log_days = 90;              // days searches are kept; 0: not logged
  int rate_limit = 20;                   // requests/s per visitor address; 0: none
  int staff_rate_limit = 50;             // requests/s per staff token; 0: none
  std::string real_ip_header;            // e.g. X-Forwarded-For behind a proxy
  std::string embed_origins;             // who may frame /embed; "": anyone
  std::string base_url;                  // public address for links in answers
  std::string contact_url;               // where /contact sends visitors; "": no contact link
  // xapian-tcpsrv addresses of the index's shards ("host:port", shard 0
  // first; core/shards.h); empty: the revision's own index.
  std::vector<std::string> shards;
};

// Applies file, environment and flags in that order. `args` excludes argv[0].
// Returns a Status naming the flag, variable or key to fix. "--help" yields
// the error message "help".
Result<ServerConfig> load_server_config(const std::vector<std::string>& args);

extern const char* const kServerUsage;

}  // namespace kb
