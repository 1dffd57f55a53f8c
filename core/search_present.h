// Step three of a search: the present step. Turns the match step's ranked
// documents (core/search_match.h) into the hits a page shows: their fields
// from the hit data stored with each document, the top re-ordered by how much of each title the
// query names, and for the page's hits the best section, its anchor and a
// highlighted snippet.
#pragma once

#include <cstddef>
#include <optional>

#include <xapian.h>

#include "core/catalog.h"
#include "core/search_match.h"
#include "core/search_plan.h"
#include "core/search_types.h"

namespace kb {

// Bytes of section text a snippet shows, about.
inline constexpr size_t kSnippetBytes = 240;

// A hit's fields from the hit data the indexer wrote (schema::kSlotHit) (no section, no
// snippet); nullopt for data that is not kb's.
// `with_tags`: read the tags too (one more value read).
std::optional<SearchHit> hit_from_document(const Xapian::Document& doc, bool with_tags = true);
std::vector<std::string> document_tags(const Xapian::Document& doc);

// Fills result.hits (and nothing else) with the page [offset, offset +
// limit) of `matched`.
void present_search(Catalog& catalog, const SearchPlan& plan, const MatchResult& matched,
                    size_t offset, size_t limit, Visibility visibility, SearchResult& result);

}  // namespace kb
