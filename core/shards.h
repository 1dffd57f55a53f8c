// One index split into K shards that Xapian's remote backend serves
// (xapian-tcpsrv, one per shard), for a help center larger than one machine
// indexes or answers (docs/deploy.md).
//
// kb-index --shards K writes, beside the revision's whole index (`xapian/`,
// which incremental runs update and local serving reads):
//   shards/0 .. shards/K-1   the documents, split by docid
//   spelling/                the public spelling data and the diacritics
//                            table (schema.h), which Xapian 1.4's remote
//                            backend does not serve: kb-server reads them
//                            locally
// and records the split in the catalog (ShardSet). kb-server --shard
// HOST:PORT (K of them, shard 0 first) then searches the shards instead of
// `xapian/`, and gives exactly the single index's answers:
//   - Xapian numbers the documents of a database of K parts so that part k's
//     docid d is (d-1)*K+k+1. Shard (g-1)%K holds the whole index's document
//     g at docid (g-1)/K+1, so every document keeps its docid, and ties in
//     rank (broken by docid) come out in the same order.
//   - Statistics (document counts, term frequencies, lengths) are summed over
//     the parts exactly; related articles ask for exact term frequencies.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <xapian.h>

#include "core/status.h"

namespace kb {

// What a revision's catalog says of its shards: how many, and a token new
// with every revision that each shard's Xapian metadata repeats, so a server
// never combines one revision's catalog with another's shards.
struct ShardSet {
  std::string revision;  // the revision's name, for messages
  size_t count = 0;
  std::string token;

  // The catalog meta value, and back (nullopt: no shards).
  std::string serialise() const;
  static std::optional<ShardSet> parse(const std::string& meta);
  // What shard k's metadata (kShardMetadataKey) holds: "r00000007 2/3 TOKEN".
  std::string describe(size_t k) const;
};

inline constexpr const char* kShardMetadataKey = "kb:shard";

// A remote database answers each call within this many milliseconds, or the
// call fails (Xapian::NetworkTimeoutError): a help page must say "try again"
// sooner than Xapian's default of 10 s. Connecting gets less.
inline constexpr unsigned kRemoteTimeoutMs = 1000;
inline constexpr unsigned kRemoteConnectTimeoutMs = 500;

// Splits the revision's whole index into `count` shards (see above) and
// writes its spelling data apart, on up to `threads` threads. `count` < 2
// removes them. When the folder holds `had` shards copied from the previous
// revision, `had` == `count` and `changed` (the unique terms of the
// documents added, replaced or deleted since) is given, only those documents
// are written, and the spelling data is taken as it is (the writer keeps it
// current); else everything is written anew. Either way every shard is
// marked with a new token.
Result<std::optional<ShardSet>> write_shards(const std::filesystem::path& revision_dir, size_t count, size_t threads,
                                             const std::set<std::string>* changed = nullptr, size_t had = 0);

// Opens the shards at `addresses` ("host:port", shard 0 first), served by
// xapian-tcpsrv, as one database; every remote call times out
// (kRemoteTimeoutMs). Each shard must hold its part of
// `expected`: an address that does not answer, or serves another
// revision's shard, gives an "unavailable" Status that names it.
Result<Xapian::Database> open_shards(const std::vector<std::string>& addresses, const ShardSet& expected);

// Opens one "host:port" served by xapian-tcpsrv (kRemoteTimeoutMs); throws
// Xapian::NetworkError when it does not answer, InvalidArgumentError for an
// address without a port.
Xapian::Database open_remote(const std::string& address);

}  // namespace kb
