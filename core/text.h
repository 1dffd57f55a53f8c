// Small text utilities shared by the indexer and the server.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kb {

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or bytes past U+10FFFF).
bool is_valid_utf8(std::string_view s);

// `s` in Unicode normalization form C: a letter and its combining accents as
// one character where Unicode has one ("quản" typed on a keyboard that sends
// q, u, a, U+0309, U+0323, n). The index and the queries must agree on one
// form, or the same word spelled the two ways never matches. Text that is not
// valid UTF-8 is returned as it is.
std::string to_nfc(std::string_view s);

// 1-based line number of byte `offset` in `s`.
int line_of_offset(std::string_view s, size_t offset);

// Anchor slug of a heading: lowercase letters and digits of any script kept,
// everything else collapsed to single '-', trimmed. "Before you start!" ->
// "before-you-start". Empty input gives "section".
std::string slugify(std::string_view text);

// `s` with ASCII letters lowercased, other bytes as they are (header names,
// file extensions, user agents).
std::string ascii_lower(std::string_view s);

// HTML-escapes &, <, >, " and '.
std::string html_escape(std::string_view s);

// Collapses runs of whitespace to one space and trims both ends.
std::string collapse_whitespace(std::string_view s);

// Levenshtein distance in code points (UTF-8; an invalid byte counts as
// one): "did you mean" for front matter keys, the closer of two spelling
// suggestions. For short strings (quadratic).
size_t edit_distance(std::string_view a, std::string_view b);

// Cuts `s` to at most `max_bytes` without splitting a UTF-8 sequence.
std::string_view utf8_truncate(std::string_view s, size_t max_bytes);

// Appends `field` as "<decimal length>:<bytes>": records that cost a copy
// to read, not a parse (the catalog's sections, the index's document data).
void put_length_prefixed(std::string& out, std::string_view field);
// The next such field at `pos` (advanced past it), or nullopt when the data
// is cut short or is not such a field.
std::optional<std::string_view> get_length_prefixed(std::string_view data, size_t& pos);

}  // namespace kb
