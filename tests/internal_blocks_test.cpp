// `::: internal` blocks: notes for agents inside public articles. Their words
// reach the public on no path: a table of public routes, each checked for the
// secret words, then the same for an agent, who sees them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/markdown.h"
#include "tests/test_util.h"

using namespace kb;

namespace {

constexpr const char* kArticle =
    "---\ntitle: Damaged parcels\nslug: damaged-parcels\ncategory: Shipping\n---\n"
    "Photograph the parcel before you open it.\n\n"
    "::: internal\n"
    "## Quokkaberg escalation\n\n"
    "Claims over 500 EUR go to the xylocarp desk for approval.\n\n"
    "![The xylocarp desk](media/xylocarp-desk.png)\n"
    ":::\n\n"
    "## Returning a parcel\n\n"
    "Send the damaged parcel back within 30 days.\n";

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The words of a route's q= or hl= parameter, and the name a /media/ route
// asks for (its 404 page links to sign-in with the path to come back to).
std::vector<std::string> asked_words(const std::string& route) {
  std::vector<std::string> out;
  if (route.starts_with("/media/")) out.push_back(route.substr(7, route.find('.') - 7));
  for (const std::string key : {"q=", "hl="}) {
    const size_t at = route.find(key);
    if (at == std::string::npos || (route[at - 1] != '?' && route[at - 1] != '&')) continue;
    const std::string value = route.substr(at + key.size(), route.find('&', at) - at - key.size());
    std::string word;
    for (size_t i = 0; i <= value.size(); ++i) {
      if (i == value.size() || value.compare(i, 3, "%20") == 0) {
        if (!word.empty()) out.push_back(word);
        word.clear();
        i += 2;
      } else {
        word += value[i];
      }
    }
  }
  return out;
}

std::string without(const std::string& text, const std::string& word) {
  std::string out;
  size_t pos = 0;
  for (size_t at; (at = text.find(word, pos)) != std::string::npos; pos = at + word.size()) out.append(text, pos, at - pos);
  out.append(text, pos, std::string::npos);
  return out;
}

// Appends an image, named and described with the article's secret word, to
// a fixture article (its folder gets the file).
void add_image(const fs::path& article, const std::string& word) {
  std::ifstream in(article, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  test::write_file(article, text.str() + "\n![The " + word + " desk](media/" + word + "-desk.png)\n");
  test::write_file(article.parent_path() / "media" / (word + "-desk.png"), "\x89PNG\r\n\x1a\n" + word);
}

struct Site {
  Site() {
    test::write_fixture(dir / "content");
    test::write_file(dir / "content/en/damaged-parcels.md", kArticle);
    test::write_file(dir / "content/en/media/xylocarp-desk.png", "\x89PNG\r\n\x1a\nxylocarp");
    add_image(dir / "content/en/internal/goodwill.md", "zanzibar");
    add_image(dir / "content/en/billing/aurora.md", "quixotic");
    auto report = test::index_folder(dir / "content", dir / "index");
    REQUIRE(report.failed == 0);
    server = std::make_unique<test::TestServer>(dir / "index");
    agent = *server->tokens().create("agent", Role::kAgent);
  }
  test::TempDir dir;
  std::unique_ptr<test::TestServer> server;
  std::string agent;
};

}  // namespace

TEST_CASE("internal blocks: split from the public text, lines kept") {
  CHECK(split_internal_blocks("::: Internal\nsecret\n:::\n")->any);  // any case
  auto b = split_internal_blocks("a\n::: internal\nsecret\n:::\nb\n");
  REQUIRE(b.is_ok());
  CHECK(b->any);
  CHECK(b->public_text == "a\n\n\n\nb\n");
  CHECK(b->agent_text == "a\n\nsecret\n\nb\n");
  // Inside a code block the fence would be shown as text: refused too, so
  // that no scanning mistake can ever publish a note.
  CHECK_FALSE(split_internal_blocks("```\n::: internal\n```\n").is_ok());
  struct Row {
    const char* text;
    int line;
    const char* message;
  };
  const Row rows[] = {
      {"x\n::: internal\nsecret\n", 2, "never closed"},
      {"::: internal\n::: internal\n:::\n", 2, "inside the internal block opened on line 1"},
      // Fail closed: every near miss is an error, never public text.
      {"a\n\n  ::: internal\nsecret\n:::\n", 3, "not taken as an internal block"},
      {"1. First step\n   ::: internal\n   secret\n   :::\n", 2, "not taken as an internal block"},
      {"> ::: internal\n> secret\n> :::\n", 1, "not taken as an internal block"},
      {"::: internal please\nsecret\n:::\n", 1, "not taken as an internal block"},
      {"````\n```\ncode\n````\n\n::: internal\nsecret\n:::\n", 6, "not taken as an internal block"},
      {"- item\n\n  ```\n  code\n\ntext\n\n::: internal\nsecret\n:::\n", 8, "not taken as an internal block"},
  };
  for (const auto& r : rows) {
    auto bad = split_internal_blocks(r.text);
    REQUIRE_FALSE(bad.is_ok());
    CHECK(bad.status().line() == r.line);
    CHECK_THAT(bad.status().message(), Catch::Contains(r.message));
  }
}

TEST_CASE("internal blocks: marker words a writer types stay text and open no block") {
  // Markers used to be one fixed string: a writer who typed it alone on a
  // line opened an unbalanced <div class="internal-block"> in the agents' copy.
  const auto other = split_internal_blocks("x\n::: internal\ny\n:::\n");
  REQUIRE(other.is_ok());
  const std::string body = "Intro\n\nKB-INTERNAL-OPEN-7c1e\n\n" + other->open_marker +
                           "\n\n::: internal\nsecret\n:::\n\n" + other->close_marker + "\n\nKB-INTERNAL-CLOSE-7c1e\n";
  const auto blocks = split_internal_blocks(body);
  REQUIRE(blocks.is_ok());
  CHECK(blocks->open_marker != other->open_marker);
  CHECK(body.find(blocks->open_marker) == std::string::npos);
  const std::string html = wrap_internal_blocks(render_markdown(blocks->agent_marked, {}).html, *blocks);
  auto count = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = html.find(what); at != std::string::npos; at = html.find(what, at + 1)) ++n;
    return n;
  };
  CHECK(count("<div class=\"internal-block\">") == 1);
  CHECK(count("</div>") == 1);
  CHECK(count("<p>KB-INTERNAL-OPEN-7c1e</p>") == 1);  // the writer's words, as text
  CHECK(count("<p>" + other->open_marker + "</p>") == 1);
  CHECK(html.find("secret") > html.find("<div class=\"internal-block\">"));
}

TEST_CASE("internal blocks: markers are new for every split, so the same text never knows them") {
  // They used to be a hash of the text (issue 18: per build or revision,
  // random): the same article now gets other markers each time it is split,
  // and its HTML is the same each time.
  const std::string body = "Intro\n\n::: internal\nsecret\n:::\n\nOutro\n";
  const auto first = split_internal_blocks(body);
  const auto second = split_internal_blocks(body);
  REQUIRE(first.is_ok());
  REQUIRE(second.is_ok());
  CHECK(first->open_marker != second->open_marker);
  CHECK(first->close_marker != second->close_marker);
  CHECK_THAT(first->open_marker, Catch::Matches("KB-INTERNAL-OPEN-[0-9a-f]{16}"));
  CHECK(wrap_internal_blocks(render_markdown(first->agent_marked, {}).html, *first) ==
        wrap_internal_blocks(render_markdown(second->agent_marked, {}).html, *second));
}

// What must never reach the public, by fixture: the words of an internal
// block in a public article, of an internal article, and of a draft.
struct Secret {
  const char* fixture;
  std::vector<std::string> words;  // lowercase
  std::string query;               // a search that would find it
};

const std::vector<Secret>& secrets() {
  static const std::vector<Secret> kSecrets = {
      {"internal block", {"xylocarp", "quokkaberg", "500 eur"}, "xylocarp"},
      {"internal article", {"zanzibar", "goodwill credit policy"}, "zanzibar"},
      {"draft", {"quixotic", "aurora pricing"}, "quixotic"},
  };
  return kSecrets;
}

TEST_CASE("internal content: no public route shows any secret of any fixture") {
  Site s;
  // Routes per secret: {} is replaced by the secret's query.
  const std::vector<std::string> routes = {
      "/api/v1/search?q={}",
      "/api/v1/search?q={}q",  // one letter off: never corrected into a secret
      "/search?q={}",
      "/api/v1/suggest?q={}",
      "/api/v1/answer?q={}",
      "/embed?subject={}&body={}",
      "/agent?q={}",  // sends the public to sign in
      "/report?audience=agents",  // so does the search report
      "/api/v1/search?q=parcel",
      "/api/v1/search?q=refunds",
      "/api/v1/search?category=Shipping",
      "/search?category=Shipping",
      "/search?category=Billing",  // the internal article's and the draft's category
      "/api/v1/search?category=Billing",
      "/search?tag=secret-tag",
      "/search?q={}&category=Shipping",
      "/api/v1/search?tag=billing",
      "/media/{}.png",
      "/search?q=damaged%20parcel%20claims",
      "/api/v1/suggest?q=parcel%20esc",
      "/api/v1/answer?q=damaged%20parcel",
      "/api/v1/answer?slug=damaged-parcels",
      "/articles/damaged-parcels",
      "/articles/damaged-parcels?hl=xylocarp",
      "/api/v1/articles/damaged-parcels",
      "/articles/refunds",
      "/articles/goodwill",
      "/articles/aurora",
      "/api/v1/articles/goodwill",
      "/",
      // Meilisearch's API (GET form; the POST body is the same fields).
      "/indexes/kb/search?q={}",
      "/indexes/kb/search?q={}q",
      "/indexes/kb/search?q={}&attributesToHighlight=*&attributesToCrop=content&showMatchesPosition=true",
      "/indexes/kb/search?q=parcel&attributesToHighlight=*",
      "/indexes/kb/search?facets=*&limit=50",
      "/indexes/kb/search?filter=category%20%3D%20Billing&facets=tags,category",
      "/indexes/kb/search?filter=tags%20IN%20%5Bsecret-tag%2C%20draft-tag%5D",
  };
  for (const Secret& secret : secrets()) {
    for (std::string route : routes) {
      for (size_t at; (at = route.find("{}")) != std::string::npos;) route.replace(at, 2, secret.query);
      INFO(secret.fixture << ": " << route);
      auto [status, body] = s.server->get(route);
      CHECK((status == 200 || status == 404 || status == 303));
      // What was asked is echoed back (the box, "query"); only that may appear.
      std::string text = lower(body);
      for (const auto& word : asked_words(route)) text = without(text, word);
      for (const auto& w : secret.words) CHECK(text.find(w) == std::string::npos);
      CHECK(text.find("internal-block") == std::string::npos);
    }
    // POST /multi-search, as instant-meilisearch sends it.
    const nlohmann::json multi = {
        {"queries",
         {{{"indexUid", "kb"}, {"q", secret.query}, {"attributesToHighlight", {"*"}}, {"facets", {"tags", "category"}}},
          {{"indexUid", "kb"}, {"q", ""}, {"facets", {"tags", "category", "lang"}}, {"hitsPerPage", 50}}}}};
    auto found = s.server->client().Post("/multi-search", multi.dump(), "application/json");
    REQUIRE(found);
    CHECK(found->status == 200);
    for (const auto& w : secret.words) CHECK(without(lower(found->body), secret.query).find(w) == std::string::npos);
    // POST /api/v1/similar with a ticket about the secret.
    const nlohmann::json ticket = {{"subject", secret.query}, {"body", "Question about " + secret.query}};
    auto res = s.server->client().Post("/api/v1/similar", ticket.dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
    std::string text = without(lower(res->body), secret.query);
    for (const auto& w : secret.words) CHECK(text.find(w) == std::string::npos);
  }
  CHECK(s.server->get_json("/api/v1/search?q=xylocarp").second["total"] == 0);
  CHECK(s.server->get_json("/api/v1/search?q=parcel").second["total"] == 1);

  // Drafts are for writers: agents see internal content, never a draft, on
  // any of the same routes; a writer finds it.
  const Secret& draft = secrets()[2];
  for (std::string route : routes) {
    for (size_t at; (at = route.find("{}")) != std::string::npos;) route.replace(at, 2, draft.query);
    INFO("agent: " << route);
    auto [status, body] = s.server->get(route, s.agent);
    CHECK((status == 200 || status == 404 || status == 303));
    std::string text = lower(body);
    for (const auto& word : asked_words(route)) text = without(text, word);
    for (const auto& w : draft.words) CHECK(text.find(w) == std::string::npos);
  }
  const std::string writer = *s.server->tokens().create("writer", Role::kWriter);
  CHECK(s.server->get_json("/api/v1/search?q=" + draft.query, writer).second["total"] == 1);
}

TEST_CASE("visibility by role: each secret reaches exactly the roles that may see it, images included") {
  Site s;
  const std::string writer = *s.server->tokens().create("writer", Role::kWriter);
  struct Row {
    const Secret& secret;
    const char* slug;
    const char* category;
    bool agent;  // an agent may see it (a writer may see everything)
  };
  const Row rows[] = {
      {secrets()[0], "damaged-parcels", "Shipping", true},
      {secrets()[1], "goodwill", "Billing", true},
      {secrets()[2], "aurora", "Billing", false},
  };
  const std::regex img(R"re(<img src="(/media/[^"]+)")re");
  for (const Row& r : rows) {
    const std::string word = r.secret.words[0];
    // The image inside the secret part, from the page a writer sees.
    std::smatch m;
    const std::string page = s.server->get(std::string("/articles/") + r.slug, writer).second;
    REQUIRE(std::regex_search(page, m, img));
    const std::string image = m[1];
    const std::pair<const char*, std::string> roles[] = {{"public", ""}, {"agent", s.agent}, {"writer", writer}};
    for (const auto& [role, token] : roles) {
      const bool may = token == writer || (token == s.agent && r.agent);
      INFO(r.secret.fixture << ", " << role << (may ? " may see it" : " may not see it"));
      auto contains_word = [&](const std::string& route) {
        INFO(route);
        auto [status, body] = s.server->get(route, token);
        CHECK((status == 200 || status == 404));
        return lower(body).find(word) != std::string::npos;
      };
      CHECK(s.server->get_json("/api/v1/search?q=" + word, token).second["total"] == (may ? 1 : 0));
      CHECK(s.server->get_json("/indexes/kb/search?q=" + word, token).second["estimatedTotalHits"] == (may ? 1 : 0));
      CHECK(s.server->get_json(std::string("/api/v1/search?category=") + r.category + "&q=" + word, token)
                .second["total"] == (may ? 1 : 0));
      CHECK(contains_word(std::string("/articles/") + r.slug) == may);
      CHECK(contains_word(std::string("/api/v1/articles/") + r.slug) == may);
      CHECK(s.server->get(image, token).first == (may ? 200 : 404));
      // The help page's category listing: the article's title, when it is the secret.
      const std::string listing = lower(s.server->get(std::string("/search?category=") + r.category, token).second);
      const std::string title = r.secret.words[1];
      if (r.slug != std::string("damaged-parcels")) CHECK((listing.find(title) != std::string::npos) == may);
      if (!may) CHECK(listing.find(word) == std::string::npos);
    }
  }
}

TEST_CASE("internal blocks: agents find them, see them marked, and get suggestions from them") {
  Site s;
  auto [status, found] = s.server->get_json("/api/v1/search?q=xylocarp", s.agent);
  REQUIRE(status == 200);
  REQUIRE(found["total"] == 1);
  CHECK(found["results"][0]["slug"] == "damaged-parcels");
  CHECK_THAT(found["results"][0]["snippet"].get<std::string>(), Catch::Contains("<mark>xylocarp</mark>"));
  CHECK(found["results"][0]["section"]["anchor"] == "quokkaberg-escalation");
  // One result per article for staff, though the article has two documents.
  CHECK(s.server->get_json("/api/v1/search?q=parcel", s.agent).second["total"] == 1);

  auto suggest = s.server->get_json("/api/v1/suggest?q=quokk", s.agent).second;
  REQUIRE_FALSE(suggest["suggestions"].empty());
  CHECK(suggest["suggestions"][0]["text"] == "Quokkaberg escalation");

  const std::string page = s.server->get("/articles/damaged-parcels", s.agent).second;
  CHECK_THAT(page, Catch::Contains("class=\"internal-block\" role=\"note\""));
  CHECK_THAT(page, Catch::Contains("xylocarp"));
  auto api = s.server->get_json("/api/v1/articles/damaged-parcels", s.agent).second;
  CHECK_THAT(api["html"].get<std::string>(), Catch::Contains("xylocarp"));
}

TEST_CASE("internal blocks: an unclosed block fails the file, naming the line") {
  test::TempDir dir;
  test::write_file(dir / "content/a.md", "---\ntitle: A\n---\nText.\n\n::: internal\nSecret.\n");
  auto report = test::index_folder(dir / "content", dir / "index");
  REQUIRE(report.failed == 1);
  CHECK(format_diagnostic(report.diagnostics[0]) ==
        "a.md:6: error: the internal block opened here is never closed: end it with a line ':::'");
}
