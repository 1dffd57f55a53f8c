// Synonyms kept by a help center's writers in `synonyms.txt` at the top of
// the content folder: the words customers type for what the articles call
// something else ("sign in" for "log in", "nhân bản" for "sao chép"). No
// stemmer or dictionary can know these; they are the help center's own.
//
//   # One group of words or phrases that mean the same per line, by commas.
//   sign in, log in, login
//   [vi]                  # groups below: Vietnamese searches only
//   nhân bản, sao chép
//   [*]                   # groups below: every language again
//   workroom => project   # one way: "workroom" finds projects, not back
//
// A '#' at the start of a line or after a space starts a comment.
//
// A query word matches an entry word in any form the index would match it
// (inflected, typed without diacritics), and a query that contains an entry
// also searches for the group's other entries, a little below the words as
// typed. The indexer stores the file in the catalog with the revision, so a
// change publishes like an article's.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/analysis.h"
#include "core/frontmatter.h"
#include "core/status.h"

namespace kb {

inline constexpr std::string_view kSynonymsFile = "synonyms.txt";
inline constexpr size_t kMaxSynonymsBytes = 1024 * 1024;
// Words in one entry, at most: a synonym is a term, not a sentence (a
// Vietnamese term may take five syllables, each a word).
inline constexpr size_t kMaxSynonymWords = 6;

struct SynonymGroup {
  std::string lang;                  // normalised tag; "" for every language
  std::vector<std::string> entries;  // as written, trimmed; at least two, or one with targets
  // "teamspace, workroom => project": a search for an entry also looks for
  // these, never the other way. Empty: the entries all mean the same.
  std::vector<std::string> targets;
  int line = 0;
};

struct ParsedSynonyms {
  std::vector<SynonymGroup> groups;  // the valid ones
  // Problems with their lines; a line with an error is left out, the rest apply.
  std::vector<Diagnostic> diagnostics;
};

// Never throws on any input.
ParsedSynonyms parse_synonyms(std::string_view text);

// The text of synonyms.txt in `content_dir`: nullopt when there is none, an
// error when it cannot be read or is over kMaxSynonymsBytes.
Result<std::optional<std::string>> read_synonyms_file(const std::filesystem::path& content_dir);

// What no parser can see: lines whose words no article has in any form a
// search would match (a misspelt entry, a word the articles stopped using),
// as warnings. A group is reported when none of its entries is found, a
// one-way line when none of its targets is (they are what the articles
// say). `indexed(term)`: whether some article has the index term.
// `languages`: the index's, for groups that apply to all.
std::vector<Diagnostic> unmatched_synonyms(const std::vector<SynonymGroup>& groups,
                                           const std::vector<std::string>& languages,
                                           const std::function<bool(const std::string&)>& indexed);

// Where a query contains an entry: words [first, first + count) may also be
// any of `alternatives`, each analysed like a query.
struct SynonymMatch {
  size_t first = 0;
  size_t count = 0;
  std::vector<std::vector<analysis::QueryWord>> alternatives;
};

// The groups of one index, ready to be looked up per query. Immutable after
// construction, so one may be shared by threads: see shared().
class SynonymIndex {
 public:
  SynonymIndex() = default;
  // `languages`: the index's languages, to analyse entries of groups that
  // apply to all of them.
  SynonymIndex(std::vector<SynonymGroup> groups, const std::vector<std::string>& languages);

  // The index for a synonyms.txt text and the index's languages. Every
  // Searcher of a revision (and usually the next revisions) has the same
  // text: it is parsed and analysed once, not per pooled Searcher.
  static std::shared_ptr<const SynonymIndex> shared(const std::string& text, const std::vector<std::string>& languages);

  bool empty() const { return groups_.empty(); }

  // The entries `words` contain (longest first where two overlap, never
  // overlapping), for a query analysed for `langs`.
  std::vector<SynonymMatch> find(const std::vector<analysis::QueryWord>& words,
                                 const std::vector<std::string>& langs) const;

 private:
  struct Entry {
    size_t group;
    size_t index;                                // in the group's entries
    std::vector<std::vector<std::string>> keys;  // per word: the forms it matches by
  };
  std::vector<SynonymGroup> groups_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, std::vector<size_t>> by_first_key_;  // -> entries_
};

}  // namespace kb
