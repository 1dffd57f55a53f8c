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
  auto who = store.verify(*token);
  REQUIRE(who);
  CHECK(who->name == "alice");
  CHECK(who->role == Role::kAgent);
  CHECK(store.list()->at(0).last_used != "");  // noted on use
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

TEST_CASE("tokens: roles, and stores written before roles existed") {
  test::TempDir dir;
  {
    SqliteDb old((dir / "auth.db").string(), SqliteDb::Mode::kReadWrite);
    old.exec(
        "CREATE TABLE tokens (name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, created TEXT NOT NULL DEFAULT "
        "(datetime('now'))); INSERT INTO tokens (name, hash) VALUES ('legacy', 'x')");
  }
  TokenStore store(dir / "auth.db");
  auto list = store.list();
  REQUIRE(list->size() == 1);
  CHECK(list->at(0).role == Role::kAgent);
  CHECK(list->at(0).last_used.empty());
  auto writer = store.create("wanda", Role::kWriter);
  REQUIRE(writer.is_ok());
  CHECK(store.verify(*writer)->role == Role::kWriter);
  CHECK(parse_role("writer") == Role::kWriter);
  CHECK_FALSE(parse_role("admin"));
}
