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

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8) out += static_cast<char>((v >> shift) & 0xff);
}

uint32_t get_u32(std::string_view data, size_t pos) {
  uint32_t v = 0;
  for (int shift = 0; shift < 32; shift += 8) v |= static_cast<uint32_t>(static_cast<unsigned char>(data[pos++])) << shift;
  return v;
}

// Entries per block of the map's index: a query's few terms are found by a
// binary search of the blocks' first hashes and a scan of at most this many
// entries each, not a scan of the whole map (a document has hundreds to
// thousands of terms).
constexpr size_t kBlockEntries = 16;

}  // namespace

bool carries_sections(std::string_view term) {
  if (term.empty()) return false;
  const char c = term[0];
  if (!(c >= 'A' && c <= 'Z')) return true;
  return term.starts_with(schema::kPrefixStem) || term.starts_with(schema::kPrefixPart) ||
         term.starts_with(schema::kPrefixFolded) || term.starts_with(schema::kPrefixRoot);
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
  std::string entries_bytes;
  std::vector<std::pair<uint32_t, uint32_t>> blocks;  // first hash, offset of the block's first entry
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [hash, positions] = entries[i];
    if (i % kBlockEntries == 0) blocks.emplace_back(hash, static_cast<uint32_t>(entries_bytes.size()));
    put_u32(entries_bytes, hash);
    put_varint(entries_bytes, static_cast<uint32_t>(positions->size()));
    Xapian::termpos last = 0;
    for (Xapian::termpos p : *positions) {
      put_varint(entries_bytes, p - last);
      last = p;
    }
  }
  std::string out;
  out.reserve(4 + 8 * blocks.size() + entries_bytes.size());
  put_u32(out, static_cast<uint32_t>(blocks.size()));
  for (const auto& [hash, offset] : blocks) {
    put_u32(out, hash);
    put_u32(out, offset);
  }
  return out + entries_bytes;
}

void read_section_map(std::string_view map, const std::vector<std::pair<uint32_t, size_t>>& hashes,
                      const std::function<void(size_t, Xapian::termpos)>& found) {
  if (map.size() < 4) return;
  const size_t blocks = get_u32(map, 0);
  if (blocks > (map.size() - 4) / 8) return;  // damaged: the index does not fit
  const std::string_view entries = map.substr(4 + 8 * blocks);
  auto block_hash = [&](size_t b) { return get_u32(map, 4 + 8 * b); };
  auto block_offset = [&](size_t b) { return static_cast<size_t>(get_u32(map, 8 + 8 * b)); };
  size_t pos = 0, block = 0;  // the next entry to read; the block it is in or after
  size_t next = 0;            // in `hashes`
  while (next < hashes.size()) {
    const uint32_t wanted = hashes[next].first;
    // Jump to the last block starting below the wanted hash (entries with
    // the wanted hash may end the block before one that starts with it),
    // when that is ahead of where reading stands.
    size_t lo = block, hi = blocks;  // the first block starting at or after `wanted` is in [lo, hi]
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (block_hash(mid) < wanted) lo = mid + 1; else hi = mid;
    }
    if (lo > 0 && lo - 1 > block) {
      block = lo - 1;
      const size_t offset = block_offset(block);
      if (offset > entries.size()) return;  // damaged
      pos = std::max(pos, offset);
    }
    // Read entries up to the last with the wanted hash (two terms may share one).
    for (;;) {
      if (pos + 4 > entries.size()) return;
      const uint32_t hash = get_u32(entries, pos);
      if (hash > wanted) break;
      size_t p = pos + 4;
      uint32_t n = 0;
      if (!get_varint(entries, p, n)) return;
      Xapian::termpos position = 0;
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t delta = 0;
        if (!get_varint(entries, p, delta)) return;
        position += delta;
        for (size_t k = next; hash == wanted && k < hashes.size() && hashes[k].first == hash; ++k) {
          found(hashes[k].second, position);
        }
      }
      pos = p;
    }
    while (next < hashes.size() && hashes[next].first == wanted) ++next;
  }
}

}  // namespace kb
