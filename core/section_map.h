// Which sections of an article each of its terms occurs in, stored with the
// document at index time (schema::kSlotSections), so that the present step
// picks a hit's best section without reading or analysing section text
// (that was most of an uncached search's time).
//
// Xapian positions could say the same, but on d365 they cost 83 MB (the
// position table keys each entry by term and document), more than the rest
// of the index; a map keyed by the document's term list cost 12 MB but
// reading a term list (zlib) cost a third of the present step. This one is
// keyed by a 32-bit hash of each term: for each word or derived term that
// occurs in a section (carries_sections()), ascending by hash, the hash (4
// bytes), the count of its section positions (schema::section_position) and
// their ascending differences as varints. Before the entries, an index of
// every 16th entry (a 4-byte count, then each block's first hash and byte
// offset, 4 bytes each), so a query's terms are found without reading the
// whole map. Two terms of one document with the same hash would share their
// sections (about 1 in 30,000 documents).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <xapian.h>

namespace kb {

// Terms that have entries: words and their derived forms (no prefix, or
// schema's Z, P, R and F), not title copies, pairs or filters.
bool carries_sections(std::string_view term);

// FNV-1a: stable across builds and machines (the map outlives the binary).
uint32_t section_map_hash(std::string_view term);

// `fields`: term -> its section positions, ascending and distinct.
std::string encode_section_map(const std::map<std::string, std::vector<Xapian::termpos>>& fields);

// Calls found(i, position) for each section position of each term whose
// hash is in `hashes` (ascending by hash, each with its query word index i;
// a hash may come more than once). A damaged map is read as far as it is
// whole.
void read_section_map(std::string_view map, const std::vector<std::pair<uint32_t, size_t>>& hashes,
                      const std::function<void(size_t, Xapian::termpos)>& found);

}  // namespace kb
