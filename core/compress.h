// Compression of the catalog's large text columns (rendered HTML and
// sections): zstd frames, one per value, so any row reads alone. An empty
// value stays empty, which callers use to mean "absent".
//
// Small values (one section of an article) pack poorly alone; a dictionary
// trained on the corpus (CompressionDictionary::train) gives them what they
// share with the rest of the help center, so each can be read alone at
// little cost in bytes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

// A zstd dictionary, digested for compressing and decompressing. Immutable
// once made: threads may share one (each uses its own zstd context).
class CompressionDictionary {
 public:
  // Throws std::runtime_error when `bytes` is not a zstd dictionary.
  explicit CompressionDictionary(std::string bytes);
  ~CompressionDictionary();
  CompressionDictionary(const CompressionDictionary&) = delete;
  CompressionDictionary& operator=(const CompressionDictionary&) = delete;

  // A dictionary of at most `max_bytes` trained on `samples`; nullopt when
  // there are fewer than 16 or they hold less than 16 times `max_bytes`
  // (zstd recommends a hundred times), or zstd cannot train on them.
  static std::optional<std::string> train(const std::vector<std::string_view>& samples, size_t max_bytes);

  const std::string& bytes() const { return bytes_; }
  unsigned id() const { return id_; }

 private:
  friend std::string compress(std::string_view, const CompressionDictionary*);
  friend std::string decompress(std::string_view, const CompressionDictionary*);
  struct Digested;
  std::string bytes_;
  unsigned id_ = 0;
  std::unique_ptr<Digested> digested_;
};

// A zstd frame holding `data` (made with `dictionary` when given); "" for "".
std::string compress(std::string_view data, const CompressionDictionary* dictionary = nullptr);

// The bytes a frame from compress() holds; "" for "". A frame made with a
// dictionary needs that dictionary. Throws std::runtime_error naming the
// damage when `frame` is not a whole frame, or names a dictionary other than
// `dictionary`.
std::string decompress(std::string_view frame, const CompressionDictionary* dictionary = nullptr);

}  // namespace kb
