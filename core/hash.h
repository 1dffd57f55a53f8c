// Content hashing (SHA-256 via OpenSSL): file change detection in the catalog
// and agent tokens stored hashed.
#pragma once

#include <string>
#include <string_view>

namespace kb {

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// `n` bytes from the OS CSPRNG, hex encoded (2n characters).
std::string random_hex(size_t n);

}  // namespace kb
