#include "core/tokens.h"

#include <fmt/format.h>

#include "core/hash.h"

namespace kb {
namespace {

constexpr const char* kTokenPrefix = "kb_";
constexpr size_t kTokenRandomBytes = 24;
constexpr size_t kMaxTokenBytes = 256;

}  // namespace

const char* to_string(Role role) { return role == Role::kWriter ? "writer" : "agent"; }

std::optional<Role> parse_role(std::string_view text) {
  if (text == "agent") return Role::kAgent;
  if (text == "writer") return Role::kWriter;
  return std::nullopt;
}

TokenStore::TokenStore(const std::filesystem::path& auth_db) : db_(auth_db.string(), SqliteDb::Mode::kReadWrite) {
  db_.exec(
      "CREATE TABLE IF NOT EXISTS tokens ("
      " name TEXT PRIMARY KEY,"
      " hash TEXT NOT NULL UNIQUE,"
      " created TEXT NOT NULL DEFAULT (datetime('now')))");
  // Stores from before roles: their tokens were agents'.
  bool has_role = false, has_last_used = false;
  auto cols = db_.prepare("PRAGMA table_info(tokens)");
  while (cols.step()) {
    has_role |= cols.text(1) == "role";
    has_last_used |= cols.text(1) == "last_used";
  }
  if (!has_role) db_.exec("ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'agent'");
  if (!has_last_used) db_.exec("ALTER TABLE tokens ADD COLUMN last_used TEXT NOT NULL DEFAULT ''");
  db_.exec(
      "CREATE TABLE IF NOT EXISTS sessions ("
      " hash TEXT PRIMARY KEY,"
      " token_name TEXT NOT NULL,"
      " csrf TEXT NOT NULL,"
      " expires TEXT NOT NULL)");
}

Result<Session> TokenStore::start_session(const TokenInfo& who) {
  std::lock_guard lock(mu_);
  try {
    Session s{random_hex(kTokenRandomBytes), random_hex(kTokenRandomBytes), who};
    db_.exec("DELETE FROM sessions WHERE expires < datetime('now')");
    db_.prepare("INSERT INTO sessions (hash, token_name, csrf, expires) VALUES (?1, ?2, ?3, datetime('now', ?4))")
        .bind(1, sha256_hex(s.id))
        .bind(2, who.name)
        .bind(3, s.csrf)
        .bind(4, "+" + std::to_string(kSessionHours) + " hours")
        .run();
    return s;
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

std::optional<Session> TokenStore::session(const std::string& id) {
  if (id.empty() || id.size() > kMaxTokenBytes) return std::nullopt;
  const std::string hash = sha256_hex(id);  // outside the lock, as in verify()
  std::lock_guard lock(mu_);
  try {
    auto& st = db_.cached(
        "SELECT t.name, t.role, t.created, t.last_used, s.csrf FROM sessions s JOIN tokens t ON t.name = s.token_name "
        "WHERE s.hash = ?1 AND s.expires > datetime('now')");
    st.bind(1, hash);
    if (!st.step()) return std::nullopt;
    Session out{id, st.text(4), {st.text(0), parse_role(st.text(1)).value_or(Role::kAgent), st.text(2), st.text(3)}};
    st.reset();  // a cached statement left stepping would hold its read of auth.db
    return out;
  } catch (const SqliteError&) {
    return std::nullopt;  // an unreadable store grants nothing
  }
}

void TokenStore::end_session(const std::string& id) {
  std::lock_guard lock(mu_);
  try {
    db_.prepare("DELETE FROM sessions WHERE hash = ?1").bind(1, sha256_hex(id)).run();
  } catch (const SqliteError&) {
    // It expires anyway.
  }
}

Result<std::string> TokenStore::create(const std::string& name, Role role) {
  if (name.empty() || name.size() > 100) return Status::error("token name must be 1 to 100 characters");
  std::lock_guard lock(mu_);
  try {
    std::string token = kTokenPrefix + random_hex(kTokenRandomBytes);
    auto st = db_.prepare(
        "INSERT INTO tokens (name, hash, role) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO NOTHING");
    st.bind(1, name).bind(2, sha256_hex(token)).bind(3, to_string(role));
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
    db_.prepare("DELETE FROM sessions WHERE token_name = ?1").bind(1, name).run();
    return Status::ok();
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

Result<std::vector<TokenInfo>> TokenStore::list() {
  std::lock_guard lock(mu_);
  try {
    std::vector<TokenInfo> out;
    auto st = db_.prepare("SELECT name, role, created, last_used FROM tokens ORDER BY name");
    while (st.step()) out.push_back({st.text(0), parse_role(st.text(1)).value_or(Role::kAgent), st.text(2), st.text(3)});
    return out;
  } catch (const SqliteError& e) {
    return Status::error(e.what());
  }
}

std::optional<TokenInfo> TokenStore::verify(const std::string& token) {
  if (token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  const std::string hash = sha256_hex(token);  // outside the lock
  std::lock_guard lock(mu_);
  try {
    // Prepared once: every staff request comes here, under the one lock.
    auto& st = db_.cached("SELECT name, role, created, last_used, strftime('%Y-%m-%d %H:%M', 'now') FROM tokens "
                          "WHERE hash = ?1");
    st.bind(1, hash);
    if (!st.step()) return std::nullopt;
    // An unknown role (a store written by a newer version) grants the least.
    TokenInfo info{st.text(0), parse_role(st.text(1)).value_or(Role::kAgent), st.text(2), st.text(3)};
    const std::string minute = st.text(4);
    st.reset();
    if (std::string& noted = last_noted_[info.name]; noted != minute) {
      noted = minute;
      db_.cached("UPDATE tokens SET last_used = ?2 WHERE name = ?1").bind(1, info.name).bind(2, minute).run();
      info.last_used = minute;
    }
    return info;
  } catch (const SqliteError&) {
    // An unreadable store grants nothing.
  }
  return std::nullopt;
}

}  // namespace kb
