// Noticing edits in a content folder (kb-index --watch): inotify watches on
// the folder and every non-hidden subfolder. A burst of saves (an editor's
// write-rename-chmod, a `git pull` touching fifty files) is gathered into one
// batch: wait() returns once the folder has been quiet for a short while.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "core/status.h"

namespace kb {

class ContentWatcher {
 public:
  struct Batch {
    // Content-relative paths of articles (*.md), images and synonyms.txt
    // created, changed, moved or deleted. Only a hint for reporting: the indexer rescans anyway.
    std::set<std::string> paths;
    // Events were lost (queue overflow) or whole folders moved: the paths
    // above are incomplete.
    bool incomplete = false;
  };

  struct Timing {
    std::chrono::milliseconds quiet{100};     // no event for this long ends a batch
    std::chrono::milliseconds max_delay{1000};  // ... or this long after its first event
  };

  static Result<std::unique_ptr<ContentWatcher>> open(const std::filesystem::path& dir);
  ~ContentWatcher();
  ContentWatcher(const ContentWatcher&) = delete;
  ContentWatcher& operator=(const ContentWatcher&) = delete;

  // Blocks until a batch of changes is complete; nullopt once `stop` is set
  // (checked a few times a second, so a signal handler may set it).
  std::optional<Batch> wait(const std::atomic<bool>& stop, Timing timing);

 private:
  ContentWatcher(int fd, std::filesystem::path dir) : fd_(fd), dir_(std::move(dir)) {}
  void watch_tree();
  // Reads the events that are ready into `batch`; false when none were.
  bool drain(Batch& batch);

  int fd_;
  std::filesystem::path dir_;
  std::map<int, std::string> folders_;  // watch descriptor -> content-relative folder ("" for the root)
};

}  // namespace kb
