#include <catch2/catch.hpp>

#include "core/sqlite_db.h"
#include "core/tokens.h"
#include "tests/test_util.h"

using namespace kb;

TEST_CASE("tokens: created once, verified, stored hashed, revoked") {
  test::TempDir dir;
  TokenStore store(dir / "auth.db");
  auto token = store.create("alice");
  REQUIRE(token.is_ok());
  CHECK(token->rfind("kb_", 0) == 0);
  CHECK(store.verify(*token) == std::optional<std::string>("alice"));
  CHECK_FALSE(store.verify(*token + "x"));
  CHECK_FALSE(store.verify(""));
  CHECK_FALSE(store.create("alice").is_ok());  // one live token per name

  {
    // Only the hash is on disk.
    SqliteDb db((dir / "auth.db").string(), SqliteDb::Mode::kReadOnly);
    auto st = db.prepare("SELECT hash FROM tokens");
    REQUIRE(st.step());
    CHECK(st.text(0) != *token);
    CHECK(st.text(0).find(token->substr(3)) == std::string::npos);
  }

  REQUIRE(store.list()->size() == 1);
  CHECK(store.revoke("alice").is_ok());
  CHECK_FALSE(store.verify(*token));
  CHECK_FALSE(store.revoke("alice").is_ok());
}
