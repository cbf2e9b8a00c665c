// Static Large Objects (Swift's slo middleware): the manifest formats and
// their validation, without the store. The handlers are in slo_service.cpp.
//
// How an SLO manifest is kept, as Swift keeps it: the object's body is the
// stored manifest JSON (name, bytes, hash, content_type, last_modified per
// segment), its etag is the md5 of that JSON with "; slo_etag=<etag>" added
// (the container-update override Swift sends, so listings can show both),
// its Content-Type carries ";swift_bytes=<total>" (listings show the total),
// and its metadata holds X-Static-Large-Object: True and the sysmeta
// X-Object-Sysmeta-Slo-Etag / -Slo-Size. Every output strips the internal
// parameters (display_content_type, split_slo_etag).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stalemate::sim::swift {

inline constexpr std::size_t kSloMaxManifestSegments = 1000;
inline constexpr std::size_t kSloMaxManifestSize = 8 * 1024 * 1024;
inline constexpr const char* kSloHeader = "X-Static-Large-Object";
inline constexpr const char* kSloEtagSysmeta = "X-Object-Sysmeta-Slo-Etag";
inline constexpr const char* kSloSizeSysmeta = "X-Object-Sysmeta-Slo-Size";

// One entry of a manifest PUT body ("path" segments; "data" segments inline).
struct SloPutSegment {
  std::optional<std::string> path;  // "/container/object" as given
  std::optional<std::string> etag;
  std::optional<std::uint64_t> size_bytes;
  std::optional<std::string> range;  // "M-N", "M-", "-N" as given
  std::optional<std::string> data;   // decoded bytes of a data segment
};

// parse_and_validate_input: the segments, or the 400 body (one "Index i: …"
// line per problem, or "Manifest must be valid JSON.\n" / "… a list.\n").
struct SloPutParse {
  std::vector<SloPutSegment> segments;
  std::string error;  // "" when valid
  bool error_is_plain = true;  // the per-index errors are text/plain; the two JSON ones HTML
};
SloPutParse parse_slo_put_body(const std::string& body, const std::string& account,
                               const std::string& manifest_object_path);

// One segment of a stored manifest.
struct SloEntry {
  std::string name;  // "/container/object"
  std::uint64_t bytes = 0;
  std::string hash;
  std::string content_type;
  std::string last_modified;  // "2026-01-02T03:04:05.000000"
  std::optional<std::pair<std::uint64_t, std::uint64_t>> range;  // [first, last] inclusive
  bool sub_slo = false;
  std::optional<std::string> data;  // an inline data segment (decoded)

  std::uint64_t length() const;  // the bytes it contributes
};

std::string stored_manifest_json(const std::vector<SloEntry>& entries);  // json.dumps of data_for_storage
std::optional<std::vector<SloEntry>> parse_stored_manifest(const std::string& json);
// ?multipart-manifest=get&format=raw: the PUT format back (sorted keys).
std::string raw_manifest_json(const std::vector<SloEntry>& entries);
// md5 over each segment's hash (with ":range;" for ranged ones, md5 of the bytes for data).
std::string slo_etag(const std::vector<SloEntry>& entries);

// "text/plain;swift_bytes=12" -> "text/plain"; the listing's bytes from it.
std::string display_content_type(const std::string& stored);
std::optional<std::uint64_t> swift_bytes(const std::string& stored_content_type);
// "md5; slo_etag=abc" -> {"md5", "abc"}.
std::pair<std::string, std::string> split_slo_etag(const std::string& stored_etag);

// Python's base64 strict decode (nullopt when not valid base64) and encode.
std::optional<std::string> strict_b64decode(const std::string& s);

}  // namespace stalemate::sim::swift
