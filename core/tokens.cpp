#include "core/tokens.h"

#include <fmt/format.h>

#include "core/hash.h"

namespace kb {
namespace {

constexpr const char* kTokenPrefix = "kb_";
constexpr size_t kTokenRandomBytes = 24;
constexpr size_t kMaxTokenBytes = 256;

}  // namespace

TokenStore::TokenStore(const std::filesystem::path& auth_db) : db_(auth_db.string(), SqliteDb::Mode::kReadWrite) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS tokens ("
      " name TEXT PRIMARY KEY,"
      " hash TEXT NOT NULL UNIQUE,"
      " created TEXT NOT NULL DEFAULT (datetime('now')))");
}

Result<std::string> TokenStore::create(const std::string& name) {
  if (name.empty() || name.size() > 100) return Status::error("token name must be 1 to 100 characters");
  std::lock_guard lock(mu_);
  try {
    std::string token = kTokenPrefix + random_hex(kTokenRandomBytes);
    auto st = db_.prepare("INSERT INTO tokens (name, hash) VALUES (?1, ?2) ON CONFLICT(name) DO NOTHING");
    st.bind(1, name).bind(2, sha256_hex(token));
    st.run();
    if (sqlite3_changes(db_.handle()) == 0) {
      return Status::error(fmt::format("a token named '{}' exists; revoke it first", name));
    }
    return token;
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

Status TokenStore::revoke(const std::string& name) {
  std::lock_guard lock(mu_);
  try {
    db_.prepare("DELETE FROM tokens WHERE name = ?1").bind(1, name).run();
    if (sqlite3_changes(db_.handle()) == 0) return Status::error(fmt::format("no token named '{}'", name));
    return Status::ok();
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

Result<std::vector<TokenInfo>> TokenStore::list() {
  std::lock_guard lock(mu_);
  try {
    std::vector<TokenInfo> out;
    auto st = db_.prepare("SELECT name, created FROM tokens ORDER BY name");
    while (st.step()) out.push_back({st.text(0), st.text(1)});
    return out;
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

std::optional<std::string> TokenStore::verify(const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  std::lock_guard lock(mu_);
  try {
    auto st = db_.prepare("SELECT name FROM tokens WHERE hash = ?1");
    st.bind(1, sha256_hex(token));
    if (st.step()) return st.text(0);
  } catch (const SqliteError&) {
    // An unreadable store grants nothing.
  }
  return std::nullopt;
}

}  // namespace kb
