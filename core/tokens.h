// Agent tokens: created and revoked from the command line, stored as SHA-256
// hashes in INDEX/auth.db (outside revisions, so republishing keeps them),
// presented as "Authorization: Bearer <token>". A token is shown once, when
// created; the store cannot give it back.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace kb {

struct TokenInfo {
  std::string name;
  std::string created;  // UTC, "YYYY-MM-DD HH:MM:SS"
};

class TokenStore {
 public:
  // Opens (creating when missing) the store. Thread-safe.
  explicit TokenStore(const std::filesystem::path& auth_db);

  // A new random token for `name` (unique among live tokens).
  Result<std::string> create(const std::string& name);
  // Fails when no token has that name.
  Status revoke(const std::string& name);
  Result<std::vector<TokenInfo>> list();
  // The name of the token, when it is valid.
  std::optional<std::string> verify(const std::string& token);

 private:
  std::mutex mu_;
  SqliteDb db_;
};

}  // namespace kb
