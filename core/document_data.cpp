#include "core/document_data.h"

#include <charconv>

#include "core/text.h"

namespace kb {

std::string encode_document_data(const DocumentData& d) {
  std::string out;
  out.reserve(d.slug.size() + d.path.size() + d.title.size() + d.lang.size() + d.category.size() +
              d.updated.size() + 48);
  put_length_prefixed(out, std::to_string(d.id));
  for (const std::string* f : {&d.slug, &d.path, &d.title, &d.lang, &d.category, &d.updated}) {
    put_length_prefixed(out, *f);
  }
  put_length_prefixed(out, d.internal ? "1" : "0");
  return out;
}

std::optional<DocumentData> decode_document_data(std::string_view data) {
  DocumentData d;
  size_t pos = 0;
  auto id = get_length_prefixed(data, pos);
  if (!id) return std::nullopt;
  const char* end = id->data() + id->size();
  if (auto [p, ec] = std::from_chars(id->data(), end, d.id); ec != std::errc() || p != end) return std::nullopt;
  for (std::string* f : {&d.slug, &d.path, &d.title, &d.lang, &d.category, &d.updated}) {
    auto v = get_length_prefixed(data, pos);
    if (!v) return std::nullopt;
    f->assign(*v);
  }
  auto internal = get_length_prefixed(data, pos);
  if (!internal || pos != data.size()) return std::nullopt;
  d.internal = *internal == "1";
  return d;
}

}  // namespace kb
