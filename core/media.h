// Images in articles: kb-index copies every local image an article shows into
// the revision's media/ folder under a name made from its content
// (sha256 prefix + extension) and rewrites the <img> source to
// /media/<name>; kb-server serves those files as immutable. A replaced image
// gets a new name, so caches never show a stale one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/article.h"
#include "core/status.h"

namespace kb {

inline constexpr size_t kMaxImageBytes = 10 * 1024 * 1024;
inline constexpr std::string_view kMediaUrlPrefix = "/media/";

// The Content-Type for an image file name by its extension (png, jpg, jpeg,
// gif, webp, svg, avif); nullopt for anything else.
std::optional<std::string> image_content_type(std::string_view file_name);

// True for a name served_name() can produce (so a request cannot name any
// other file).
bool is_media_name(std::string_view name);

// Size, modification time and hash of an image under the content folder; an
// error (for the writer) when it is missing, too large or not an image type.
Result<MediaFile> read_media_file(const std::filesystem::path& content_dir, const std::string& path);

// Copies `from` to `to` through a temporary file renamed into place, unless
// `to` exists; an error when the bytes no longer hash to `hash` (the file
// changed since it was read) or cannot be written.
Status publish_media_file(const std::filesystem::path& from, const std::string& hash, const std::filesystem::path& to);

// Size and modification time only (hash empty): for telling whether a file
// changed since it was hashed.
std::optional<MediaFile> stat_media_file(const std::filesystem::path& content_dir, const std::string& path);

}  // namespace kb
