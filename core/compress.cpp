#include "core/compress.h"

#include <memory>
#include <mutex>
#include <stdexcept>

#include <fmt/format.h>
#include <zdict.h>
#include <zstd.h>

namespace kb {
namespace {

// Level 3 (zstd's default) packs d365's HTML 3.3x and its sections 4.4x
// (value by value); level 19 gains 9% more at many times the time.
constexpr int kLevel = 3;
// Values packed with a dictionary are small (one section): level 9 packs
// d365's sections 8% smaller than level 3, in the indexer's storing thread,
// which waits on the analysing ones anyway (build time unchanged).
constexpr int kDictionaryLevel = 9;
// A catalog value larger than this is damage, not an article.
constexpr unsigned long long kMaxValueBytes = 256ull << 20;

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
struct CDictFree {
  void operator()(ZSTD_CDict* d) const { ZSTD_freeCDict(d); }
};
struct DDictFree {
  void operator()(ZSTD_DDict* d) const { ZSTD_freeDDict(d); }
};

// One context of each kind per thread: creating one costs more than packing
// an article.
ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

// Readers only need the decompression side: the compression side (several
// times the memory) is made on first use.
struct CompressionDictionary::Digested {
  std::once_flag compressing;
  std::unique_ptr<ZSTD_CDict, CDictFree> cdict;
  std::unique_ptr<ZSTD_DDict, DDictFree> ddict;
};

CompressionDictionary::CompressionDictionary(std::string bytes) : bytes_(std::move(bytes)) {
  id_ = ZSTD_getDictID_fromDict(bytes_.data(), bytes_.size());
  if (id_ == 0) throw std::runtime_error("damaged compression dictionary: not a zstd dictionary");
  digested_ = std::make_unique<Digested>();
  digested_->ddict.reset(ZSTD_createDDict(bytes_.data(), bytes_.size()));
  if (!digested_->ddict) throw std::runtime_error("damaged compression dictionary");
}

CompressionDictionary::~CompressionDictionary() = default;

std::optional<std::string> CompressionDictionary::train(const std::vector<std::string_view>& samples,
                                                        size_t max_bytes) {
  std::string all;
  std::vector<size_t> sizes;
  for (std::string_view s : samples) {
    if (s.empty()) continue;
    all.append(s);
    sizes.push_back(s.size());
  }
  if (sizes.size() < 16 || all.size() < 16 * max_bytes) return std::nullopt;
  std::string dict(max_bytes, '\0');
  const size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), all.data(), sizes.data(),
                                         static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return std::nullopt;  // e.g. too little to learn from
  dict.resize(n);
  return dict;
}

std::string compress(std::string_view data, const CompressionDictionary* dictionary) {
  if (data.empty()) return {};
  ZSTD_CDict* cdict = nullptr;
  if (dictionary) {
    auto& d = *dictionary->digested_;
    std::call_once(d.compressing, [&] {
      d.cdict.reset(ZSTD_createCDict(dictionary->bytes_.data(), dictionary->bytes_.size(), kDictionaryLevel));
    });
    if (!d.cdict) throw std::runtime_error("compressing: the dictionary could not be prepared");
    cdict = d.cdict.get();
  }
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = cdict ? ZSTD_compress_usingCDict(cctx(), out.data(), out.size(), data.data(), data.size(), cdict)
                              : ZSTD_compressCCtx(cctx(), out.data(), out.size(), data.data(), data.size(), kLevel);
  if (ZSTD_isError(n)) throw std::runtime_error(fmt::format("compressing: {}", ZSTD_getErrorName(n)));
  out.resize(n);
  return out;
}

std::string decompress(std::string_view frame, const CompressionDictionary* dictionary) {
  if (frame.empty()) return {};
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || size > kMaxValueBytes) {
    throw std::runtime_error("damaged catalog value: not a zstd frame of known size");
  }
  const unsigned id = ZSTD_getDictID_fromFrame(frame.data(), frame.size());
  if (id != 0 && (!dictionary || dictionary->id() != id)) {
    throw std::runtime_error(fmt::format("damaged catalog value: made with compression dictionary {}, {}", id,
                                         dictionary ? fmt::format("the catalog has {}", dictionary->id())
                                                    : std::string("the catalog has none")));
  }
  std::string out(static_cast<size_t>(size), '\0');
  const size_t n = id != 0 ? ZSTD_decompress_usingDDict(dctx(), out.data(), out.size(), frame.data(), frame.size(),
                                                        dictionary->digested_->ddict.get())
                           : ZSTD_decompressDCtx(dctx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != out.size()) {
    throw std::runtime_error(fmt::format("damaged catalog value: {}", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  return out;
}

}  // namespace kb
