#include "core/analysis.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "core/schema.h"

#include <unicode/uloc.h>

namespace kb::analysis {
namespace {

// Flags shared by indexing and querying: CJK text becomes unigrams and bigrams.
constexpr unsigned kTermGeneratorFlags = Xapian::TermGenerator::FLAG_CJK_NGRAM;

std::string primary_subtag(std::string_view lang) {
  std::string n = normalize_lang(lang);
  return n.substr(0, n.find('-'));
}

}  // namespace

std::string normalize_lang(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_language_tag(std::string_view s) {
  // A primary subtag ICU knows as an ISO 639 code, then 2-8 alphanumeric
  // subtags ("pt-BR", "zh-Hant"). Folder names like "api" or "faq" are not
  // languages even though they are shaped like one.
  static const std::set<std::string, std::less<>> kKnown = [] {
    std::set<std::string, std::less<>> known;
    for (const char* const* p = uloc_getISOLanguages(); *p; ++p) known.insert(*p);
    return known;
  }();
  std::string norm = normalize_lang(s);
  size_t dash = norm.find('-');
  if (!kKnown.count(std::string_view(norm).substr(0, dash))) return false;
  while (dash != std::string::npos) {
    size_t next = norm.find('-', dash + 1);
    std::string_view part = std::string_view(norm).substr(dash + 1, next == std::string::npos ? std::string::npos : next - dash - 1);
    if (part.size() < 2 || part.size() > 8) return false;
    if (!std::all_of(part.begin(), part.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)); }))
      return false;
    dash = next;
  }
  return true;
}

Xapian::Stem stemmer_for(std::string_view lang) {
  std::string primary = primary_subtag(lang);
  if (primary.empty()) return Xapian::Stem();
  try {
    return Xapian::Stem(primary);
  } catch (const Xapian::InvalidArgumentError&) {
    return Xapian::Stem();  // no Snowball stemmer for this language
  }
}

DocumentAnalyzer::DocumentAnalyzer(std::string_view lang) {
  tg_.set_stemmer(stemmer_for(lang));
  tg_.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  tg_.set_flags(kTermGeneratorFlags);
  tg_.set_max_word_length(64);
  prefixed_.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  prefixed_.set_flags(kTermGeneratorFlags);
  prefixed_.set_max_word_length(64);
}

void DocumentAnalyzer::set_document(Xapian::Document& doc) {
  tg_.set_document(doc);
  prefixed_.set_document(doc);
}

void DocumentAnalyzer::index(std::string_view text, Xapian::termcount wdf_inc) {
  tg_.index_text(Xapian::Utf8Iterator(text.data(), text.size()), wdf_inc);
}

void DocumentAnalyzer::index_prefixed(std::string_view text, std::string_view prefix) {
  prefixed_.index_text_without_positions(Xapian::Utf8Iterator(text.data(), text.size()), 1, std::string(prefix));
}

void DocumentAnalyzer::next_field() { tg_.increase_termpos(100); }

std::vector<QueryWord> analyse_query(std::string_view query, const std::vector<std::string>& langs) {
  // Tokenise with the same TermGenerator settings as indexing, into a scratch
  // document, then read the words back in position order.
  Xapian::Document scratch;
  Xapian::TermGenerator tg;
  tg.set_flags(kTermGeneratorFlags);
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
  tg.set_max_word_length(64);
  tg.set_document(scratch);
  tg.index_text(Xapian::Utf8Iterator(query.data(), query.size()));

  std::multimap<Xapian::termpos, std::string> by_position;
  for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
    for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p) by_position.emplace(*p, *t);
  }
  std::vector<Xapian::Stem> stemmers;
  std::set<std::string> seen_primary;
  for (const auto& lang : langs) {
    if (!seen_primary.insert(primary_subtag(lang)).second) continue;
    Xapian::Stem s = stemmer_for(lang);
    if (!s.is_none()) stemmers.push_back(s);
  }
  std::vector<QueryWord> words;
  std::set<std::string> seen_words;
  for (const auto& [pos, word] : by_position) {
    if (!seen_words.insert(word).second) continue;
    QueryWord w{word, {word}};
    for (auto& stem : stemmers) {
      std::string z = "Z" + stem(word);
      if (z.size() > 1 && z.size() <= schema::kMaxTermBytes &&
          std::find(w.terms.begin(), w.terms.end(), z) == w.terms.end()) {
        w.terms.push_back(std::move(z));
      }
    }
    words.push_back(std::move(w));
  }
  return words;
}

Xapian::Query build_query(const std::vector<QueryWord>& words, Xapian::Query::op op) {
  std::vector<Xapian::Query> parts;
  parts.reserve(words.size());
  for (const auto& w : words) {
    parts.emplace_back(Xapian::Query::OP_OR, w.terms.begin(), w.terms.end());
  }
  if (parts.empty()) return Xapian::Query();
  return Xapian::Query(op, parts.begin(), parts.end());
}

}  // namespace kb::analysis
