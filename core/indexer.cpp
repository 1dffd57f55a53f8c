#include "core/indexer.h"

#include <sys/stat.h>

#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/catalog.h"
#include "core/content_loader.h"
#include "core/hash.h"
#include "core/index_writer.h"
#include "core/markdown.h"
#include "core/media.h"
#include "core/parallel.h"
#include "core/revision.h"
#include "core/schema.h"
#include "core/shards.h"
#include "core/searcher.h"
#include "core/synonyms.h"

namespace kb {
namespace {

// IndexOptions::write_batch by default.
constexpr size_t kWriteBatch = 1000;

struct PreviousState {
  bool usable = false;  // a published revision with the current schema
  std::map<std::string, CatalogEntry> by_path;
  std::map<int64_t, std::vector<MediaFile>> media;  // by article id
  std::string synonyms;  // the synonyms.txt it was built with
  size_t shards = 1;     // how many shards its index is split into
  // When rebuilding from scratch: old slugs of renamed articles, by the
  // article's path, so a schema change does not break old links.
  std::vector<std::pair<std::string, std::string>> renamed;  // (old slug, path)
};

PreviousState load_previous(const IndexLayout& layout) {
  PreviousState prev;
  auto cur = layout.current();
  if (!cur) return prev;
  try {
    Catalog catalog(IndexLayout::catalog_path(layout.revision_dir(*cur)).string(), SqliteDb::Mode::kReadOnly);
    // Kept through a rebuild too: the shard hosts and servers expect it.
    if (auto set = ShardSet::parse(catalog.get_meta(std::string(schema::kMetaShards)).value_or(""))) {
      prev.shards = set->count;
    }
    if (catalog.schema_version() != schema::kSchemaVersion) {
      // Rebuilt from scratch; only the renames cannot be derived from the files.
      try {
        auto st = catalog.db().prepare(
            "SELECT r.from_slug, a.path FROM redirects r JOIN articles a ON a.id = r.article_id "
            "WHERE r.kind = 'renamed'");
        while (st.step()) prev.renamed.emplace_back(st.text(0), st.text(1));
      } catch (const SqliteError&) {
        // A catalog from before redirects: nothing to carry.
      }
      return prev;
    }
    for (auto& e : catalog.entries()) prev.by_path.emplace(e.path, std::move(e));
    prev.media = catalog.media();
    prev.synonyms = catalog.get_meta(std::string(schema::kMetaSynonyms)).value_or("");
    prev.usable = true;
  } catch (const SqliteError&) {
    prev.by_path.clear();  // unreadable: rebuild from scratch
  }
  return prev;
}

class Run {
 public:
  Run(const IndexOptions& options, IndexReport& report) : options_(options), report_(report) {}

  Status execute(const IndexLayout& layout) {
    const PreviousState prev = load_previous(layout);
    const std::vector<std::string> files = list_markdown_files(options_.content_dir);

    // 1. Read and hash every file; parse the front matter of changed ones.
    // In parallel; what each file gave is taken in path order below, so the
    // report and the stamps do not depend on the threads.
    std::set<std::string> present(files.begin(), files.end());
    std::vector<Scanned> scanned(files.size());
    parallel_for(files.size(), threads_, [&](size_t i) { scanned[i] = scan(prev, files[i]); });
    std::vector<ArticleHead> changed;
    for (size_t i = 0; i < files.size(); ++i) {
      Scanned& f = scanned[i];
      if (f.hashed) remember(files[i], f.stamp, f.hash);
      if (!f.error.is_ok()) {
        fail(files[i], f.error);
      } else if (!f.head) {
        ++report_.unchanged;
      } else {
        for (auto& w : f.head->front.warnings) report_.diagnostics.push_back({files[i], w});
        changed.push_back(std::move(*f.head));
      }
    }
    scanned.clear();

    // 2. Files gone from the folder.
    std::vector<const CatalogEntry*> removed;
    for (const auto& [path, entry] : prev.by_path) {
      if (!present.count(path)) removed.push_back(&entry);
    }

    // 3. Slugs: kept articles hold theirs; changed ones claim theirs in path order.
    std::set<std::string> changed_paths;
    for (const auto& h : changed) changed_paths.insert(h.path);
    std::map<std::string, std::string> slug_owner;  // slug -> path
    std::map<std::string, std::string> path_slug;   // path -> slug, for links
    for (const auto& [path, entry] : prev.by_path) {
      if (present.count(path) && !changed_paths.count(path)) {
        slug_owner[entry.slug] = path;
        path_slug[path] = entry.slug;
      }
    }
    std::vector<ArticleHead*> accepted;
    for (auto& h : changed) {
      const std::string& slug = h.front.meta.slug;
      auto [it, inserted] = slug_owner.emplace(slug, h.path);
      if (!inserted) {
        fail(h.path, Status::error(fmt::format("duplicate slug '{}': {} already uses it", slug, it->second), 1));
        continue;
      }
      path_slug[h.path] = slug;
      accepted.push_back(&h);
    }

    const std::string synonyms = read_synonyms(prev);
    const bool synonyms_changed = synonyms != prev.synonyms;
    const bool resplit = options_.shards && std::max<size_t>(*options_.shards, 1) != prev.shards;
    if (accepted.empty() && removed.empty() && !synonyms_changed && !resplit && prev.usable) {
      return Status::ok();  // nothing to publish
    }

    // 4. Write a new revision: a copy of the current one, changed in place.
    const std::string name = layout.next_revision_name();
    const fs::path dir = layout.revision_dir(name);
    if (prev.usable) {
      Status s = copy_revision(layout.revision_dir(*layout.current()), dir);
      if (!s) return s;
    }
    auto written = write(dir, accepted, path_slug, removed, prev, synonyms);
    if (!written || (*written == 0 && removed.empty() && !synonyms_changed && !resplit)) {
      std::error_code ec;
      fs::remove_all(dir, ec);
      return written ? Status::ok() : written.status();  // or: every change failed, nothing to publish
    }
    Status s = layout.publish(name);
    if (!s) return s;
    report_.published = name;
    if (synonyms_changed && !synonym_groups_.empty()) check_synonyms(dir);
    layout.collect_garbage(options_.keep_revisions);
    return Status::ok();
  }

 private:
  // What reading one file gave: unchanged (no head), changed (its head),
  // or an error; `hashed` when its bytes were read and hashed.
  struct Scanned {
    Status error = Status::ok();
    bool hashed = false;
    std::optional<FileStamp> stamp;
    std::string hash;
    std::optional<ArticleHead> head;
  };

  // Safe to run for several files at once: reads `prev` and the stamps only.
  Scanned scan(const PreviousState& prev, const std::string& path) const {
    Scanned out;
    auto it = prev.by_path.find(path);
    const bool images_unchanged = it != prev.by_path.end() && media_unchanged(prev, it->second.id);
    out.stamp = stat_file(path);
    if (out.stamp && images_unchanged && options_.stamps) {
      auto known = options_.stamps->find(path);
      if (known != options_.stamps->end() && known->second.size == out.stamp->size &&
          known->second.mtime_ns == out.stamp->mtime_ns && known->second.hash == it->second.content_hash) {
        return out;
      }
    }
    auto bytes = read_article_file(options_.content_dir / path);
    if (!bytes) {
      out.error = bytes.status();
      return out;
    }
    out.hash = sha256_hex(bytes.value());
    out.hashed = true;
    if (images_unchanged && it->second.content_hash == out.hash) return out;
    auto head = read_article_head(path, std::move(bytes.value()), options_.content);
    if (!head) {
      out.error = head.status();
      return out;
    }
    head->hash = out.hash;
    out.head = std::move(head.value());
    // The scan keeps what choosing and linking the articles needs (front
    // matter, hash); the Markdown is read again when its batch is rendered
    // (reread). Kept from here, a full index of 100,000 articles held its
    // whole corpus (761 MB) in memory until the last batch.
    std::string().swap(out.head->bytes);  // frees it (assigning an empty string keeps the buffer)
    out.head->front.body = {};
    return out;
  }

  // The file of `h` again, as the scan read it: its bytes must hash as they
  // did, else the article fails and its previous version serves (the next
  // run, or the watch mode's next event, indexes what the file is now).
  Result<ArticleHead> reread(const ArticleHead& h) const {
    auto bytes = read_article_file(options_.content_dir / h.path);
    if (!bytes) return bytes.status();
    if (sha256_hex(bytes.value()) != h.hash) {
      return Status::error("the file changed while it was being indexed; its new text is indexed on the next run");
    }
    auto again = read_article_head(h.path, std::move(bytes.value()), options_.content);
    if (!again) return again.status();
    again->hash = h.hash;
    return again;
  }

  // One article rendered, with the problems of its images; or why not.
  struct Rendered {
    std::optional<Article> article;
    Status error = Status::ok();
    std::vector<Diagnostic> diagnostics;
  };

  // Safe to run for several articles at once.
  Rendered render(const ArticleHead& h, const std::function<std::string(const std::string&)>& resolve) const {
    Rendered out;
    std::vector<MediaFile> media;
    std::map<std::string, std::string> image_problems;  // image path -> message
    auto resolve_image = [&](const std::string& target) -> std::string {
      auto m = read_media_file(options_.content_dir, target);
      if (!m) {
        image_problems.emplace(target, m.status().message());
        // Not published; remembered as it is (or as missing) so that the
        // article is published again once the file is fixed, not before.
        media.push_back(stat_media_file(options_.content_dir, target).value_or(MediaFile{target, 0, 0, ""}));
        return {};
      }
      media.push_back(*m);
      return std::string(kMediaUrlPrefix) + m->served_name();
    };
    auto head = reread(h);
    if (!head) {
      out.error = head.status();
      return out;
    }
    auto a = build_article(head.value(), resolve, resolve_image);
    if (!a) {
      out.error = a.status();
      return out;
    }
    // One entry per image (the body is rendered more than once when it has
    // internal blocks); images only in those blocks are for staff.
    std::sort(media.begin(), media.end(), [](const MediaFile& x, const MediaFile& y) { return x.path < y.path; });
    media.erase(std::unique(media.begin(), media.end(),
                            [](const MediaFile& x, const MediaFile& y) { return x.path == y.path; }),
                media.end());
    for (MediaFile& m : media) {
      m.internal = a->has_internal_blocks() &&
                   std::find(a->public_images.begin(), a->public_images.end(), m.path) == a->public_images.end();
    }
    a->media = std::move(media);
    for (const auto& ref : a->references) {
      if (ref.kind != Reference::Kind::kImage) continue;
      const std::string target = resolve_relative_path(a->path, ref.url.substr(0, ref.url.find_first_of("?#")));
      if (auto p = image_problems.find(target); p != image_problems.end()) {
        out.diagnostics.push_back({Diagnostic::Severity::kWarning, ref.line, p->second});
        image_problems.erase(p);
      }
    }
    out.article = std::move(a.value());
    return out;
  }

  // True when every image the article showed is as it was (a missing one
  // still missing).
  bool media_unchanged(const PreviousState& prev, int64_t id) const {
    auto it = prev.media.find(id);
    if (it == prev.media.end()) return true;
    for (const MediaFile& was : it->second) {
      auto now = stat_media_file(options_.content_dir, was.path);
      if (!now) {
        if (was.mtime_ns != 0) return false;  // vanished
        continue;
      }
      if (now->size == was.size && now->mtime_ns == was.mtime_ns) continue;
      if (was.hash.empty()) return false;  // appeared, or a rejected file changed
      auto hashed = read_media_file(options_.content_dir, was.path);
      if (!hashed || hashed->hash != was.hash) return false;
    }
    return true;
  }

  // The images of the articles being written, into the new revision (the
  // ones already there came with the copy of the previous revision; those no
  // article shows any more are deleted at commit). The bytes must still be the
  // ones hashed, else the article fails and its previous version serves.
  void copy_media(const fs::path& dir, std::vector<Article>& articles) {
    const fs::path media_dir = dir / "media";
    std::error_code ec;
    fs::create_directories(media_dir, ec);
    std::erase_if(articles, [&](const Article& a) {
      for (const MediaFile& m : a.media) {
        if (m.hash.empty()) continue;
        Status s = publish_media_file(options_.content_dir / m.path, m.hash, media_dir / m.served_name());
        if (!s) {
          fail(a.path, Status::error(fmt::format("image '{}' not published: {}", m.path, s.message())));
          return true;
        }
      }
      return false;
    });
  }

  struct Rename {
    const CatalogEntry* old;
    size_t article;  // index into the articles being written
  };

  // Articles that live on under a new slug or path, so their old addresses
  // can redirect: the same path with a new slug, or a removed file whose
  // content reappears in a new file (a rename or move), else whose file name
  // does (a move with an edit).
  static std::vector<Rename> find_renames(const std::vector<Article>& articles,
                                          const std::vector<const CatalogEntry*>& removed, const PreviousState& prev) {
    std::vector<Rename> out;
    std::vector<size_t> fresh;
    for (size_t i = 0; i < articles.size(); ++i) {
      auto it = prev.by_path.find(articles[i].path);
      if (it == prev.by_path.end()) {
        fresh.push_back(i);
      } else if (it->second.slug != articles[i].meta.slug) {
        out.push_back({&it->second, i});
      }
    }
    std::set<size_t> taken;
    for (auto match : {+[](const CatalogEntry& e, const Article& a) { return e.content_hash == a.content_hash; },
                       +[](const CatalogEntry& e, const Article& a) {
                         return e.path.substr(e.path.rfind('/') + 1) == a.path.substr(a.path.rfind('/') + 1);
                       }}) {
      for (const CatalogEntry* old : removed) {
        if (std::any_of(out.begin(), out.end(), [&](const Rename& r) { return r.old == old; })) continue;
        // Ambiguous on the old side too ("overview.md" left two folders): no guess.
        if (std::count_if(removed.begin(), removed.end(), [&](const CatalogEntry* o) {
              return o != old && std::any_of(fresh.begin(), fresh.end(), [&](size_t i) {
                       return match(*o, articles[i]) && match(*old, articles[i]);
                     });
            }) > 0) {
          continue;
        }
        std::optional<size_t> found;
        bool unique = true;
        for (size_t i : fresh) {
          if (taken.count(i) || !match(*old, articles[i])) continue;
          unique = !found;
          found = i;
        }
        if (found && unique) {
          taken.insert(*found);
          out.push_back({old, *found});
        }
      }
    }
    return out;
  }

  std::optional<FileStamp> stat_file(const std::string& path) const {
    struct stat st {};
    if (::stat((options_.content_dir / path).c_str(), &st) != 0) return std::nullopt;
    FileStamp s;
    s.size = static_cast<uintmax_t>(st.st_size);
    s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return s;
  }

  void remember(const std::string& path, const std::optional<FileStamp>& stamp, const std::string& hash) {
    if (!options_.stamps) return;
    constexpr int64_t kUntrustedNs = 2'000'000'000;
    if (!stamp || stamp->mtime_ns > started_ns_ - kUntrustedNs) {
      options_.stamps->erase(path);
      return;
    }
    FileStamp s = *stamp;
    s.hash = hash;
    (*options_.stamps)[path] = std::move(s);
  }

  // Renders the accepted articles and writes them, with the removals,
  // renames and synonyms, into the revision in `dir`: the number of articles
  // written. A batch at a time, so that a full index of a large help center
  // holds one batch of rendered articles and not all of them.
  Result<size_t> write(const fs::path& dir, const std::vector<ArticleHead*>& accepted,
                       const std::map<std::string, std::string>& path_slug,
                       const std::vector<const CatalogEntry*>& removed, const PreviousState& prev,
                       const std::string& synonyms) {
    auto writer = IndexWriter::open(dir);
    if (!writer) return writer.status();
    (*writer)->catalog().set_meta(std::string(schema::kMetaSynonyms), synonyms);
    // As asked, else as the published revision is (a copy of it knows, a
    // rebuild from scratch does not).
    (*writer)->set_shards(options_.shards.value_or(prev.shards), threads_);
    for (const CatalogEntry* old : removed) {
      Status s = (*writer)->remove(old->id);
      if (!s) return s;
      ++report_.removed;
    }
    auto resolve = [&path_slug](const std::string& target) -> std::string {
      auto it = path_slug.find(target);
      return it == path_slug.end() ? std::string() : article_url(it->second);
    };
    std::vector<Article> stored;  // what renames need of each written article (no bodies)
    const size_t batch = options_.write_batch ? options_.write_batch : kWriteBatch;
    for (size_t begin = 0; begin < accepted.size(); begin += batch) {
      const size_t end = std::min(accepted.size(), begin + batch);
      std::vector<Rendered> rendered(end - begin);
      parallel_for(end - begin, threads_, [&](size_t i) { rendered[i] = render(*accepted[begin + i], resolve); });
      std::vector<Article> articles;
      for (size_t i = 0; i < rendered.size(); ++i) {
        Rendered& r = rendered[i];
        if (!r.article) {
          fail(accepted[begin + i]->path, r.error);
          continue;
        }
        for (auto& d : r.diagnostics) report_.diagnostics.push_back({r.article->path, std::move(d)});
        articles.push_back(std::move(*r.article));
      }
      rendered.clear();
      copy_media(dir, articles);
      std::vector<bool> refused(articles.size(), false);
      Status put = (*writer)->put(
          articles, threads_,
          [&](size_t i, const Status& why) {
            refused[i] = true;
            fail(articles[i].path, why);
          },
          options_.progress ? [&](size_t done, size_t) { options_.progress(begin + done, accepted.size()); }
                            : std::function<void(size_t, size_t)>());
      if (!put) return put;
      for (size_t i = 0; i < articles.size(); ++i) {
        if (refused[i]) continue;
        ++(prev.by_path.count(articles[i].path) ? report_.updated : report_.added);
        Article light;
        light.id = articles[i].id;
        light.path = std::move(articles[i].path);
        light.meta = std::move(articles[i].meta);
        light.content_hash = std::move(articles[i].content_hash);
        stored.push_back(std::move(light));
      }
    }
    for (const Rename& r : find_renames(stored, removed, prev)) {
      Status s = (*writer)->rename(r.old->slug, r.old->id, stored[r.article].id);
      if (!s) return s;
    }
    if (!prev.renamed.empty()) {
      std::map<std::string, int64_t> id_by_path;
      for (const auto& a : stored) id_by_path[a.path] = a.id;
      for (const auto& [old_slug, path] : prev.renamed) {
        auto it = id_by_path.find(path);
        if (it == id_by_path.end()) continue;
        Status s = (*writer)->rename(old_slug, it->second, it->second);
        if (!s) return s;
      }
    }
    if (stored.empty() && removed.empty() && synonyms == prev.synonyms &&
        (!options_.shards || std::max<size_t>(*options_.shards, 1) == prev.shards)) {
      return size_t{0};  // nothing to commit
    }
    Status s = (*writer)->commit();
    if (!s) return s;
    return stored.size();
  }

  // The text of synonyms.txt ("" when there is none), its problems
  // reported; when it cannot be read, the published one stays.
  std::string read_synonyms(const PreviousState& prev) {
    const std::string path(kSynonymsFile);
    auto text = read_synonyms_file(options_.content_dir);
    if (!text) {
      fail(path, Status::error(text.status().message() + "; the synonyms published before still apply"));
      return prev.synonyms;
    }
    if (!*text) return "";
    ParsedSynonyms parsed = parse_synonyms(**text);
    for (const auto& d : parsed.diagnostics) report_.diagnostics.push_back({path, d});
    if (!parsed.diagnostics.empty()) ++report_.failed;
    synonym_groups_ = std::move(parsed.groups);
    return std::move(**text);
  }

  static constexpr size_t kMaxSynonymWarnings = 20;
  // Warnings for the lines of a newly published synonyms.txt that find
  // nothing in the revision in `dir` (unmatched_synonyms). After
  // publishing: the articles are searchable meanwhile.
  void check_synonyms(const fs::path& dir) {
    try {
      Xapian::Database db = open_fulltext(IndexLayout::xapian_path(dir).string());
      Catalog catalog(IndexLayout::catalog_path(dir).string(), SqliteDb::Mode::kReadOnly);
      auto found = unmatched_synonyms(synonym_groups_, catalog.languages(),
                                      [&](const std::string& term) { return db.term_exists(term); });
      for (size_t i = 0; i < found.size() && i < kMaxSynonymWarnings; ++i) {
        report_.diagnostics.push_back({std::string(kSynonymsFile), std::move(found[i])});
      }
      if (found.size() > kMaxSynonymWarnings) {
        report_.diagnostics.push_back(
            {std::string(kSynonymsFile),
             {Diagnostic::Severity::kWarning, 0,
              fmt::format("{} more lines find nothing in the articles", found.size() - kMaxSynonymWarnings)}});
      }
    } catch (const Xapian::Error& e) {  // a warning that could not be given is no error
      could_not_check_synonyms(e.get_description());
    } catch (const std::exception& e) {
      could_not_check_synonyms(e.what());
    }
  }
  void could_not_check_synonyms(const std::string& why) {
    report_.diagnostics.push_back(
        {std::string(kSynonymsFile),
         {Diagnostic::Severity::kWarning, 0, fmt::format("could not check the words against the articles: {}", why)}});
  }

  void fail(const std::string& path, const Status& s) {
    ++report_.failed;
    report_.diagnostics.push_back({path, {Diagnostic::Severity::kError, s.line(), s.message()}});
  }

  const IndexOptions& options_;
  IndexReport& report_;
  std::vector<SynonymGroup> synonym_groups_;  // the valid lines of synonyms.txt, read_synonyms()
  const size_t threads_ = options_.threads ? options_.threads : worker_threads();
  const int64_t started_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
};

}  // namespace

std::string format_diagnostic(const FileDiagnostic& d) {
  const char* kind = d.diagnostic.severity == Diagnostic::Severity::kError ? "error" : "warning";
  if (d.diagnostic.line > 0) return fmt::format("{}:{}: {}: {}", d.path, d.diagnostic.line, kind, d.diagnostic.message);
  return fmt::format("{}: {}: {}", d.path, kind, d.diagnostic.message);
}

std::string diagnostic_kind(const Diagnostic& d) {
  std::string out;
  const std::string& m = d.message;
  for (size_t i = 0; i < m.size(); ++i) {
    const size_t close = m[i] == '\'' ? m.find('\'', i + 1) : std::string::npos;
    if (close == std::string::npos) {
      out += m[i];
      continue;
    }
    out += "'\u2026'";
    i = close;
  }
  return out;
}

DiagnosticSummary summarise_diagnostics(const std::vector<const Diagnostic*>& diagnostics, size_t warnings_per_kind) {
  DiagnosticSummary out;
  std::map<std::string, size_t> seen;  // kind -> warnings of it so far
  std::map<std::string, size_t> omitted_at;  // kind -> index in out.omitted
  for (size_t i = 0; i < diagnostics.size(); ++i) {
    const Diagnostic& d = *diagnostics[i];
    if (d.severity == Diagnostic::Severity::kError || warnings_per_kind == 0) {
      out.shown.push_back(i);
      continue;
    }
    const std::string kind = diagnostic_kind(d);
    if (++seen[kind] <= warnings_per_kind) {
      out.shown.push_back(i);
      continue;
    }
    auto [it, fresh] = omitted_at.emplace(kind, out.omitted.size());
    if (fresh) out.omitted.push_back({kind, 0});
    ++out.omitted[it->second].count;
  }
  return out;
}

std::string format_omitted(const DiagnosticSummary::Omitted& o) {
  return fmt::format("\u2026 and {} more warning{} like: {}", o.count, o.count == 1 ? "" : "s", o.kind);
}

Result<IndexReport> run_indexer(const IndexOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  if (!fs::is_directory(options.content_dir, ec)) {
    return Status::error(fmt::format("content folder {} does not exist", options.content_dir.string()));
  }
  IndexLayout layout(options.index_dir);
  auto lock = IndexLock::acquire(layout);
  if (!lock) return lock.status();
  IndexReport report;
  Run run(options, report);
  Status s = run.execute(layout);
  if (!s) return s;
  std::stable_sort(report.diagnostics.begin(), report.diagnostics.end(),
                   [](const FileDiagnostic& a, const FileDiagnostic& b) { return a.path < b.path; });
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace kb
