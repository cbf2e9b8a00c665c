#include "sim/swift/mime_types.h"

#include <map>

#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
// Checked against /usr/bin/python3 (Debian 12) mimetypes with /etc/mime.types.
const std::map<std::string, std::string>& types() {
  static const std::map<std::string, std::string> t = {
      {"txt", "text/plain"}, {"json", "application/json"}, {"html", "text/html"}, {"htm", "text/html"},
      {"css", "text/css"}, {"js", "text/javascript"}, {"mjs", "text/javascript"}, {"xml", "application/xml"},
      {"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
      {"svg", "image/svg+xml"}, {"pdf", "application/pdf"}, {"zip", "application/zip"},
      {"tgz", "application/x-tar"}, {"tar", "application/x-tar"}, {"csv", "text/csv"}, {"md", "text/markdown"},
      {"mp4", "video/mp4"}, {"mp3", "audio/mpeg"}, {"wasm", "application/wasm"},
      {"ico", "image/vnd.microsoft.icon"}, {"webp", "image/webp"}, {"sh", "text/x-sh"}, {"py", "text/x-python"},
      {"c", "text/x-csrc"}, {"h", "text/x-chdr"}, {"bin", "application/octet-stream"},
      {"iso", "application/x-iso9660-image"}, {"deb", "application/vnd.debian.binary-package"},
      {"rpm", "application/x-redhat-package-manager"}, {"rtf", "application/rtf"}, {"bmp", "image/bmp"},
      {"tif", "image/tiff"}, {"tiff", "image/tiff"}, {"mov", "video/quicktime"}, {"wav", "audio/x-wav"},
      {"ogg", "audio/ogg"}, {"webm", "video/webm"}, {"woff", "font/woff"}, {"woff2", "font/woff2"},
      {"ttf", "font/ttf"}, {"otf", "font/otf"}, {"jar", "application/java-archive"},
      {"7z", "application/x-7z-compressed"}, {"rar", "application/vnd.rar"}, {"doc", "application/msword"},
      {"xls", "application/vnd.ms-excel"}};
  return t;
}

// posixpath.splitext: the extension after the last '.' of the last path
// component, unless the component starts with it (".json" has none).
std::string extension(const std::string& name, std::size_t end) {
  const auto slash = name.rfind('/', end ? end - 1 : 0);
  const std::size_t base = slash == std::string::npos || slash >= end ? 0 : slash + 1;
  const auto dot = name.rfind('.', end ? end - 1 : 0);
  if (dot == std::string::npos || dot < base || dot >= end) return {};
  std::size_t first = base;
  while (first < end && name[first] == '.') ++first;
  if (dot < first) return {};
  return name.substr(dot + 1, end - dot - 1);
}
}  // namespace

std::string guess_content_type(const std::string& object_name) {
  std::size_t end = object_name.size();
  std::string ext = extension(object_name, end);
  // An encoding suffix (x.json.gz): the type comes from the extension before it.
  for (const char* enc : {"gz", "bz2", "xz", "br", "Z"}) {
    if (ext == enc) {
      end -= ext.size() + 1;
      ext = extension(object_name, end);
      break;
    }
  }
  if (ext.empty()) return "application/octet-stream";
  const auto& t = types();
  auto it = t.find(ext);
  if (it == t.end()) it = t.find(to_lower(ext));
  return it == t.end() ? "application/octet-stream" : it->second;
}

}  // namespace stalemate::sim::swift
