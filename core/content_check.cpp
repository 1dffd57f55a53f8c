#include "core/content_check.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/markdown.h"
#include "core/media.h"
#include "core/synonyms.h"
#include "core/text.h"

namespace kb {
namespace {

namespace fs = std::filesystem;
using Severity = Diagnostic::Severity;

// Front matter keys the content model knows (docs/writing.md).
const std::set<std::string>& known_keys() {
  static const std::set<std::string> kKeys = {"title",   "slug",     "lang",     "language",       "category",
                                              "summary", "description", "tags", "aliases",        "translation_of",
                                              "updated", "verified", "expires",  "draft",          "audience"};
  return kKeys;
}

std::string today_utc() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd(days);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

struct Entry {
  std::string path;
  std::optional<ArticleHead> head;
  std::optional<Article> article;  // set when the file would be published
};

class Checker {
 public:
  Checker(const CheckOptions& options, CheckReport& report) : options_(options), report_(report) {}

  void run() {
    load();
    claim_slugs();
    render();
    check_titles();
    check_aliases();
    check_links();
    check_translations();
    check_expiry();
    check_synonyms();
  }

 private:
  void add(const std::string& path, Severity severity, int line, const char* check, std::string message) {
    ++(severity == Severity::kError ? report_.errors : report_.warnings);
    report_.items.push_back({{path, {severity, line, std::move(message)}}, check});
  }
  int key_line(const Entry& e, const std::string& key) const {
    auto it = e.head->front.key_lines.find(key);
    return it == e.head->front.key_lines.end() ? 0 : it->second;
  }

  // Every file read and its front matter parsed; unknown keys noted.
  void load() {
    const auto files = list_markdown_files(options_.content_dir);
    report_.files = files.size();
    entries_.reserve(files.size());
    for (const auto& path : files) {
      Entry e{path, std::nullopt, std::nullopt};
      auto bytes = read_article_file(options_.content_dir / path);
      Status valid = bytes ? check_article_bytes(*bytes) : bytes.status();
      if (!valid) {
        add(path, Severity::kError, valid.line(), "file", valid.message());
      } else if (auto head = read_article_head(path, std::move(bytes.value()), options_.content); !head) {
        add(path, Severity::kError, head.status().line(), "front-matter", head.status().message());
      } else {
        e.head = std::move(head.value());
        for (const auto& w : e.head->front.warnings) add(path, w.severity, w.line, "front-matter", w.message);
        check_keys(e);
      }
      entries_.push_back(std::move(e));
      by_path_[path] = &entries_.back();
    }
  }

  void check_keys(const Entry& e) {
    for (const auto& [key, line] : e.head->front.key_lines) {
      if (known_keys().count(key) || allowed(key)) continue;
      std::string hint;
      for (const auto& known : known_keys()) {
        if (edit_distance(key, known) <= (known.size() > 4 ? 2u : 1u)) {
          hint = fmt::format("; did you mean '{}'?", known);
          break;
        }
      }
      add(e.path, Severity::kWarning, line, "front-matter",
          fmt::format("unknown key '{}' is kept as metadata but not used{}", key, hint));
    }
  }

  bool allowed(const std::string& key) const {
    return std::any_of(options_.known_keys.begin(), options_.known_keys.end(), [&](const std::string& k) {
      return k.ends_with('*') ? key.starts_with(std::string_view(k).substr(0, k.size() - 1)) : key == k;
    });
  }

  // First file in path order keeps a slug, as the indexer does on a fresh run.
  void claim_slugs() {
    for (auto& e : entries_) {
      if (!e.head) continue;
      const std::string& slug = e.head->front.meta.slug;
      auto [it, inserted] = slug_owner_.emplace(slug, &e);
      if (!inserted) {
        add(e.path, Severity::kError, key_line(e, "slug"), "slug",
            fmt::format("duplicate slug '{}': {} already uses it; only one of them can be published", slug,
                        it->second->path));
        e.head.reset();
      }
    }
  }

  void render() {
    std::map<std::string, std::string> path_slug;
    for (const auto& [slug, e] : slug_owner_) path_slug[e->path] = slug;
    auto resolve = [&path_slug](const std::string& target) -> std::string {
      auto it = path_slug.find(target);
      return it == path_slug.end() ? std::string() : article_url(it->second);
    };
    for (auto& e : entries_) {
      if (!e.head) continue;
      auto a = build_article(*e.head, resolve);
      if (!a) {
        const bool title = a.status().message().starts_with("missing title");
        add(e.path, Severity::kError, a.status().line(), title ? "title" : "internal-block", a.status().message());
        continue;
      }
      e.article = std::move(a.value());
    }
  }

  void check_titles() {
    std::map<std::pair<std::string, std::string>, const Entry*> seen;  // (lang, lowered title)
    for (const auto& e : entries_) {
      if (!e.article) continue;
      const auto key = std::make_pair(e.article->meta.lang, ascii_lower(e.article->meta.title));
      auto [it, inserted] = seen.emplace(key, &e);
      if (!inserted) {
        add(e.path, Severity::kWarning, key_line(e, "title"), "title",
            fmt::format("same title as {} ('{}'): readers cannot tell the two apart in results", it->second->path,
                        e.article->meta.title));
      }
    }
  }

  void check_aliases() {
    std::map<std::string, const Entry*> alias_owner;
    for (const auto& e : entries_) {
      if (!e.article) continue;
      const int line = key_line(e, "aliases");
      for (const auto& alias : e.article->meta.aliases) {
        if (alias == e.article->meta.slug) {
          add(e.path, Severity::kWarning, line, "alias", fmt::format("alias '{}' is the article's own slug", alias));
        } else if (auto owner = slug_owner_.find(alias); owner != slug_owner_.end()) {
          add(e.path, Severity::kError, line, "alias",
              fmt::format("alias '{}' is the slug of {}; an alias cannot redirect away from a live article", alias,
                          owner->second->path));
        } else if (auto [it, inserted] = alias_owner.emplace(alias, &e); !inserted) {
          add(e.path, Severity::kError, line, "alias",
              fmt::format("alias '{}' is also an alias of {}; it can redirect to only one", alias, it->second->path));
        }
      }
      for (const auto& alias : e.article->meta.aliases) aliases_.emplace(alias, &*e.article);
    }
  }

  // The article a link points at and the heading it names, if any.
  const Article* article_by_slug(const std::string& slug) const {
    auto it = slug_owner_.find(slug);
    return it == slug_owner_.end() || !it->second->article ? nullptr : &*it->second->article;
  }

  static bool has_anchor(const Article& a, std::string_view anchor) {
    return std::any_of(a.sections.begin(), a.sections.end(), [&](const Section& s) { return s.anchor == anchor; });
  }

  void check_anchor(const Entry& from, const Reference& ref, const Article& target, std::string_view fragment) {
    if (fragment.empty() || has_anchor(target, fragment)) return;
    std::string known;
    for (const auto& s : target.sections) {
      if (s.anchor.empty()) continue;
      known += known.empty() ? "" : ", ";
      known += "#" + s.anchor;
      if (known.size() > 160) {
        known += ", ...";
        break;
      }
    }
    add(from.path, Severity::kError, ref.line, "link",
        fmt::format("broken link '{}': {} has no heading '#{}'{}", ref.url,
                    &target == &*from.article ? "this article" : target.path, fragment,
                    known.empty() ? std::string(" (it has no headings)") : " (headings: " + known + ")"));
  }

  void check_synonyms() {
    const std::string path(kSynonymsFile);
    auto text = read_synonyms_file(options_.content_dir);
    if (text && !*text) return;
    ++report_.files;
    if (!text) {
      add(path, Severity::kError, 0, "synonyms", text.status().message());
      return;
    }
    for (const auto& d : parse_synonyms(**text).diagnostics) add(path, d.severity, d.line, "synonyms", d.message);
  }

  void check_links() {
    for (const auto& e : entries_) {
      if (!e.article) continue;
      for (const auto& ref : e.article->references) check_reference(e, ref);
    }
  }

  void check_reference(const Entry& e, const Reference& ref) {
    const std::string_view url = ref.url;
    const bool image = ref.kind == Reference::Kind::kImage;
    if (url.empty()) {
      add(e.path, Severity::kError, ref.line, image ? "image" : "link",
          image ? "image without a source: ![alt](path)" : "empty link target: [text]()");
      return;
    }
    if (has_url_scheme(url) || url.starts_with("//")) return;  // external: not checked (no network)
    const size_t hash = url.find('#');
    const std::string_view target = url.substr(0, hash);
    const std::string_view fragment = hash == std::string_view::npos ? std::string_view() : url.substr(hash + 1);
    if (target.empty()) {  // "#heading" in the same article
      check_anchor(e, ref, *e.article, fragment);
      return;
    }
    if (target.starts_with("/")) {
      constexpr std::string_view kArticles = "/articles/";
      if (image || !target.starts_with(kArticles)) return;  // served by something else
      const std::string slug(target.substr(kArticles.size()));
      if (const Article* a = article_by_slug(slug)) {
        check_anchor(e, ref, *a, fragment);
      } else if (auto alias = aliases_.find(slug); alias != aliases_.end()) {
        check_anchor(e, ref, *alias->second, fragment);  // the redirect keeps the fragment
      } else {
        add(e.path, Severity::kError, ref.line, "link",
            fmt::format("broken link '{}': no article has the slug '{}'", ref.url, slug));
      }
      return;
    }
    const std::string file = resolve_relative_path(e.path, target.substr(0, target.find('?')));
    if (file.empty()) {
      add(e.path, Severity::kError, ref.line, image ? "image" : "link",
          fmt::format("'{}' points outside the content folder", ref.url));
      return;
    }
    if (!image && file.ends_with(".md")) {
      auto owner = by_path_.find(file);
      if (owner == by_path_.end()) {
        add(e.path, Severity::kError, ref.line, "link",
            fmt::format("broken link '{}': {} does not exist", ref.url, file));
      } else if (owner->second->article) {
        check_anchor(e, ref, *owner->second->article, fragment);
      }
      return;
    }
    std::error_code ec;
    if (!fs::exists(options_.content_dir / file, ec)) {
      // "[x](other-slug)": a slug where the file's path belongs.
      std::string hint;
      if (const Article* a = image ? nullptr : article_by_slug(std::string(target))) {
        hint = fmt::format("; to link the article with that slug, write '/articles/{}{}' or the path of its file, {}",
                           target, hash == std::string_view::npos ? "" : url.substr(hash), a->path);
      }
      add(e.path, Severity::kError, ref.line, image ? "image" : "link",
          fmt::format("{} '{}' not found: {} does not exist{}", image ? "image" : "file", ref.url, file, hint));
    } else if (image) {
      if (auto m = read_media_file(options_.content_dir, file); !m) {
        add(e.path, Severity::kError, ref.line, "image", m.status().message() + "; it will not be published");
      }
    }
  }

  // translation_of names the source's slug. A translation older than its
  // source probably misses the source's last change; a source translated into
  // some of the help center's languages should be in all of them.
  void check_translations() {
    std::map<std::string, std::vector<const Entry*>> groups;  // source slug -> translations
    std::set<std::string> group_langs;
    for (const auto& e : entries_) {
      if (!e.article || e.article->meta.translation_of.empty()) continue;
      const Metadata& m = e.article->meta;
      const Article* source = article_by_slug(m.translation_of);
      if (!source) {
        add(e.path, Severity::kError, key_line(e, "translation_of"), "translation",
            fmt::format("translation_of '{}': no article has that slug", m.translation_of));
        continue;
      }
      groups[m.translation_of].push_back(&e);
      group_langs.insert(m.lang);
      group_langs.insert(source->meta.lang);
      if (!m.updated.empty() && !source->meta.updated.empty() && m.updated < source->meta.updated) {
        add(e.path, Severity::kWarning, key_line(e, "updated"), "translation",
            fmt::format("translation is older than its source {} (updated {} here, {} there)", source->path,
                        m.updated, source->meta.updated));
      }
    }
    for (const auto& [slug, translations] : groups) {
      const Article& source = *article_by_slug(slug);
      std::set<std::string> have = {source.meta.lang};
      for (const Entry* t : translations) have.insert(t->article->meta.lang);
      std::vector<std::string> missing;
      std::set_difference(group_langs.begin(), group_langs.end(), have.begin(), have.end(),
                          std::back_inserter(missing));
      if (missing.empty()) continue;
      add(source.path, Severity::kWarning, 0, "translation",
          fmt::format("not yet translated into {} (translated articles here cover {})", fmt::join(missing, ", "),
                      fmt::join(group_langs, ", ")));
    }
  }

  void check_expiry() {
    const std::string today = options_.today.empty() ? today_utc() : options_.today;
    for (const auto& e : entries_) {
      if (!e.article || e.article->meta.expires.empty() || e.article->meta.expires >= today) continue;
      add(e.path, Severity::kWarning, key_line(e, "expires"), "expired",
          fmt::format("expired on {}: update the article and its 'expires' date, or remove it",
                      e.article->meta.expires));
    }
  }

  const CheckOptions& options_;
  CheckReport& report_;
  std::vector<Entry> entries_;  // in path order; never resized after load()
  std::map<std::string, Entry*> by_path_;
  std::map<std::string, Entry*> slug_owner_;
  std::map<std::string, const Article*> aliases_;  // alias -> the first article naming it
};

}  // namespace

Result<CheckReport> check_content(const CheckOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(options.content_dir, ec)) {
    return Status::error(fmt::format("content folder {} does not exist", options.content_dir.string()));
  }
  CheckReport report;
  Checker(options, report).run();
  std::stable_sort(report.items.begin(), report.items.end(), [](const auto& a, const auto& b) {
    return std::tie(a.where.path, a.where.diagnostic.line) < std::tie(b.where.path, b.where.diagnostic.line);
  });
  return report;
}

}  // namespace kb
