#include <catch2/catch.hpp>

#include <algorithm>

#include "core/analysis.h"
#include "core/highlight.h"
#include "core/lexicon.h"
#include "core/stopwords.h"

using namespace kb;
using namespace kb::analysis;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// A one-language, in-memory index of `texts` (docid = position + 1).
Xapian::WritableDatabase index_texts(const std::string& lang, const std::vector<std::string>& texts) {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (const auto& text : texts) {
    Xapian::Document doc;
    DocumentAnalyzer a(lang);
    a.set_document(doc);
    a.index(text, 1);
    a.finish();
    db.add_document(doc);
  }
  return db;
}

std::vector<Xapian::docid> search(const Xapian::Database& db, const std::string& lang, const std::string& q) {
  Xapian::Enquire e(db);
  e.set_query(build_query(analyse_query(q, {lang}), Xapian::Query::OP_AND));
  std::vector<Xapian::docid> out;
  auto mset = e.get_mset(0, 10);
  for (auto it = mset.begin(); it != mset.end(); ++it) out.push_back(*it);
  return out;
}

}  // namespace

TEST_CASE("language tags: folder names and front matter values") {
  struct Row {
    const char* in;
    bool is_tag;
  };
  const Row rows[] = {{"en", true},      {"fi", true},     {"pt-BR", true},   {"zh-Hant", true}, {"vi", true},
                      {"billing", false}, {"api", false},  {"x", false},      {"en-", false},    {"", false},
                      {"e1", false},      {"fr_CA", true}, {"faq", false}};
  for (const auto& r : rows) {
    INFO(r.in);
    CHECK(is_language_tag(r.in) == r.is_tag);
  }
  CHECK(normalize_lang("pt_BR") == "pt-br");
}

TEST_CASE("derived terms per language: base forms, compound parts, folded forms") {
  struct Row {
    const char* lang;
    const char* word;
    std::vector<std::string> stems;  // must all be present
    std::vector<std::string> parts;
    const char* folded;
  };
  const Row rows[] = {
      {"fi", "kuluraportin", {"Zkuluraportti"}, {"Pkulu", "Praportti"}, ""},
      {"fi", "kuluraportteja", {"Zkuluraportti"}, {"Pkulu"}, ""},
      {"fi", "asiakaspalvelupäällikkö", {"Zasiakaspalvelupäällikkö"},
       {"Pasiakas", "Ppalvelu", "Ppäällikkö", "Pasiakaspalvelu", "Ppalvelupäällikkö"},
       "Fasiakaspalvelupaallikko"},
      {"fi", "päällikön", {"Zpäällikkö"}, {}, "Fpaallikon"},
      // Voikko writes a derived modifier as "+ost(ostaa)(+o)+o": these
      // compounds had no parts at all (issue 19).
      {"fi", "ostotilauksen", {"Zostotilaus"}, {"Posto", "Ptilaus"}, ""},
      {"fi", "ostoreskontran", {"Zostoreskontra"}, {"Posto", "Preskontra"}, ""},
      {"fi", "suositeltavaa", {}, {}, ""},  // one derived word: no parts
      {"fi", "esimerkki", {"Zesimerkki"}, {}, ""},
      {"fi", "microsoftin", {}, {}, ""},  // unknown to Voikko: Snowball fallback below
      {"pl", "faktury", {"Zfaktura"}, {}, ""},
      {"pl", "fakturze", {"Zfaktura"}, {}, ""},
      {"pl", "fakturą", {"Zfaktura"}, {}, "Ffaktura"},
      {"pl", "obsługi", {"Zobsługa"}, {}, "Fobslugi"},
      {"pl", "złomowanie", {"Zzłomować"}, {}, "Fzlomowanie"},
      {"vi", "quản", {}, {}, "Fquan"},
      {"vi", "đồng", {}, {}, "Fdong"},
      {"de", "straße", {}, {}, "Fstrasse"},
      {"da", "søg", {}, {}, "Fsog"},
      {"en", "refunds", {"Zrefund"}, {}, ""},
  };
  // Regression: Snowball's one-letter stems matched unrelated short words
  // (a search for "zz" found every Polish article with "z").
  for (const char* lang : {"fi", "en", "pl", "vi"}) {
    INFO(lang);
    CHECK_FALSE(has(derive_terms(lang, "zz").stems, "Zz"));
  }
  for (const auto& r : rows) {
    INFO(r.lang << " " << r.word);
    const DerivedTerms d = derive_terms(r.lang, r.word);
    for (const auto& s : r.stems) CHECK(has(d.stems, s));
    for (const auto& p : r.parts) CHECK(has(d.parts, p));
    if (r.parts.empty()) CHECK(d.parts.empty());
    CHECK(d.folded == r.folded);
  }
  CHECK_FALSE(derive_terms("fi", "microsoftin").stems.empty());  // Snowball fallback
}

TEST_CASE("queries find documents through the same analysis, per language") {
  struct Row {
    const char* lang;
    const char* text;
    const char* query;
  };
  const Row rows[] = {
      // Finnish: inflection, compound parts, no diacritics.
      {"fi", "Kuluraportin hyväksyminen", "kuluraportti"},
      {"fi", "Kuluraportin hyväksyminen", "kuluraportit"},
      {"fi", "Kuluraportin hyväksyminen", "kulu"},
      {"fi", "Asiakaspalvelupäällikkö vastaa eskaloinnista", "päällikkö"},
      {"fi", "Asiakaspalvelupäällikkö vastaa eskaloinnista", "paallikko"},
      {"fi", "Jaa käyttöomaisuuserä kahteen osaan", "omaisuuserän"},
      {"fi", "Laskujen lähettäminen", "lasku"},
      // Polish: inflection, no diacritics.
      {"pl", "Wystawianie faktury korygującej", "fakturą"},
      {"pl", "Wystawianie faktury korygującej", "fakturze"},
      {"pl", "Kontakt z działem obsługi klienta", "obslugi"},
      {"pl", "Złomowanie środka trwałego", "zlomowanie"},
      {"pl", "Złomowanie środka trwałego", "srodka trwalego"},
      // No diacritics and another inflection than the text's: folding alone
      // misses, the dictionary's word for the typed letters does not.
      {"fi", "Lomapyyntöjen käsittely", "lomapyynnon"},
      {"fi", "Käyttöomaisuuserien siirto", "kayttoomaisuuseran"},
      {"pl", "Płatności podatku VAT", "platnosc"},
      {"pl", "Zarządzanie projektami", "zarzadzaniu"},
      // Vietnamese: tone marks and đ.
      {"vi", "Quản lý người dùng và phân quyền", "quan ly"},
      {"vi", "Quản lý người dùng và phân quyền", "nguoi dung"},
      {"vi", "Đặt lại mật khẩu", "dat lai mat khau"},
      {"vi", "Đặt lại mật khẩu", "mật khẩu"},
      // Other Latin scripts.
      {"de", "Die Straße ist gesperrt", "strasse"},
      {"da", "Søg i hjælpecentret", "sog"},
      {"fr", "Créer une facture", "creer"},
      {"en", "Requesting refunds", "refund"},
      // CJK.
      {"zh", "如何创建请求书", "请求书"},
      {"ja", "請求書を作成する", "請求書"},
      {"ko", "비밀번호 재설정", "비밀번호"},
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": '" << r.query << "' in '" << r.text << "'");
    auto db = index_texts(r.lang, {r.text, "unrelated filler text"});
    CHECK(search(db, r.lang, r.query) == std::vector<Xapian::docid>{1});
  }
}

TEST_CASE("exact forms rank first: typed diacritics, whole words over compound parts") {
  struct Row {
    const char* lang;
    std::vector<std::string> texts;
    const char* query;
    Xapian::docid first;
  };
  const Row rows[] = {
      // "quán" (a shop) is another word than "quản" (to manage).
      {"vi", {"quán cà phê gần đây", "quản lý cửa hàng"}, "quản", 2},
      {"vi", {"quản lý cửa hàng", "quán cà phê gần đây"}, "quán", 2},
      // An article about "kulu" itself beats one that has it inside a compound.
      {"fi", {"kuluraportti ja kuitti", "kulu kirjataan"}, "kulu", 2},
      {"fi", {"asiakaspalvelupäällikkö", "päällikkö"}, "päällikkö", 2},
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": " << r.query);
    auto db = index_texts(r.lang, r.texts);
    auto hits = search(db, r.lang, r.query);
    REQUIRE(hits.size() == 2);
    CHECK(hits[0] == r.first);
  }
}

TEST_CASE("language detection from article text") {
  struct Row {
    const char* text;
    const char* lang;  // "" when it cannot be told
  };
  const Row rows[] = {
      {"Kuluraportin lähettäminen hyväksyttäväksi onnistuu mobiilisovelluksella tai selaimessa. Valitse ensin "
       "kulut, jotka haluat liittää raporttiin.",
       "fi"},
      {"Fakturę korygującą wystawisz z menu faktury. Wybierz pozycje, które chcesz poprawić, i zapisz zmiany.", "pl"},
      {"Bạn có thể quản lý người dùng và phân quyền trong phần cài đặt của tài khoản.", "vi"},
      {"Kuluraportin lähettäminen onnistuu Microsoft Dynamics 365 Project Operations -sovelluksessa. Valitse "
       "Expense management ja sitten New expense report. Kun raportti on valmis, lähetä se hyväksyttäväksi.",
       "fi"},
      {"OK", ""},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto lang = detect_language(r.text);
    CHECK(lang.value_or("") == r.lang);
  }
}

TEST_CASE("query analysis: words in order, hostile input gives nothing or words, never throws") {
  auto words = analyse_query("Refunds REFUNDS laskut", {"en", "fi"});
  REQUIRE(words.size() == 2);
  CHECK(words[0].text == "refunds");
  CHECK(words[0].terms.front().term == "refunds");
  CHECK(words[1].text == "laskut");
  CHECK(analyse_query("!!! ??? ...", {"en"}).empty());
  CHECK(analyse_query("", {"en"}).empty());
  CHECK_FALSE(analyse_query("請求書", {"ja"}).empty());
  CHECK_FALSE(analyse_query(std::string(300, 'a') + " ok", {"fi", "pl"}).empty());
}

TEST_CASE("highlights follow the analysis into the original text") {
  struct Row {
    const char* lang;
    const char* text;
    const char* query;
    const char* marked;
  };
  const Row rows[] = {
      {"fi", "Näin lähetät kuluraportin hyväksyttäväksi.", "kuluraportti", "<mark>kuluraportin</mark>"},
      {"fi", "Asiakaspalvelupäällikkö päättää hyvityksistä.", "päällikkö", "<mark>Asiakaspalvelupäällikkö</mark>"},
      {"pl", "Każda faktura ma numer; fakturę korygującą wystawisz z menu.", "fakturą", "<mark>fakturę</mark>"},
      {"pl", "Zadzwoń do działu obsługi klienta.", "obslugi", "<mark>obsługi</mark>"},
      {"fi", "Kysy asiakaspalvelupäälliköltä.", "paallikko", "<mark>asiakaspalvelupäälliköltä</mark>"},
      {"vi", "Bạn có thể quản lý người dùng.", "quan ly", "<mark>quản</mark> <mark>lý</mark>"},
      {"zh", "如何创建请求书和发票", "请求书", "创建<mark>请求书</mark>和"},
      {"en", "Use <b>refunds</b> & credits.", "refund", "&lt;b&gt;<mark>refunds</mark>&lt;/b&gt; &amp;"},
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": " << r.query);
    auto words = analyse_query(r.query, {r.lang});
    Highlighter h(words, std::vector<double>(words.size(), 1.0));
    CHECK_THAT(h.snippet(r.text, r.lang, 200), Catch::Contains(r.marked));
  }
}

TEST_CASE("snippet: the first window with as many words as the text has, wherever they are in a long section") {
  // 40 sentences of filler, with the query words placed as each row says.
  auto text_with = [](const std::vector<std::pair<size_t, std::string>>& placed) {
    std::string text;
    for (size_t i = 0; i < 40; ++i) {
      text += "Filler sentence number " + std::to_string(i) + " says nothing here.";
      for (const auto& [at, words] : placed) {
        if (at == i) text += " " + words + ".";
      }
      text += " ";
    }
    return text;
  };
  struct Row {
    const char* what;
    std::vector<std::pair<size_t, std::string>> placed;
    size_t enough;             // words the caller says the text has
    std::vector<const char*> marked, not_marked;
  };
  const Row rows[] = {
      {"both words only at the end", {{38, "refund timeline"}}, 2, {"<mark>refund</mark> <mark>timeline</mark>"}, {}},
      {"one early, both late: the window with both", {{1, "refund"}, {35, "refund timeline"}}, 2,
       {"<mark>refund</mark> <mark>timeline</mark>"}, {"number 1 says"}},
      {"both early and late: the first window", {{2, "timeline refund"}, {37, "refund timeline"}}, 2,
       {"<mark>timeline</mark> <mark>refund</mark>"}, {"number 37"}},
      {"the text has one word (the map says): its first match", {{3, "refund"}, {30, "refund"}}, 1,
       {"<mark>refund</mark>"}, {"number 30"}},
      {"the caller says too many: read to the end, best window kept", {{5, "refund"}, {33, "refund timeline"}}, 3,
       {"<mark>refund</mark> <mark>timeline</mark>"}, {}},
  };
  const auto words = analyse_query("refund timeline", {"en"});
  const Highlighter h(words, std::vector<double>(words.size(), 1.0));
  for (const auto& r : rows) {
    INFO(r.what);
    const std::string snip = h.snippet(text_with(r.placed), "en", 120, r.enough);
    for (const char* m : r.marked) CHECK_THAT(snip, Catch::Contains(m));
    for (const char* m : r.not_marked) CHECK_THAT(snip, !Catch::Contains(m));
  }
}

TEST_CASE("diacritics restored from the dictionary for words typed without them") {
  struct Row {
    const char* lang;
    const char* typed;
    std::vector<std::string> restored;  // empty: nothing to restore
  };
  const Row rows[] = {
      {"fi", "lomapyynnon", {"lomapyynnön"}},
      {"fi", "tyonkulku", {"työnkulku"}},
      {"fi", "paallikko", {"päällikkö"}},
      {"pl", "zlomowanie", {"złomowanie"}},
      {"pl", "platnosc", {"płatność"}},
      {"pl", "zarzadzania", {"zarządzania"}},
      {"pl", "obslugi", {"obsługi"}},
      {"fi", "lasku", {}},          // a word as typed: left alone
      {"pl", "podatku", {}},        // the same in Polish
      {"pl", "qwxzvbnm", {}},       // no word at all
      {"en", "creer", {}},          // no dictionary for the language
      {"fi", "kuluraportti2", {}},  // not plain letters
      {"pl", "zazazazazazazazazaza", {}},  // too many ways to accent it
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": " << r.typed);
    CHECK(Lexicon::shared().restore_diacritics(r.lang, r.typed) == r.restored);
  }
}

TEST_CASE("title coverage: the share of a title's words the query accounts for") {
  struct Row {
    const char* lang;
    const char* query;
    const char* title;
    double coverage;
  };
  const Row rows[] = {
      {"en", "refund", "Request a refund", 1.0 / 3},
      {"en", "refunds timeline", "Refund timeline", 1.0},
      {"fi", "myyntitilaukset", "Myyntitilausten ja siirtotilausten ylikeräily", 1.0 / 4},
      // Base forms (Voikko reads "vahvistaminen" as a form of "vahvistaa"
      // too), restored diacritics, and the verb a noun is made from
      // ("siirto" from "siirtää": "Siirrä").
      {"fi", "myyntitilausten vahvistaminen", "Vahvista myyntitilaukset", 1.0},
      {"fi", "kayttoomaisuuseran siirto", "Siirrä käyttöomaisuuserä", 1.0},
      // Half for a shared root only: "tilaus" and "tilausten" are one word,
      // "tilauskanta" (a compound) shares the first 5 bytes with "tilaus".
      {"fi", "tilauskanta", "Tilaukset", 0.5},
      {"pl", "platnosc podatku", "Płatność podatku VAT", 2.0 / 3},
      {"vi", "quan ly du an", "Quản lý dự án", 1.0},
      {"en", "refund", "", 0.0},
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": '" << r.query << "' for '" << r.title << "'");
    const auto words = analyse_query(r.query, {r.lang});
    const Highlighter h(words, std::vector<double>(words.size(), 1.0));
    CHECK(h.title_coverage(r.title, r.lang) == Approx(r.coverage));
  }
}

TEST_CASE("diacritics are restored for the first words of a query only, so a pasted ticket stays cheap") {
  // Six made-up words first, then a real one: its diacritics are not looked
  // for any more (each made-up word may cost milliseconds per language).
  const auto words = analyse_query("qwzla qwzlb qwzlc qwzld qwzle qwzlf lomapyynnon", {"fi", "pl"});
  REQUIRE(words.size() == 7);
  auto holds = [](const QueryWord& w, const std::string& term) {
    return std::any_of(w.terms.begin(), w.terms.end(), [&](const WeightedTerm& t) { return t.term == term; });
  };
  CHECK_FALSE(holds(words[6], "lomapyynnön"));
  CHECK(holds(analyse_query("lomapyynnon", {"fi", "pl"})[0], "lomapyynnön"));
  // Words known as typed do not count against the limit.
  const auto known = analyse_query("lasku tili raportti kulu maksu tilaus asiakas lomapyynnon", {"fi"});
  REQUIRE(known.size() == 8);
  CHECK(holds(known[7], "lomapyynnön"));
}

TEST_CASE("two query words are also tried as one in languages that write compounds as one word") {
  // As typed, and with the first word's base form: a modifier typed apart
  // is often inflected ("laskun rivit" for "laskurivit").
  struct Row {
    const char* query;
    std::vector<std::string> langs;
    std::vector<std::string> joined;
  };
  const Row rows[] = {
      {"osto tilauksen luominen", {"fi"}, {"ostotilauksen", "tilauksenluominen", "tilausluominen"}},
      {"laskun rivit", {"fi"}, {"laskunrivit", "laskurivit"}},
      {"tilauksen rivi", {"fi"}, {"tilauksenrivi", "tilausrivi"}},
      {"arvonlisävero maksu", {"fi", "pl"}, {"arvonlisäveromaksu"}},
      {"daten bank", {"de"}, {"datenbank"}},
      {"quản lý", {"vi"}, {}},          // syllables, not parts of a compound
      {"log in", {"en"}, {}},           // English writes its compounds apart
      {"2023 raportti", {"fi"}, {}},    // numbers are not word parts
      {"a raportti", {"fi"}, {}},       // nor single letters
      {"会計 報告", {"ja", "fi"}, {}},  // nor CJK
  };
  for (const auto& r : rows) {
    INFO(r.query);
    std::vector<std::string> got;
    const auto words = analyse_query(r.query, r.langs);
    for (const auto& j : joined_words(words, r.langs)) {
      got.push_back(j.word.text);
      CHECK(j.word.text.ends_with(words[j.first + 1].text));
    }
    CHECK(got == r.joined);
  }
}

TEST_CASE("Polish verbs find their aspect partner: 'jak utworzyć' finds 'Tworzenie'") {
  struct Row {
    const char* lemma;
    std::vector<std::string> partners;
  };
  const Row rows[] = {
      {"utworzyć", {"tworzyć"}},          // irregular pair, either way
      {"tworzyć", {"utworzyć"}},
      {"dodać", {"dodawać"}},             // -ać / -awać
      {"dodawać", {"dodać"}},
      {"usunąć", {"usuwać"}},             // -nąć / -wać
      {"wystawić", {"wystawiać"}},        // -ić / -iać
      {"sprawdzić", {"sprawdzać"}},       // -ić / -ać
      {"zaimportować", {"importować"}},   // aspect prefix on a borrowed verb
      {"wystawać", {"wystać"}},           // another verb: its own partner, not "wystawić"
      {"opracować", {"opracowywać"}},     // its short stem is not stripped: "pracować" is another verb
      {"faktura", {}},                    // not a verb
  };
  auto& lex = Lexicon::shared();
  for (const auto& r : rows) {
    INFO(r.lemma);
    CHECK(lex.aspect_partners("pl", r.lemma) == r.partners);
  }
  CHECK(lex.aspect_partners("fi", "utworzyć").empty());
  // In a query, the partner's base form is one of the word's terms, below the word's own.
  const auto words = analyse_query("utworzyć", {"pl"});
  REQUIRE(words.size() == 1);
  auto weight = [&](const std::string& term) {
    for (const auto& t : words[0].terms) {
      if (t.term == term) return t.weight;
    }
    return 0.0;
  };
  CHECK(weight("Ztworzyć") > 0.0);
  CHECK(weight("Ztworzyć") < weight("Zutworzyć"));
}

TEST_CASE("Finnish nouns made from verbs find the verb: 'siirto' finds 'Siirrä'") {
  struct Row {
    const char* word;
    std::vector<std::string> from;
  };
  const Row rows[] = {
      {"siirto", {"siirtää"}},      // -o
      {"luonti", {"luoda"}},        // -nti
      {"tulostus", {"tulostaa"}},   // -us
      {"siirtää", {}},              // the verb itself
      {"kuluraportti", {}},         // a compound, not a derivation
      {"qwzlx", {}},                // unknown
  };
  for (const auto& r : rows) {
    INFO(r.word);
    CHECK(Lexicon::shared().forms("fi", r.word)->derived_from == r.from);
  }
  const auto words = analyse_query("siirto", {"fi"});
  REQUIRE(words.size() == 1);
  double weight = 0.0;
  for (const auto& t : words[0].terms) {
    if (t.term == "Zsiirtää") weight = t.weight;
  }
  CHECK(weight > 0.0);
  CHECK(weight < 1.0);
}

TEST_CASE("stopwords: function words per language, typed with or without diacritics") {
  struct Row {
    const char* word;
    const char* lang;
    bool stop;
  };
  const Row rows[] = {
      {"how", "en", true},          {"the", "en", true},         {"invoice", "en", false},
      {"out", "en", false},         // "log out" is not "log in"
      {"new", "en", false},         {"miten", "fi", true},       {"voinko", "fi", true},
      {"lasku", "fi", false},       {"uusi", "fi", false},       {"jak", "pl", true},
      {"się", "pl", true},          {"sie", "pl", true},         // typed without diacritics
      {"faktura", "pl", false},     {"nowy", "pl", false},       {"của", "vi", true},
      {"cua", "vi", true},          {"những", "vi", true},       {"nhung", "vi", true},
      {"bạn", "vi", true},          {"ban", "vi", false},        // folded, it is "bán" (sell)
      {"mỗi", "vi", true},          {"moi", "vi", false},        // "mới" (new)
      {"mới", "vi", false},         {"hàng", "vi", false},       {"làm", "vi", false},
      {"how", "fi", false},         // per language
      {"jak", "fi-FI", false},      {"miten", "fi-FI", true},    // by the primary subtag
      {"the", "de", false},         // no list: nothing is a stopword
  };
  for (const auto& r : rows) {
    INFO(r.word << " (" << r.lang << ")");
    CHECK(analysis::is_stopword(r.word, r.lang) == r.stop);
  }
  CHECK(analysis::is_stopword("jak", std::vector<std::string>{"en", "pl"}));
  CHECK_FALSE(analysis::is_stopword("jak", std::vector<std::string>{"en", "fi"}));
  CHECK(analysis::stopword_languages() == std::vector<std::string>{"en", "fi", "pl", "vi"});
}

TEST_CASE("a word is analysed only by the languages whose alphabet has its letters") {
  struct Row {
    const char* lang;
    const char* word;
    bool in;
  };
  const Row rows[] = {
      {"fi", "päivä", true},       {"pl", "päivä", false},       // ä is Finnish
      {"fi", "zamówienia", false}, {"pl", "zamówienia", true},   // ó is Polish
      {"fi", "quản", false},       {"pl", "quản", false},        // Vietnamese letters
      {"vi", "quản", true},        {"vi", "päivä", true},        // no table: any letters
      {"fi", "lasku", true},       {"pl", "lasku", true},        // plain letters: every language
      {"fi", "šekki", true},                                     // a Finnish loanword letter
      {"pl", "za\xCC\x81", true},  // a combining mark (not NFC): cannot tell, so analysed
  };
  for (const auto& r : rows) {
    INFO(r.lang << ": " << r.word);
    CHECK(in_alphabet(r.lang, r.word) == r.in);
  }
  // What it changes: "zamówienia" gets Polish base forms and no Finnish
  // Snowball stem; "päivä" no Polish compound part.
  auto terms = [](const char* word, const std::vector<std::string>& langs) {
    const auto words = analyse_query(word, langs);
    std::vector<std::string> out;
    for (const auto& t : words.at(0).terms) out.push_back(t.term);
    return out;
  };
  const auto both = terms("zamówienia", {"fi", "pl"});
  CHECK(both == terms("zamówienia", {"pl"}));
  CHECK(std::find(both.begin(), both.end(), "Zzamówienie") != both.end());
  CHECK(terms("päivä", {"fi", "pl"}) == terms("päivä", {"fi"}));
}
