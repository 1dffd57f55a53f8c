// Strict YAML 1.2 (libfyaml) read into a small tree that knows the line of
// every node: the one place kb parses YAML (front matter, kb-server --config).
//
// Why libfyaml and not yaml-cpp: yaml-cpp 0.7 accepts documents YAML 1.2
// rejects (an unterminated quoted scalar swallowed the rest of the front
// matter into the title, issue 18) and duplicate keys. libfyaml passes the
// YAML test suite; the table in tests/yaml_test.cpp holds the cases that
// decided it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kb {

struct YamlPair;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  Kind kind = Kind::kNull;
  // Scalars: the text with escapes and folding applied; always valid UTF-8.
  std::string text;
  // Scalars: written plain (no quotes, no block style), so `true`, `12`
  // and dates are still text here; the reader decides what they mean.
  bool plain = false;
  int line = 0;                  // 1-based line in the caller's file
  std::vector<YamlNode> items;   // sequences
  std::vector<YamlPair> pairs;   // mappings, in document order, keys unique

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_mapping() const { return kind == Kind::kMapping; }
};

struct YamlPair {
  YamlNode key;
  YamlNode value;
};

struct YamlOptions {
  // The line of the text's first byte in the caller's file (front matter
  // starts on line 2, after its '---').
  int first_line = 1;
  // Nested sequences and mappings deeper than this are an error.
  int max_depth = 32;
  // Nodes in all, aliases expanded: a bound on what a few lines with
  // anchors and aliases can make ("billion laughs").
  size_t max_nodes = 10000;
};

// Parses one YAML 1.2 document. An empty text is a null root. Invalid YAML,
// a second document, a duplicate key, invalid UTF-8 and the limits above are
// errors with the line they are on and, when the error is reported at a
// later line (an unclosed bracket at the end), the key whose value it is.
// Never throws.
Result<YamlNode> parse_yaml(std::string_view text, const YamlOptions& options = {});

}  // namespace kb
