// Tokens of support agents and writers: created and revoked from the command
// line, stored as SHA-256 hashes in INDEX/auth.db (outside revisions, so
// republishing keeps them), presented as "Authorization: Bearer <token>". A
// token is shown once, when created; the store cannot give it back.
//
// Roles: an agent sees internal articles; a writer also sees drafts.
#pragma once

#include <filesystem>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sqlite_db.h"
#include "core/status.h"

namespace kb {

enum class Role { kAgent, kWriter };

const char* to_string(Role role);
// "agent" or "writer"; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

struct TokenInfo {
  std::string name;
  Role role = Role::kAgent;
  std::string created;    // UTC, "YYYY-MM-DD HH:MM:SS"
  std::string last_used;  // UTC, to the minute; "" when never used
};

// A browser's signed-in session: the cookie carries `id` (stored hashed); state
// changing requests must carry `csrf` too.
struct Session {
  std::string id;
  std::string csrf;
  TokenInfo who;
};

// How long a browser stays signed in: a working day.
inline constexpr int kSessionHours = 12;

class TokenStore {
 public:
  // Opens (creating when missing) the store. Thread-safe.
  explicit TokenStore(const std::filesystem::path& auth_db);

  // A new random token for `name` (unique among live tokens).
  Result<std::string> create(const std::string& name, Role role = Role::kAgent);
  // Fails when no token has that name.
  Status revoke(const std::string& name);
  Result<std::vector<TokenInfo>> list();
  // Who the token belongs to, when it is valid. Notes when it was used (at
  // most one write a minute per token).
  std::optional<TokenInfo> verify(const std::string& token);

  // Sessions for the help page in a browser. They end after kSessionHours,
  // on sign-out, and when their token is revoked.
  Result<Session> start_session(const TokenInfo& who);
  std::optional<Session> session(const std::string& id);
  void end_session(const std::string& id);

 private:
  std::mutex mu_;
  SqliteDb db_;
  std::map<std::string, std::string> last_noted_;  // name -> minute last written
};

}  // namespace kb
