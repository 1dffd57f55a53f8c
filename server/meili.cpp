#include "server/meili.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "core/analysis.h"
#include "core/searcher.h"
#include "core/text.h"
#include "server/params.h"

namespace kb::meili {

using nlohmann::json;

namespace {

Error invalid(std::string code, std::string message) { return Error{400, std::move(code), std::move(message)}; }

// Fields that would change the answer in ways kb does not do: refused by
// name rather than ignored.
const std::set<std::string, std::less<>> kUnsupported = {
    "sort", "vector", "hybrid", "distinct", "retrieveVectors", "attributesToSearchOn", "showRankingScore",
    "showRankingScoreDetails", "rankingScoreThreshold", "federation", "federationOptions", "media"};
// Fields that only tune Meilisearch's own matching: accepted, no effect.
const std::set<std::string, std::less<>> kIgnored = {"matchingStrategy", "locales"};
const std::set<std::string, std::less<>> kKnown = {"q", "offset", "limit", "page", "hitsPerPage", "filter", "facets",
                                                   "attributesToRetrieve", "attributesToHighlight", "highlightPreTag",
                                                   "highlightPostTag", "attributesToCrop", "cropLength", "cropMarker",
                                                   "showMatchesPosition", "indexUid"};

// The document attributes of a hit, in the order they are written.
const std::vector<std::string> kAttributes = {"id",  "slug",    "title",   "lang",   "category",
                                              "tags", "url", "section", "content", "updated"};
// Those with text that highlighting and cropping apply to.
const std::set<std::string, std::less<>> kMarkable = {"title", "section", "content"};

std::optional<FilterField> filter_field(std::string_view name) {
  if (name == "lang") return FilterField::kLang;
  if (name == "category") return FilterField::kCategory;
  if (name == "tags" || name == "tag") return FilterField::kTag;
  return std::nullopt;
}

std::variant<size_t, Error> whole_number(const json& v, const char* field, const char* code) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    return invalid(code, fmt::format("`{}` must be a whole number, 0 or more", field));
  }
  return static_cast<size_t>(v.get<int64_t>());
}

std::variant<std::vector<std::string>, Error> string_list(const json& v, const char* field, const char* code) {
  std::vector<std::string> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return invalid(code, fmt::format("`{}` must be an array of strings", field));
  for (const auto& item : v) {
    if (!item.is_string() || !is_valid_utf8(item.get_ref<const std::string&>()) ||
        item.get_ref<const std::string&>().size() > kMaxTagBytes) {
      return invalid(code, fmt::format("`{}` must be an array of strings of at most {} bytes", field, kMaxTagBytes));
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::variant<std::string, Error> short_string(const json& v, const char* field, const char* code) {
  if (!v.is_string() || !is_valid_utf8(v.get_ref<const std::string&>()) ||
      v.get_ref<const std::string&>().size() > kMaxTagBytes) {
    return invalid(code, fmt::format("`{}` must be a string of at most {} bytes", field, kMaxTagBytes));
  }
  return v.get<std::string>();
}

// ---- The filter expression ------------------------------------------------------

// A boolean expression of conditions, in conjunctive normal form: every
// clause must hold; a clause holds when any of its values does.
using Cnf = std::vector<std::vector<FilterValue>>;

// a OR b, in conjunctive normal form: every clause of a with every clause
// of b ((x AND y) OR z = (x OR z) AND (y OR z)); nullopt beyond
// kMaxFilterClauses.
std::optional<Cnf> either(const Cnf& a, const Cnf& b) {
  Cnf out;
  for (const auto& x : a) {
    for (const auto& y : b) {
      if (out.size() == kMaxFilterClauses) return std::nullopt;
      auto clause = x;
      clause.insert(clause.end(), y.begin(), y.end());
      out.push_back(std::move(clause));
    }
  }
  return out;
}

class FilterParser {
 public:
  explicit FilterParser(std::string_view text) : text_(text) {}

  std::variant<Cnf, Error> parse() {
    auto cnf = parse_or();
    if (std::holds_alternative<Error>(cnf)) return cnf;
    skip_space();
    if (at_ < text_.size()) return fail(fmt::format("unexpected `{}`", text_.substr(at_, 20)));
    return cnf;
  }

 private:
  Error fail(const std::string& what) const {
    return invalid("invalid_search_filter",
                   fmt::format("filter `{}`: {} at character {}. kb supports `attribute = value`, "
                               "`attribute IN [a, b]`, AND, OR and parentheses, on lang, category and tags",
                               text_, what, at_ + 1));
  }

  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
  }

  // A keyword (AND, OR, IN, NOT...) here, in any case, followed by a
  // delimiter; consumed when it is.
  bool keyword(std::string_view word) {
    skip_space();
    if (text_.size() - at_ < word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      if (std::toupper(static_cast<unsigned char>(text_[at_ + i])) != word[i]) return false;
    }
    const size_t after = at_ + word.size();
    if (after < text_.size() && !std::isspace(static_cast<unsigned char>(text_[after])) && text_[after] != '(' &&
        text_[after] != '[') {
      return false;
    }
    at_ = after;
    return true;
  }

  bool symbol(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }

  // A quoted ("..." or '...', backslash escapes) or bare word.
  std::optional<std::string> word() {
    skip_space();
    if (at_ >= text_.size()) return std::nullopt;
    std::string out;
    const char quote = text_[at_];
    if (quote == '"' || quote == '\'') {
      for (size_t i = at_ + 1; i < text_.size(); ++i) {
        if (text_[i] == '\\' && i + 1 < text_.size()) {
          out += text_[++i];
        } else if (text_[i] == quote) {
          at_ = i + 1;
          return out;
        } else {
          out += text_[i];
        }
      }
      return std::nullopt;  // unterminated
    }
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (std::isspace(static_cast<unsigned char>(c)) || std::strchr("()[],=!<>\"'", c)) break;
      out += c;
      ++at_;
    }
    if (out.empty()) return std::nullopt;
    return out;
  }

  std::variant<Cnf, Error> parse_or() {
    auto first = parse_and();
    if (std::holds_alternative<Error>(first)) return first;
    Cnf result = std::get<Cnf>(std::move(first));
    while (keyword("OR")) {
      auto next = parse_and();
      if (std::holds_alternative<Error>(next)) return next;
      auto product = either(result, std::get<Cnf>(next));
      if (!product) return fail("too many combinations of AND inside OR");
      result = std::move(*product);
    }
    return result;
  }

  std::variant<Cnf, Error> parse_and() {
    auto first = parse_unary();
    if (std::holds_alternative<Error>(first)) return first;
    Cnf result = std::get<Cnf>(std::move(first));
    while (keyword("AND")) {
      auto next = parse_unary();
      if (std::holds_alternative<Error>(next)) return next;
      for (auto& clause : std::get<Cnf>(next)) result.push_back(std::move(clause));
      if (result.size() > kMaxFilterClauses) return fail("too many conditions");
    }
    return result;
  }

  std::variant<Cnf, Error> parse_unary() {
    if (++depth_ > kMaxDepth) return fail("too deeply nested");
    if (symbol('(')) {
      auto inner = parse_or();
      if (std::holds_alternative<Error>(inner)) return inner;
      if (!symbol(')')) return fail("a `)` is missing");
      --depth_;
      return inner;
    }
    if (keyword("NOT")) return fail("NOT is not supported");
    auto result = parse_condition();
    --depth_;
    return result;
  }

  std::variant<Cnf, Error> parse_condition() {
    const size_t start = at_;
    const auto attribute = word();
    if (!attribute) return fail("an attribute name is expected");
    const auto field = filter_field(*attribute);
    if (!field) {
      at_ = start;
      return fail(fmt::format("attribute `{}` is not filterable", *attribute));
    }
    std::vector<FilterValue> clause;
    if (symbol('=')) {
      const auto value = word();
      if (!value) return fail("a value is expected after `=`");
      clause.push_back({*field, *value});
    } else if (keyword("IN")) {
      if (!symbol('[')) return fail("`[` is expected after IN");
      do {
        const auto value = word();
        if (!value) return fail("a value is expected in the IN list");
        clause.push_back({*field, *value});
      } while (symbol(','));
      if (!symbol(']')) return fail("`]` is expected at the end of the IN list");
    } else {
      return fail("only `=` and IN are supported");
    }
    return Cnf{std::move(clause)};
  }

  static constexpr int kMaxDepth = 16;
  std::string_view text_;
  size_t at_ = 0;
  int depth_ = 0;
};

std::variant<Cnf, Error> parse_expression(const json& v) {
  if (!v.is_string()) return invalid("invalid_search_filter", "`filter` must be a string or an array of strings and arrays");
  const auto& text = v.get_ref<const std::string&>();
  if (text.size() > kMaxFilterBytes || !is_valid_utf8(text)) {
    return invalid("invalid_search_filter", fmt::format("`filter` must be UTF-8 text of at most {} bytes", kMaxFilterBytes));
  }
  if (collapse_whitespace(text).empty()) return Cnf{};
  return FilterParser(text).parse();
}

// Pieces of plain text and matches, from marked HTML.
void decode_entity(std::string_view html, size_t& i, std::string& out) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&#x27;", '\''}};
  for (const auto& [name, c] : kEntities) {
    if (html.substr(i, name.size()) == name) {
      out += c;
      i += name.size();
      return;
    }
  }
  out += html[i++];
}

}  // namespace

json error_json(const Error& e) {
  json out = {{"message", e.message}, {"code", e.code}, {"type", e.type}};
  // Codes of Meilisearch's own have a page in its documentation.
  static const std::set<std::string, std::less<>> kMeiliCodes = {
      "index_not_found", "invalid_api_key", "bad_request", "malformed_payload", "invalid_search_q",
      "invalid_search_offset", "invalid_search_limit", "invalid_search_page", "invalid_search_hits_per_page",
      "invalid_search_filter", "invalid_search_facets", "invalid_search_attributes_to_retrieve",
      "invalid_search_attributes_to_highlight", "invalid_search_attributes_to_crop", "invalid_search_crop_length",
      "invalid_search_crop_marker", "invalid_search_highlight_pre_tag", "invalid_search_highlight_post_tag",
      "invalid_search_show_matches_position", "invalid_index_uid", "too_many_search_requests"};
  out["link"] = kMeiliCodes.count(e.code) ? json("https://docs.meilisearch.com/errors#" + e.code) : json(nullptr);
  return out;
}

std::variant<std::vector<std::vector<FilterValue>>, Error> parse_filter(const json& filter) {
  if (filter.is_null()) return Cnf{};
  if (!filter.is_array()) return parse_expression(filter);
  Cnf out;
  for (const auto& item : filter) {
    if (item.is_array()) {
      // Any of the inner expressions; a blank one holds always, and so
      // does the whole list then.
      std::optional<Cnf> any;
      bool always = item.empty();
      for (const auto& alternative : item) {
        auto cnf = parse_expression(alternative);
        if (auto* e = std::get_if<Error>(&cnf)) return *e;
        Cnf& c = std::get<Cnf>(cnf);
        if (c.empty()) always = true;
        any = any ? either(*any, c) : std::optional<Cnf>(std::move(c));
        if (!any) return invalid("invalid_search_filter", "`filter` has too many combinations of AND inside OR");
      }
      if (!always) out.insert(out.end(), any->begin(), any->end());
    } else {
      auto cnf = parse_expression(item);
      if (auto* e = std::get_if<Error>(&cnf)) return *e;
      for (auto& clause : std::get<Cnf>(cnf)) out.push_back(std::move(clause));
    }
    if (out.size() > kMaxFilterClauses) return invalid("invalid_search_filter", "`filter` has too many conditions");
  }
  return out;
}

std::variant<Query, Error> parse_query(const json& body) {
  if (!body.is_object()) return invalid("bad_request", "a search must be a JSON object");
  for (const auto& [key, value] : body.items()) {
    if (kUnsupported.count(key)) {
      return invalid("bad_request", fmt::format("`{}` is not supported by kb (see its docs/api.md)", key));
    }
    if (!kKnown.count(key) && !kIgnored.count(key)) return invalid("bad_request", fmt::format("Unknown field `{}`", key));
  }
  Query q;
  Display& d = q.display;
  SearchRequest& r = q.request;
  if (auto it = body.find("q"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) return invalid("invalid_search_q", "`q` must be a string");
    const auto& text = it->get_ref<const std::string&>();
    if (!is_valid_utf8(text) || text.size() > kMaxQueryBytes) {
      return invalid("invalid_search_q", fmt::format("`q` must be UTF-8 text of at most {} bytes", kMaxQueryBytes));
    }
    r.query = collapse_whitespace(text);
  }
  struct Number {
    const char* field;
    const char* code;
    size_t* target;
  };
  for (const Number& n : {Number{"offset", "invalid_search_offset", &d.offset}, Number{"limit", "invalid_search_limit", &d.limit},
                          Number{"page", "invalid_search_page", &d.page},
                          Number{"hitsPerPage", "invalid_search_hits_per_page", &d.hits_per_page},
                          Number{"cropLength", "invalid_search_crop_length", &d.crop_length}}) {
    auto it = body.find(n.field);
    if (it == body.end() || it->is_null()) continue;
    auto v = whole_number(*it, n.field, n.code);
    if (auto* e = std::get_if<Error>(&v)) return *e;
    *n.target = std::get<size_t>(v);
  }
  d.pages = (body.contains("page") && !body["page"].is_null()) || (body.contains("hitsPerPage") && !body["hitsPerPage"].is_null());
  d.crop_length = std::min(d.crop_length, kMaxCropLength);
  // What to fetch: the page asked for; beyond kb's deepest offset, nothing.
  size_t offset = d.offset, limit = d.limit;
  if (d.pages) {
    // (page - 1) * hitsPerPage, past kb's deepest offset as "beyond" (both
    // may be as large as JSON holds).
    const size_t before = d.page == 0 ? 0 : d.page - 1;
    const bool beyond = d.page == 0 || (before > 0 && d.hits_per_page > (Searcher::kMaxOffset + 1) / before);
    offset = beyond ? Searcher::kMaxOffset + 1 : before * d.hits_per_page;
    limit = d.hits_per_page;
  }
  d.shown = offset > Searcher::kMaxOffset ? 0 : std::min(limit, Searcher::kMaxLimit);
  r.offset = d.shown == 0 ? 0 : offset;
  r.limit = std::max<size_t>(d.shown, 1);  // a search finds at least one; the answer drops it when none is shown

  if (auto it = body.find("filter"); it != body.end()) {
    auto cnf = parse_filter(*it);
    if (auto* e = std::get_if<Error>(&cnf)) return *e;
    r.any_of = std::get<Cnf>(std::move(cnf));
  }
  struct List {
    const char* field;
    const char* code;
    std::vector<std::string>* target;
  };
  for (const List& l : {List{"facets", "invalid_search_facets", &d.facets},
                        List{"attributesToRetrieve", "invalid_search_attributes_to_retrieve", &d.retrieve},
                        List{"attributesToHighlight", "invalid_search_attributes_to_highlight", &d.highlight},
                        List{"attributesToCrop", "invalid_search_attributes_to_crop", &d.crop}}) {
    auto it = body.find(l.field);
    if (it == body.end()) continue;
    auto v = string_list(*it, l.field, l.code);
    if (auto* e = std::get_if<Error>(&v)) return *e;
    *l.target = std::get<std::vector<std::string>>(std::move(v));
  }
  for (const auto& f : d.facets) {
    if (f != "*" && !filter_field(f)) {
      return invalid("invalid_search_facets",
                     fmt::format("attribute `{}` has no facet; kb counts lang, category and tags", f));
    }
  }
  // "content:20" crops content to 20 words.
  for (auto& c : d.crop) {
    if (const size_t colon = c.find(':'); colon != std::string::npos) {
      const std::string_view n = std::string_view(c).substr(colon + 1);
      size_t words = 0;
      auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), words);
      if (ec != std::errc() || end != n.data() + n.size()) {
        return invalid("invalid_search_attributes_to_crop", fmt::format("`{}`: the length after `:` must be a whole number", c));
      }
      c = c.substr(0, colon) + ":" + std::to_string(std::min(words, kMaxCropLength));
    }
  }
  struct Text {
    const char* field;
    const char* code;
    std::string* target;
  };
  for (const Text& t : {Text{"highlightPreTag", "invalid_search_highlight_pre_tag", &d.pre_tag},
                        Text{"highlightPostTag", "invalid_search_highlight_post_tag", &d.post_tag},
                        Text{"cropMarker", "invalid_search_crop_marker", &d.crop_marker}}) {
    auto it = body.find(t.field);
    if (it == body.end() || it->is_null()) continue;
    auto v = short_string(*it, t.field, t.code);
    if (auto* e = std::get_if<Error>(&v)) return *e;
    *t.target = std::get<std::string>(std::move(v));
  }
  if (auto it = body.find("showMatchesPosition"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalid("invalid_search_show_matches_position", "`showMatchesPosition` must be true or false");
    d.matches_position = it->get<bool>();
  }
  return q;
}

json query_from_params(const std::multimap<std::string, std::string>& params) {
  static const std::set<std::string, std::less<>> kNumbers = {"offset", "limit", "page", "hitsPerPage", "cropLength"};
  static const std::set<std::string, std::less<>> kLists = {"facets", "attributesToRetrieve", "attributesToHighlight",
                                                            "attributesToCrop", "sort", "locales"};
  json out = json::object();
  for (const auto& [key, value] : params) {
    if (kNumbers.count(key)) {
      int64_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      out[key] = ec == std::errc() && end == value.data() + value.size() ? json(n) : json(value);
    } else if (kLists.count(key)) {
      json list = json::array();
      size_t start = 0;
      while (start <= value.size()) {
        const size_t comma = std::min(value.find(',', start), value.size());
        if (comma > start) list.push_back(value.substr(start, comma - start));
        start = comma + 1;
      }
      out[key] = list;
    } else if (key == "showMatchesPosition") {
      out[key] = value == "true" ? json(true) : value == "false" ? json(false) : json(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

std::string from_marked_html(std::string_view html, std::string_view pre, std::string_view post, std::vector<Span>* matches) {
  static constexpr std::string_view kOpen = "<mark>", kClose = "</mark>";
  std::string out;
  size_t plain = 0;  // bytes of text without the tags so far
  size_t match_start = 0;
  for (size_t i = 0; i < html.size();) {
    if (html.substr(i, kOpen.size()) == kOpen) {
      out += pre;
      match_start = plain;
      i += kOpen.size();
    } else if (html.substr(i, kClose.size()) == kClose) {
      out += post;
      if (matches) matches->push_back({match_start, plain - match_start});
      i += kClose.size();
    } else if (html[i] == '&') {
      const size_t before = out.size();
      decode_entity(html, i, out);
      plain += out.size() - before;
    } else {
      out += html[i++];
      ++plain;
    }
  }
  return out;
}

std::string crop(std::string_view text, std::string_view pre, size_t words, std::string_view marker) {
  std::vector<std::string_view> all;
  for (size_t i = 0; i < text.size();) {
    while (i < text.size() && text[i] == ' ') ++i;
    const size_t end = std::min(text.find(' ', i), text.size());
    if (end > i) all.push_back(text.substr(i, end - i));
    i = end;
  }
  if (all.size() <= words) return std::string(text);
  size_t first_match = 0;
  if (!pre.empty()) {
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i].find(pre) != std::string_view::npos) {
        first_match = i;
        break;
      }
    }
  }
  // The match a little before the middle, as Meilisearch places it.
  size_t start = first_match > words / 3 ? first_match - words / 3 : 0;
  start = std::min(start, all.size() - words);
  std::string out = start > 0 ? std::string(marker) : std::string();
  for (size_t i = start; i < start + words; ++i) {
    if (i > start) out += ' ';
    out += all[i];
  }
  if (start + words < all.size()) out += marker;
  return out;
}

json search_answer(const Query& q, const SearchResult& result, const std::vector<std::string>& marked_titles,
                   const std::vector<std::string>& marked_sections, double took_ms) {
  const Display& d = q.display;
  auto listed = [](const std::vector<std::string>& list, const std::string& attribute) {
    return std::any_of(list.begin(), list.end(), [&](const std::string& a) {
      return a == "*" || a == attribute || a.rfind(attribute + ":", 0) == 0 || a.rfind("*:", 0) == 0;
    });
  };
  auto crop_words = [&](const std::string& attribute) {
    for (const auto& a : d.crop) {
      const size_t colon = a.find(':');
      const std::string name = a.substr(0, colon);
      if ((name == attribute || name == "*") && colon != std::string::npos) return std::stoul(a.substr(colon + 1));
    }
    return d.crop_length;
  };
  const bool formatted = !d.highlight.empty() || !d.crop.empty();
  json hits = json::array();
  for (size_t i = 0; i < std::min(d.shown, result.hits.size()); ++i) {
    const SearchHit& h = result.hits[i];
    json doc = {{"id", h.slug},      {"slug", h.slug}, {"title", h.title},           {"lang", h.lang},
                {"category", h.category}, {"tags", h.tags}, {"url", h.url},   {"section", h.section_title}, {"content", from_marked_html(h.snippet, "", "")},
                {"updated", h.updated}};
    const std::map<std::string, std::string> marked = {
        {"title", i < marked_titles.size() ? marked_titles[i] : html_escape(h.title)},
        {"section", i < marked_sections.size() ? marked_sections[i] : html_escape(h.section_title)},
        {"content", h.snippet}};
    json out = json::object();
    json shown_formatted = json::object();
    json positions = json::object();
    for (const auto& attribute : kAttributes) {
      if (!d.retrieve.empty() && !listed(d.retrieve, attribute)) continue;
      out[attribute] = doc[attribute];
      if (!kMarkable.count(attribute)) {
        shown_formatted[attribute] = doc[attribute];
        continue;
      }
      std::vector<Span> spans;
      const bool highlight = listed(d.highlight, attribute);
      std::string value = highlight ? from_marked_html(marked.at(attribute), d.pre_tag, d.post_tag, &spans)
                                    : from_marked_html(marked.at(attribute), "", "", &spans);
      if (listed(d.crop, attribute)) value = crop(value, highlight ? d.pre_tag : "", crop_words(attribute), d.crop_marker);
      shown_formatted[attribute] = value;
      if (d.matches_position && !spans.empty()) {
        json list = json::array();
        for (const auto& s : spans) list.push_back({{"start", s.start}, {"length", s.length}});
        positions[attribute] = list;
      }
    }
    if (formatted) out["_formatted"] = shown_formatted;
    if (d.matches_position) out["_matchesPosition"] = positions;
    hits.push_back(std::move(out));
  }
  json answer = {{"hits", hits},
                 {"query", q.request.query},
                 {"processingTimeMs", static_cast<int64_t>(std::lround(took_ms))}};
  // Pages beyond kb's deepest offset cannot be shown, so they are not counted.
  if (d.pages) {
    const size_t per_page = d.hits_per_page;
    const size_t reachable = std::min(result.total, Searcher::kMaxOffset + Searcher::kMaxLimit);
    answer["hitsPerPage"] = per_page;
    answer["page"] = d.page;
    answer["totalHits"] = result.total;
    answer["totalPages"] = per_page == 0 ? 0 : (reachable + per_page - 1) / per_page;
  } else {
    answer["limit"] = d.limit;
    answer["offset"] = d.offset;
    answer["estimatedTotalHits"] = result.total;
  }
  if (!d.facets.empty()) {
    json distribution = json::object();
    const bool all = std::find(d.facets.begin(), d.facets.end(), "*") != d.facets.end();
    for (const std::string name : {"lang", "category", "tags", "tag"}) {
      if (!(all && name != "tag") && std::find(d.facets.begin(), d.facets.end(), name) == d.facets.end()) continue;
      const auto it = result.facets.find(name == "tags" ? "tag" : name);
      distribution[name] = it == result.facets.end() ? json::object() : json(it->second);
    }
    answer["facetDistribution"] = distribution;
    answer["facetStats"] = json::object();
  }
  return answer;
}

}  // namespace kb::meili
