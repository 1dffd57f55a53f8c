// The hit data each Xapian document carries (schema::kSlotHit): the
// fields a search hit shows, so that ranking and listing hits read no
// catalog row. Written by the indexer, read for every ranked hit (the top
// kRerankDepth of each uncached search): length-prefixed fields in a fixed
// order, which cost a copy to read where JSON cost a parse (a third of the
// present step on d365).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kb {

struct DocumentData {
  int64_t id = 0;
  std::string slug, path, title, lang, category, updated;
  bool internal = false;  // staff results say what must not reach a customer
};

std::string encode_document_data(const DocumentData& d);
// nullopt for data that is not in this form (not kb's, or damaged).
std::optional<DocumentData> decode_document_data(std::string_view data);

}  // namespace kb
