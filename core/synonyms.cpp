#include "core/synonyms.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "core/content_loader.h"
#include "core/lexicon.h"
#include "core/text.h"

namespace kb {
namespace {

// Alternatives searched for one match, at most: a long group is a list of
// spellings, and each alternative is one more query branch.
constexpr size_t kMaxAlternatives = 8;

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The entry's words, folded: two entries that only differ in case, spacing,
// punctuation or diacritics are the same entry.
std::string entry_key(const std::vector<analysis::QueryWord>& words) {
  std::string key;
  for (const auto& w : words) key += (key.empty() ? "" : " ") + analysis::Lexicon::shared().fold(w.text);
  return key;
}

void add_error(ParsedSynonyms& out, int line, std::string message) {
  out.diagnostics.push_back({Diagnostic::Severity::kError, line, std::move(message)});
}

}  // namespace

ParsedSynonyms parse_synonyms(std::string_view text) {
  ParsedSynonyms out;
  if (!is_valid_utf8(text)) {
    add_error(out, 0, "not UTF-8 text; save it as UTF-8");
    return out;
  }
  std::string lang;    // the current section's
  bool skipping = false;  // under a section whose tag is not a language
  std::map<std::pair<std::string, std::string>, int> seen;  // (lang, entry key) -> its line
  int line_no = 0;
  for (size_t pos = 0; pos <= text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    // A comment is a '#' that starts the line or follows a space ("c#" is a word).
    for (size_t hash = line.find('#'); hash != std::string_view::npos; hash = line.find('#', hash + 1)) {
      if (hash == 0 || line[hash - 1] == ' ' || line[hash - 1] == '\t') {
        line = line.substr(0, hash);
        break;
      }
    }
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[') {
      const size_t close = line.find(']');
      const std::string_view after = close == std::string_view::npos ? "" : trim(line.substr(close + 1));
      const std::string_view tag = close == std::string_view::npos ? "" : trim(line.substr(1, close - 1));
      if (close == std::string_view::npos || !after.empty()) {
        add_error(out, line_no, "a section line is a language tag in brackets alone: [fi], or [*] for all");
        skipping = true;
      } else if (tag == "*") {
        lang.clear();
        skipping = false;
      } else if (analysis::is_language_tag(tag)) {
        lang = analysis::normalize_lang(tag);
        skipping = false;
      } else {
        add_error(out, line_no,
                  fmt::format("'[{}]' is not a language tag (like [fi] or [pt-BR]); the groups below it, up to the "
                              "next section, are left out",
                              tag));
        skipping = true;
      }
      continue;
    }
    if (skipping) continue;
    SynonymGroup group;
    group.lang = lang;
    group.line = line_no;
    // The entries of one side of a line, each once; false after an error.
    // `keys`: the entries' folded words, for entries in two groups.
    const auto parse_side = [&](std::string_view side, std::vector<std::string>& entries,
                                std::vector<std::string>& keys) {
      for (size_t from = 0; from <= side.size();) {
        size_t comma = side.find(',', from);
        if (comma == std::string_view::npos) comma = side.size();
        const std::string_view entry = trim(side.substr(from, comma - from));
        from = comma + 1;
        if (entry.empty()) continue;
        const auto words = analysis::analyse_query(entry, {});
        if (words.empty()) {
          add_error(out, line_no, fmt::format("'{}' has no words to search for", entry));
          return false;
        }
        if (words.size() > kMaxSynonymWords) {
          add_error(out, line_no,
                    fmt::format("'{}' has {} words; an entry has at most {}", entry, words.size(), kMaxSynonymWords));
          return false;
        }
        if (std::string key = entry_key(words); std::find(keys.begin(), keys.end(), key) == keys.end()) {
          keys.push_back(std::move(key));
          entries.emplace_back(entry);
        }
      }
      return true;
    };
    std::vector<std::string> keys, target_keys;
    const size_t arrow = line.find("=>");
    if (arrow != std::string_view::npos && line.find("=>", arrow + 2) != std::string_view::npos) {
      add_error(out, line_no, "a line has one '=>' at most: 'what customers type => what the articles say'");
      continue;
    }
    if (!parse_side(line.substr(0, arrow), group.entries, keys)) continue;
    if (arrow != std::string_view::npos) {
      if (!parse_side(line.substr(arrow + 2), group.targets, target_keys)) continue;
      if (group.entries.empty() || group.targets.empty()) {
        add_error(out, line_no, "a one-way line needs words on both sides of '=>'");
        continue;
      }
    } else if (group.entries.size() < 2) {
      add_error(out, line_no, "a group needs two or more words or phrases, separated by commas");
      continue;
    }
    // An entry that starts a search for others belongs to one line only.
    bool twice = false;
    for (size_t i = 0; i < keys.size() && !twice; ++i) {
      if (auto it = seen.find({lang, keys[i]}); it != seen.end()) {
        add_error(out, line_no,
                  fmt::format("'{}' is already on line {}; put the words in one group", group.entries[i], it->second));
        twice = true;
      }
    }
    if (twice) continue;
    for (auto& key : keys) seen.emplace(std::pair(lang, std::move(key)), line_no);
    out.groups.push_back(std::move(group));
  }
  return out;
}

Result<std::optional<std::string>> read_synonyms_file(const std::filesystem::path& content_dir) {
  const std::filesystem::path file = content_dir / kSynonymsFile;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::optional<std::string>();
  auto text = read_text_file(file, kMaxSynonymsBytes, "synonym files");
  if (!text) return text.status();
  return std::optional<std::string>(to_nfc(text.value()));  // the articles' form
}

std::vector<Diagnostic> unmatched_synonyms(const std::vector<SynonymGroup>& groups,
                                           const std::vector<std::string>& languages,
                                           const std::function<bool(const std::string&)>& indexed) {
  std::vector<Diagnostic> out;
  for (const SynonymGroup& g : groups) {
    const std::vector<std::string> langs = g.lang.empty() ? languages : std::vector<std::string>{g.lang};
    // Found: every word of the entry in some form a search for it matches.
    const auto found = [&](const std::string& entry) {
      const auto words = analysis::analyse_query(entry, langs, false);
      return !words.empty() && std::all_of(words.begin(), words.end(), [&](const analysis::QueryWord& w) {
        return std::any_of(w.terms.begin(), w.terms.end(), [&](const auto& t) { return indexed(t.term); });
      });
    };
    const std::vector<std::string>& wanted = g.targets.empty() ? g.entries : g.targets;
    if (std::any_of(wanted.begin(), wanted.end(), found)) continue;
    std::string listed;
    for (const auto& e : wanted) listed += (listed.empty() ? "\"" : ", \"") + e + "\"";
    out.push_back({Diagnostic::Severity::kWarning, g.line,
                   g.targets.empty()
                       ? fmt::format("no article has any of {}: the line finds nothing (misspelt?)", listed)
                       : fmt::format("no article has {}, what the line's other words should find (misspelt?)",
                                     listed)});
  }
  return out;
}

SynonymIndex::SynonymIndex(std::vector<SynonymGroup> groups, const std::vector<std::string>& languages)
    : groups_(std::move(groups)) {
  for (size_t g = 0; g < groups_.size(); ++g) {
    const SynonymGroup& group = groups_[g];
    const std::vector<std::string> langs = group.lang.empty() ? languages : std::vector<std::string>{group.lang};
    for (size_t i = 0; i < group.entries.size(); ++i) {
      Entry e{g, i, {}};
      // Written by the writers, with their diacritics: none to restore.
      for (const auto& w : analysis::analyse_query(group.entries[i], langs, false)) {
        e.keys.push_back(analysis::match_keys(w));
      }
      if (e.keys.empty()) continue;
      for (const auto& k : e.keys.front()) by_first_key_[k].push_back(entries_.size());
      entries_.push_back(std::move(e));
    }
  }
}

std::shared_ptr<const SynonymIndex> SynonymIndex::shared(const std::string& text,
                                                         const std::vector<std::string>& languages) {
  static std::mutex mu;
  static std::string last_text;
  static std::vector<std::string> last_languages;
  static std::shared_ptr<const SynonymIndex> last;
  std::lock_guard lock(mu);
  if (!last || text != last_text || languages != last_languages) {
    last = std::make_shared<const SynonymIndex>(parse_synonyms(text).groups, languages);
    last_text = text;
    last_languages = languages;
  }
  return last;
}

std::vector<SynonymMatch> SynonymIndex::find(const std::vector<analysis::QueryWord>& words,
                                             const std::vector<std::string>& langs) const {
  std::vector<SynonymMatch> out;
  if (entries_.empty() || words.empty()) return out;
  std::vector<std::string> primaries;
  for (const auto& l : langs) primaries.push_back(analysis::primary_subtag(l));
  const auto applies = [&](const SynonymGroup& g) {
    return g.lang.empty() || langs.empty() ||
           std::find(primaries.begin(), primaries.end(), analysis::primary_subtag(g.lang)) != primaries.end();
  };
  std::vector<std::vector<std::string>> keys;
  for (const auto& w : words) keys.push_back(analysis::match_keys(w));
  const auto same_word = [](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return std::any_of(a.begin(), a.end(), [&](const std::string& k) {
      return std::find(b.begin(), b.end(), k) != b.end();
    });
  };
  for (size_t i = 0; i < words.size();) {
    const Entry* best = nullptr;
    for (const auto& k : keys[i]) {
      auto it = by_first_key_.find(k);
      if (it == by_first_key_.end()) continue;
      for (size_t id : it->second) {
        const Entry& e = entries_[id];
        if (best && e.keys.size() <= best->keys.size()) continue;
        if (i + e.keys.size() > words.size() || !applies(groups_[e.group])) continue;
        bool all = true;
        for (size_t j = 1; j < e.keys.size() && all; ++j) all = same_word(keys[i + j], e.keys[j]);
        if (all) best = &e;
      }
    }
    if (!best) {
      ++i;
      continue;
    }
    SynonymMatch m;
    m.first = i;
    m.count = best->keys.size();
    const SynonymGroup& g = groups_[best->group];
    // A one-way line's targets, else the group's other entries.
    const std::vector<std::string>& others = g.targets.empty() ? g.entries : g.targets;
    for (size_t k = 0; k < others.size() && m.alternatives.size() < kMaxAlternatives; ++k) {
      if (g.targets.empty() && k == best->index) continue;
      auto alt = analysis::analyse_query(others[k], langs, false);
      if (!alt.empty()) m.alternatives.push_back(std::move(alt));
    }
    i += m.count;
    if (!m.alternatives.empty()) out.push_back(std::move(m));
  }
  return out;
}

}  // namespace kb
