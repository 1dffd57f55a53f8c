// Compression of the catalog's large text columns (rendered HTML and
// sections): zstd frames, one per value, so any row reads alone. An empty
// value stays empty, which callers use to mean "absent".
#pragma once

#include <string>
#include <string_view>

namespace kb {

// A zstd frame holding `data`; "" for "".
std::string compress(std::string_view data);

// The bytes a frame from compress() holds; "" for "". Throws
// std::runtime_error naming the damage when `frame` is not a whole frame.
std::string decompress(std::string_view frame);

}  // namespace kb
