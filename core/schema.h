// The full-text index schema, in one place (habit from Xapian Omega's
// values.h and termprefixes.rst). Changing anything here changes what an
// existing index means: bump kSchemaVersion so kb-index rebuilds from scratch.
#pragma once

#include <string>
#include <string_view>

#include <xapian.h>

namespace kb::schema {

// Bumped whenever terms, values, document data or the catalog's storage
// change meaning.
inline constexpr int kSchemaVersion = 20;

// --- Boolean terms (filters; no effect on ranking) ---------------------------
// Unique id of an article: "Q" + catalog id. Written with replace_document so a
// re-run replaces instead of duplicating.
inline constexpr std::string_view kPrefixId = "Q";
// Language: "XL" + normalised BCP 47 tag ("XLfi", "XLpt-br").
inline constexpr std::string_view kPrefixLang = "XL";
// Tag, as written in front matter: "XT" + tag.
inline constexpr std::string_view kPrefixTag = "XT";
// Category, as written: "XC" + category.
inline constexpr std::string_view kPrefixCategory = "XC";
// Audience: "XApublic" or "XAinternal".
inline constexpr std::string_view kPrefixAudience = "XA";
// "XDdraft" on drafts.
inline constexpr std::string_view kTermDraft = "XDdraft";
// On every article the public may see (public audience and not a draft). The
// public search path filters on this one term, so visibility is decided once,
// at index time, in Article::is_public().
inline constexpr std::string_view kTermPublic = "XVpublic";
// On every article that is not a draft: what support agents may see.
inline constexpr std::string_view kTermPublished = "XVpublished";
// On the document staff search: the article's only document, or, for an
// article with `::: internal` blocks, its second document holding the blocks'
// text too (id term kPrefixAgentCopy + id). That copy never has kTermPublic,
// and the first document then lacks this term, so each search sees one
// document per article and the public never matches words of the blocks.
inline constexpr std::string_view kTermStaff = "XVstaff";
inline constexpr std::string_view kPrefixAgentCopy = "QX";

// --- Free-text terms -----------------------------------------------------------
// Words are indexed unprefixed, without positions; stemmed forms carry Xapian's
// "Z" prefix (TermGenerator STEM_SOME). Fields are told apart by how much each
// occurrence adds to the within-document frequency, which BM25 turns into a
// boost: a word in the title counts as kWdfTitle words of body text.
inline constexpr Xapian::termcount kWdfTitle = 6;
inline constexpr Xapian::termcount kWdfHeading = 3;
inline constexpr Xapian::termcount kWdfSummary = 2;
inline constexpr Xapian::termcount kWdfBody = 1;
// Derived terms, added for every indexed word by core/analysis (no positions,
// the word's wdf):
//   "Z" + base form or stem: Voikko base forms for Finnish, Hunspell stems for
//       Polish, Snowball stems for the other languages that have one.
//   "P" + compound part: the parts of Finnish compounds ("kulu", "raportti"
//       for "kuluraportin"); queries weigh them below whole words.
//   "F" + folded form: Latin words with diacritics folded to ASCII ("quan" for
//       "quản", "obslugi" for "obsługi"); only for words that change.
//   "R" + root: the verb a derived Finnish noun is made from ("viedä" for
//       "vienti" and "viejä"), so that the verb and its other derivations
//       find it; queries weigh them below the word's own base forms.
inline constexpr std::string_view kPrefixStem = "Z";
inline constexpr std::string_view kPrefixPart = "P";
inline constexpr std::string_view kPrefixFolded = "F";
inline constexpr std::string_view kPrefixRoot = "R";
//   "B" + folded word + "_" + folded next word: adjacent pairs, for Vietnamese
//       only, where a word is written as several syllables.
inline constexpr std::string_view kPrefixAdjacent = "B";
// Sections: which sections of the article a word occurs in is stored in
// kSlotSections (core/section_map.h) as section positions:
// section_position(k, true) when section k's heading has the word,
// section_position(k, false) when its text does. Sections are counted as the
// catalog stores them for the document (the public text, or the agents'
// copy's). The index stores no Xapian positions.
inline constexpr size_t kMaxSections = 8190;  // later sections share the last one's positions
inline constexpr Xapian::termpos kFirstSectionPosition = 2;
inline constexpr Xapian::termpos section_position(size_t section, bool heading) {
  const size_t k = section < kMaxSections ? section : kMaxSections - 1;
  return kFirstSectionPosition + static_cast<Xapian::termpos>(2 * k) + (heading ? 0 : 1);
}
// The section a position stands for, and whether it is the heading's.
inline constexpr size_t section_of(Xapian::termpos pos) { return (pos - kFirstSectionPosition) / 2; }
inline constexpr bool is_heading_position(Xapian::termpos pos) { return (pos - kFirstSectionPosition) % 2 == 0; }
// Title words, and their derived terms ("SZfaktura", "SFquan"), are also
// indexed with this prefix: a query gets a separate boost for words matched
// in the title, which BM25 over the whole text undervalues in long articles.
inline constexpr std::string_view kPrefixTitle = "S";

// --- Value slots ---------------------------------------------------------------
inline constexpr Xapian::valueno kSlotUpdated = 0;   // "YYYY-MM-DD"
inline constexpr Xapian::valueno kSlotSlug = 1;      // the article's slug
// What the facets count, in one value (one read per matching document, not
// three): the normalised language tag, the category and each tag, joined by
// kFacetSeparator, in that order (the category empty when there is none).
inline constexpr Xapian::valueno kSlotFacets = 2;
// The sections each term occurs in (core/section_map.h); empty when the
// article has one section or none, or no word in any.
inline constexpr Xapian::valueno kSlotSections = 5;
// The fields a result needs without touching the catalog (id, slug, path,
// title, lang, category, updated, internal), encoded by
// core/document_data.h. A value, not the document data: Xapian stores
// document data zlib-compressed, and inflating the 50 re-ranked hits' data
// was 5% of an uncached search; values are read as stored.
inline constexpr Xapian::valueno kSlotHit = 6;
inline constexpr char kFacetSeparator = '\x1f';

// --- Xapian's synonym table: the index's words with diacritics ----------------
// Key kPrefixFolded + a folded word ("Fzamowienia"), synonyms: the words of
// the public articles' spelling data that fold to it ("zamówienia"). A query
// typed without diacritics looks its words up here (analysis::Vocabulary)
// instead of trying every way to accent them against a dictionary. Written
// with the spelling data; an article's update adds its words and never takes
// any back (a stale word matches nothing; the next full build drops it).

// --- Catalog meta keys -----------------------------------------------------------
// The text of the content folder's synonyms.txt (core/synonyms.h) the revision
// was built with; absent: none.
inline constexpr std::string_view kMetaSynonyms = "synonyms";
// The revision's shards (ShardSet::serialise, core/shards.h); absent or "":
// the index is not split.
inline constexpr std::string_view kMetaShards = "shards";

// Xapian refuses terms longer than this many bytes (prefix included).
inline constexpr size_t kMaxTermBytes = 240;

// A boolean (filter) term: prefix + value, cut to kMaxTermBytes. Indexing and
// filtering both build terms here, so a long tag is cut the same way on both
// sides.
inline std::string boolean_term(std::string_view prefix, std::string_view value) {
  std::string t(prefix);
  t += value;
  if (t.size() > kMaxTermBytes) t.resize(kMaxTermBytes);
  return t;
}

}  // namespace kb::schema
