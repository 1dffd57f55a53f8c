#include "core/section_map.h"

#include <algorithm>

#include "core/schema.h"

namespace kb {
namespace {

void put_varint(std::string& out, uint32_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

// False when the map ends inside the number.
bool get_varint(std::string_view data, size_t& pos, uint32_t& v) {
  v = 0;
  for (unsigned shift = 0; pos < data.size() && shift < 32; shift += 7) {
    const auto byte = static_cast<unsigned char>(data[pos++]);
    v |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace

bool carries_sections(std::string_view term) {
  if (term.empty()) return false;
  const char c = term[0];
  if (!(c >= 'A' && c <= 'Z')) return true;
  return term.starts_with(schema::kPrefixStem) || term.starts_with(schema::kPrefixPart) ||
         term.starts_with(schema::kPrefixFolded);
}

uint32_t section_map_hash(std::string_view term) {
  uint32_t h = 2166136261u;
  for (char c : term) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

std::string encode_section_map(const std::map<std::string, std::vector<Xapian::termpos>>& fields) {
  std::vector<std::pair<uint32_t, const std::vector<Xapian::termpos>*>> entries;
  for (const auto& [term, positions] : fields) {
    if (!positions.empty() && carries_sections(term)) entries.emplace_back(section_map_hash(term), &positions);
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (const auto& [hash, positions] : entries) {
    for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((hash >> shift) & 0xff);
    put_varint(out, static_cast<uint32_t>(positions->size()));
    Xapian::termpos last = 0;
    for (Xapian::termpos p : *positions) {
      put_varint(out, p - last);
      last = p;
    }
  }
  return out;
}

void read_section_map(std::string_view map, const std::vector<std::pair<uint32_t, size_t>>& hashes,
                      const std::function<void(size_t, Xapian::termpos)>& found) {
  size_t pos = 0, next = 0;  // in the map; in `hashes`
  while (pos + 4 <= map.size() && next < hashes.size()) {
    uint32_t hash = 0;
    for (int shift = 0; shift < 32; shift += 8) hash |= static_cast<uint32_t>(static_cast<unsigned char>(map[pos++])) << shift;
    uint32_t n = 0;
    if (!get_varint(map, pos, n)) return;
    while (next < hashes.size() && hashes[next].first < hash) ++next;
    const bool wanted = next < hashes.size() && hashes[next].first == hash;
    Xapian::termpos p = 0;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t delta = 0;
      if (!get_varint(map, pos, delta)) return;
      p += delta;
      for (size_t k = next; wanted && k < hashes.size() && hashes[k].first == hash; ++k) found(hashes[k].second, p);
    }
  }
}

}  // namespace kb
