#include "core/shards.h"

#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "core/hash.h"
#include "core/parallel.h"
#include "core/revision.h"

namespace kb {

namespace fs = std::filesystem;

std::string ShardSet::serialise() const { return fmt::format("{} {} {}", revision, count, token); }

std::optional<ShardSet> ShardSet::parse(const std::string& meta) {
  std::istringstream in(meta);
  ShardSet set;
  if (!(in >> set.revision >> set.count >> set.token) || set.count < 2) return std::nullopt;
  return set;
}

std::string ShardSet::describe(size_t k) const { return fmt::format("{} {}/{} {}", revision, k, count, token); }

namespace {

// Writes `to` anew from `from`, through a folder beside it renamed into
// place, so that a failure leaves no half-written database under the name.
template <typename Fill>
void write_database(const fs::path& to, Fill&& fill) {
  const fs::path tmp = to.string() + ".tmp";
  fs::remove_all(tmp);
  {
    Xapian::WritableDatabase db(tmp.string(), Xapian::DB_CREATE | Xapian::DB_BACKEND_GLASS);
    fill(db);
    db.commit();
  }
  fs::remove_all(to);
  fs::rename(tmp, to);
}

}  // namespace

Result<std::optional<ShardSet>> write_shards(const fs::path& dir, size_t count, size_t threads,
                                             const std::set<std::string>* changed, size_t had) {
  const fs::path shards_dir = IndexLayout::shards_path(dir);
  try {
    if (count < 2) {
      fs::remove_all(shards_dir);
      fs::remove_all(IndexLayout::spelling_path(dir));
      return std::optional<ShardSet>();
    }
    ShardSet set{dir.filename().string(), count, random_hex(16)};
    const std::string whole = IndexLayout::xapian_path(dir).string();
    if (changed && had == count) {
      // Each shard in place: the old versions of the changed documents out,
      // the current ones in at their docids. A replica then gets a changeset
      // of these documents, not the whole shard.
      parallel_for(count, threads, [&](size_t k) {
        const Xapian::Database all(whole);
        Xapian::WritableDatabase out(IndexLayout::shard_path(dir, k).string(), Xapian::DB_OPEN);
        for (const auto& term : *changed) out.delete_document(term);
        for (const auto& term : *changed) {
          for (auto it = all.postlist_begin(term); it != all.postlist_end(term); ++it) {
            const Xapian::docid g = *it;
            if ((g - 1) % count == k) out.replace_document((g - 1) / count + 1, all.get_document(g));
          }
        }
        out.set_metadata(kShardMetadataKey, set.describe(k));
        out.commit();
      });
      return std::optional<ShardSet>(std::move(set));
    }
    fs::remove_all(shards_dir);
    fs::create_directories(shards_dir);
    // One shard per thread, each reading the whole index on its own handle.
    parallel_for(count + 1, threads, [&](size_t k) {
      const Xapian::Database all(whole);
      if (k == count) {
        // The spelling data and the diacritics table: one small local
        // database for the server, since a remote one answers neither.
        write_database(IndexLayout::spelling_path(dir), [&](Xapian::WritableDatabase& out) {
          for (auto it = all.spellings_begin(); it != all.spellings_end(); ++it) out.add_spelling(*it, it.get_termfreq());
          for (auto key = all.synonym_keys_begin(); key != all.synonym_keys_end(); ++key) {
            for (auto s = all.synonyms_begin(*key); s != all.synonyms_end(*key); ++s) out.add_synonym(*key, *s);
          }
        });
        return;
      }
      write_database(IndexLayout::shard_path(dir, k), [&](Xapian::WritableDatabase& out) {
        for (auto it = all.postlist_begin(""); it != all.postlist_end(""); ++it) {
          const Xapian::docid g = *it;
          if ((g - 1) % count != k) continue;
          out.replace_document((g - 1) / count + 1, all.get_document(g));
        }
        out.set_metadata(kShardMetadataKey, set.describe(k));
      });
    });
    return std::optional<ShardSet>(std::move(set));
  } catch (const Xapian::Error& e) {
    return Status::error(fmt::format("writing shards in {}: {}", shards_dir.string(), e.get_description()));
  } catch (const std::exception& e) {
    return Status::error(fmt::format("writing shards in {}: {}", shards_dir.string(), e.what()));
  }
}

Xapian::Database open_remote(const std::string& address) {
  const size_t colon = address.rfind(':');
  const int port = colon == std::string::npos ? 0 : std::atoi(address.c_str() + colon + 1);
  if (colon == 0 || port <= 0 || port > 65535) {
    throw Xapian::InvalidArgumentError(fmt::format("'{}' is not HOST:PORT", address));
  }
  return Xapian::Remote::open(address.substr(0, colon), static_cast<unsigned>(port), kRemoteTimeoutMs,
                              kRemoteConnectTimeoutMs);
}

Result<Xapian::Database> open_shards(const std::vector<std::string>& addresses, const ShardSet& expected) {
  if (addresses.size() != expected.count) {
    return Status::error(fmt::format("revision {} has {} shards, and {} addresses were given (--shard)",
                                     expected.revision, expected.count, addresses.size()));
  }
  Xapian::Database all;
  for (size_t k = 0; k < addresses.size(); ++k) {
    try {
      Xapian::Database part = open_remote(addresses[k]);
      // Read from each part: a database of several answers the first's.
      const std::string holds = part.get_metadata(kShardMetadataKey);
      if (holds != expected.describe(k)) {
        return Status::unavailable(fmt::format(
            "shard {} at {} serves {}, not revision {}'s shard {} of {}", k, addresses[k],
            holds.empty() ? std::string("a database that is no kb shard") : "'" + holds.substr(0, holds.rfind(' ')) + "'",
            expected.revision, k, expected.count));
      }
      all.add_database(part);
    } catch (const Xapian::NetworkError& e) {
      return Status::unavailable(fmt::format("shard {} at {} did not answer: {}", k, addresses[k], e.get_description()));
    } catch (const Xapian::Error& e) {
      return Status::error(fmt::format("shard {} at {}: {}", k, addresses[k], e.get_description()));
    }
  }
  return all;
}

}  // namespace kb
