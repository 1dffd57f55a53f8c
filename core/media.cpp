#include "core/media.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "core/content_loader.h"
#include "core/hash.h"
#include "core/text.h"

namespace kb {
namespace {

constexpr size_t kHashChars = 24;  // 96 bits of sha256: unguessable, short

std::string extension_of(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || name.find('/', dot) != std::string_view::npos) return {};
  const std::string ext = ascii_lower(name.substr(dot + 1));
  return ext == "jpeg" ? "jpg" : ext;
}

}  // namespace

std::string MediaFile::served_name() const { return hash.substr(0, kHashChars) + "." + extension_of(path); }

std::optional<std::string> image_content_type(std::string_view file_name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {"png", "image/png"},   {"jpg", "image/jpeg"},        {"gif", "image/gif"},
      {"webp", "image/webp"}, {"svg", "image/svg+xml"}, {"avif", "image/avif"},
  };
  const std::string ext = extension_of(file_name);
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return std::string(type);
  }
  return std::nullopt;
}

bool is_media_name(std::string_view name) {
  if (name.size() <= kHashChars + 1 || name[kHashChars] != '.') return false;
  if (!std::all_of(name.begin(), name.begin() + kHashChars,
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return false;
  }
  const std::string_view ext = name.substr(kHashChars + 1);
  return ext == extension_of(name) && image_content_type(name).has_value();
}

std::optional<MediaFile> stat_media_file(const std::filesystem::path& content_dir, const std::string& path) {
  struct stat st {};
  if (::stat((content_dir / path).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  MediaFile m;
  m.path = path;
  m.size = static_cast<uintmax_t>(st.st_size);
  m.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return m;
}

Status publish_media_file(const std::filesystem::path& from, const std::string& hash, const std::filesystem::path& to) {
  std::error_code ec;
  if (std::filesystem::exists(to, ec)) return Status::ok();
  const auto size = std::filesystem::file_size(from, ec);
  if (ec || size > kMaxImageBytes) return Status::error("cannot read it");
  std::ifstream in(from, std::ios::binary);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in) return Status::error("cannot read it");
  if (sha256_hex(bytes) != hash) return Status::error("it changed while being published; it is taken next time");
  const std::filesystem::path tmp = to.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return Status::error("cannot write it into the index (disk full?)");
    }
  }
  std::filesystem::rename(tmp, to, ec);
  if (ec) return Status::error(ec.message());
  return Status::ok();
}

Result<MediaFile> read_media_file(const std::filesystem::path& content_dir, const std::string& path) {
  if (!image_content_type(path)) {
    return Status::error(fmt::format("image '{}' is not a png, jpg, gif, webp, svg or avif file", path));
  }
  auto m = stat_media_file(content_dir, path);
  if (!m) return Status::error(fmt::format("image '{}' not found", path));
  if (m->size > kMaxImageBytes) {
    return Status::error(fmt::format("image '{}' is {:.1f} MB; images are limited to {} MB", path,
                                     static_cast<double>(m->size) / (1024.0 * 1024.0), kMaxImageBytes / (1024 * 1024)));
  }
  std::ifstream in(content_dir / path, std::ios::binary);
  std::string bytes(m->size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return Status::error(fmt::format("image '{}' could not be read", path));
  m->hash = sha256_hex(bytes);
  return *m;
}

}  // namespace kb
