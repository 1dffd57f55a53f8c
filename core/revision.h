// Index directory layout and atomic publishing of revisions.
//
//   INDEX/CURRENT                   name of the revision being served ("r00000007")
//   INDEX/revisions/r00000007/      one complete, immutable revision:
//         xapian                      full-text index (a directory, or a Xapian stub file)
//         catalog.db                  SQLite catalog
//         spelling-staff/             words only staff see, for their typos
//         media/                      the articles' images
//         shards/0 .. shards/K-1      with kb-index --shards K: the index split
//         spelling/                   for xapian-tcpsrv (core/shards.h)
//   INDEX/shards/0 .. K-1           with kb-index --shards K: links to the
//                                   current revision's shards, for
//                                   xapian-tcpsrv and xapian-replicate-server
//   INDEX/auth.db                   agent tokens (kept across revisions)
//   INDEX/kb-index.lock             held by the one running indexer
//
// kb-index builds a new revision beside the current one and publishes it by
// renaming a new CURRENT over the old: readers see the old revision or the new
// one, never a half-written one, and a crash leaves the old one serving.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/status.h"

namespace kb {

namespace fs = std::filesystem;

class IndexLayout {
 public:
  explicit IndexLayout(fs::path root) : root_(std::move(root)) {}

  const fs::path& root() const { return root_; }
  fs::path current_file() const { return root_ / "CURRENT"; }
  fs::path revisions_dir() const { return root_ / "revisions"; }
  fs::path revision_dir(const std::string& name) const { return revisions_dir() / name; }
  fs::path auth_db() const { return root_ / "auth.db"; }
  fs::path lock_file() const { return root_ / "kb-index.lock"; }
  // On a replica: the revision the indexer publishes and since when, as
  // "r00000007 UNIX-TIME" (written by scripts/kb-follow).
  fs::path upstream_file() const { return root_ / "UPSTREAM"; }

  static fs::path xapian_path(const fs::path& revision) { return revision / "xapian"; }
  static fs::path catalog_path(const fs::path& revision) { return revision / "catalog.db"; }
  // Spelling data of the words only staff may see (internal articles and
  // blocks), for correcting agents' queries; absent when there are none.
  static fs::path staff_spelling_path(const fs::path& revision) { return revision / "spelling-staff"; }
  // With kb-index --shards (core/shards.h): the index's K parts, and its
  // public spelling data and diacritics table for the server's own use.
  static fs::path shards_path(const fs::path& revision) { return revision / "shards"; }
  static fs::path shard_path(const fs::path& revision, size_t k) { return shards_path(revision) / std::to_string(k); }
  static fs::path spelling_path(const fs::path& revision) { return revision / "spelling"; }

  // The published revision's name, or nullopt when nothing is published yet.
  std::optional<std::string> current() const;
  // A name greater than every existing revision's.
  std::string next_revision_name() const;
  // INDEX/shards/k: the current revision's shard k, under a name that
  // stays (docs/deploy.md).
  fs::path shard_link(size_t k) const { return root_ / "shards" / std::to_string(k); }
  // Makes `name` the current revision, atomically and durably; first its
  // shards, if any, through the shard links (each replaced by rename).
  Status publish(const std::string& name) const;
  // Deletes revisions older than the newest `keep` (never the current one).
  // Readers holding files of a deleted revision keep reading them (POSIX).
  void collect_garbage(size_t keep) const;
  // Deletes what an indexer killed before publishing left: revision folders
  // newer than the current one (never served, so no reader has them open)
  // and a stray CURRENT.tmp. Only the holder of the IndexLock may call it
  // (IndexLock::acquire does): another indexer's folder in progress would go.
  void remove_abandoned() const;

 private:
  fs::path root_;
};

// An exclusive lock on the index directory, held for the lifetime of the
// object. Acquiring it removes what a killed indexer left (remove_abandoned),
// so a crash at any point needs no manual step before the next run.
class IndexLock {
 public:
  static Result<std::unique_ptr<IndexLock>> acquire(const IndexLayout& layout);
  ~IndexLock();
  IndexLock(const IndexLock&) = delete;
  IndexLock& operator=(const IndexLock&) = delete;

 private:
  explicit IndexLock(int fd) : fd_(fd) {}
  int fd_;
};

// Copies a revision directory (for incremental updates on a private copy).
Status copy_revision(const fs::path& from, const fs::path& to);

}  // namespace kb
