// kb-index's work: content folder in, new published index revision out.
// Incremental (unchanged files are skipped by content hash, deleted files are
// removed), atomic (see core/revision.h), and tolerant: a bad file is
// reported with its path and line and skipped; its previously published
// version, if any, keeps serving.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/content_loader.h"
#include "core/frontmatter.h"
#include "core/status.h"

namespace kb {

// What a file looked like when it was last hashed (kb-index --watch keeps
// these between runs so unchanged files need not be read again).
struct FileStamp {
  uintmax_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;
};
using FileStamps = std::unordered_map<std::string, FileStamp>;  // by content-relative path

struct IndexOptions {
  std::filesystem::path content_dir;
  std::filesystem::path index_dir;
  // Language defaults and how to read foreign front matter.
  ContentOptions content;
  // Older revisions kept on disk for readers that still have them open.
  size_t keep_revisions = 3;
  // When set: a file whose size and modification time match its stamp and
  // whose hash is the published one is unchanged without being read; stamps
  // are updated for the files read. Stamps younger than two seconds are not
  // trusted (a second save within the file system's timestamp resolution).
  FileStamps* stamps = nullptr;
  // Threads for reading, rendering and analysing; 0: worker_threads()
  // (core/parallel.h). The result does not depend on it.
  size_t threads = 0;
  // Articles rendered and written together; 0: 1,000. A full index holds
  // this many rendered articles at a time, not the whole help center.
  size_t write_batch = 0;
  // Split the index into this many shards for xapian-tcpsrv (core/shards.h);
  // 1: not split. Unset: as the published revision is.
  std::optional<size_t> shards;
  // Called as articles are written: (done, total). May be empty.
  std::function<void(size_t, size_t)> progress;
};

struct FileDiagnostic {
  std::string path;  // content-relative
  Diagnostic diagnostic;
};

struct IndexReport {
  size_t added = 0;
  size_t updated = 0;
  size_t removed = 0;
  size_t unchanged = 0;
  size_t failed = 0;
  std::vector<FileDiagnostic> diagnostics;  // errors and warnings, in path order
  std::optional<std::string> published;     // the new revision, when one was published
  double seconds = 0;

  bool has_errors() const { return failed > 0; }
};

// "path:line: error: message" (line omitted when unknown).
std::string format_diagnostic(const FileDiagnostic& d);

// What a warning says with its particulars left out: each quoted value
// becomes '…' ("audience '…' is neither '…' nor '…'; treated as '…'"), so
// the same mistake in 7,000 files is one kind.
std::string diagnostic_kind(const Diagnostic& d);

// Which diagnostics to print when a folder repeats one mistake: every
// error (each is a file that did not publish), and of each kind of warning
// the first `warnings_per_kind` (0: all); the rest counted per kind.
struct DiagnosticSummary {
  std::vector<size_t> shown;  // indexes into the input, in input order
  struct Omitted {
    std::string kind;  // diagnostic_kind()
    size_t count = 0;  // warnings of this kind not shown
  };
  std::vector<Omitted> omitted;  // in order of first appearance
};
inline constexpr size_t kWarningsPerKind = 5;
DiagnosticSummary summarise_diagnostics(const std::vector<const Diagnostic*>& diagnostics, size_t warnings_per_kind);

// "… and 6995 more warnings like: audience '…' is neither …".
std::string format_omitted(const DiagnosticSummary::Omitted& o);

// Fails only when nothing could be done at all (content folder missing, index
// folder unwritable, another indexer running); per-file problems are in the
// report.
Result<IndexReport> run_indexer(const IndexOptions& options);

}  // namespace kb
