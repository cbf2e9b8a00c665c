// Account, container and object metadata taken from request headers, with
// Swift's constraints (constraints.check_metadata) and header-name casing.
#include <cstdlib>

#include "sim/swift/acl.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
// Container headers that are stored like metadata (and X-Remove-* able).
constexpr const char* kContainerSysHeaders[] = {"X-Container-Read", "X-Container-Write", "X-Container-Sync-To",
                                                "X-Container-Sync-Key", "X-Versions-Location",
                                                "X-History-Location"};

// check_metadata on the request's X-<type>-Meta-* headers; "" when fine.
std::string check_meta(const HttpRequest& req, const std::string& prefix) {
  std::size_t count = 0, size = 0;
  for (const auto& [k, v] : req.headers) {
    if (!istarts_with(k, prefix)) continue;
    const std::string key = k.substr(prefix.size());
    if (key.empty()) return "Metadata name cannot be empty";
    if (!valid_utf8_no_nul(key) || !valid_utf8_no_nul(v)) return "Metadata must be valid UTF-8";
    ++count;
    size += key.size() + v.size();
    if (key.size() > kMaxMetaNameLength) return "Metadata name too long: " + title_case(k);
    if (v.size() > kMaxMetaValueLength)
      return "Metadata value longer than " + std::to_string(kMaxMetaValueLength) + ": " + title_case(k);
    if (count > kMaxMetaCount) return "Too many metadata items; max " + std::to_string(kMaxMetaCount);
    if (size > kMaxMetaOverallSize) return "Total metadata too large; max " + std::to_string(kMaxMetaOverallSize);
  }
  return {};
}
}  // namespace

std::optional<Headers> metadata_changes(const HttpRequest& req, const std::string& type, HttpResponse& error) {
  const std::string prefix = "X-" + type + "-Meta-";
  const std::string remove_prefix = "X-Remove-" + type + "-Meta-";
  Headers changes;
  // The proxy cleans the ACL headers first (tempauth's clean_acl); a bad one is a 400 with its message.
  if (type == "Container")
    for (const char* h : {"X-Container-Read", "X-Container-Write"}) {
      if (!req.has_header(h)) continue;
      auto cleaned = clean_acl(h, req.header(h));
      if (const auto* bad = std::get_if<AclError>(&cleaned)) {
        error = error_response(400, bad->message);
        return std::nullopt;
      }
      changes[h] = std::get<std::string>(std::move(cleaned));
    }
  if (auto msg = check_meta(req, prefix); !msg.empty()) {
    error = error_response(400, msg);
    return std::nullopt;
  }
  for (const auto& [k, v] : req.headers) {
    if (istarts_with(k, prefix)) {
      changes[title_case(k)] = v;
    } else if (istarts_with(k, remove_prefix) && k.size() > remove_prefix.size()) {
      const std::string key = title_case(prefix + k.substr(remove_prefix.size()));
      if (!changes.count(key)) changes[key] = "";
    } else if (type == "Container") {
      for (const char* h : kContainerSysHeaders) {
        if (iequals(k, h) && !changes.count(h)) changes[h] = v;  // the ACLs are in, cleaned
        if (iequals(k, std::string("X-Remove-") + (h + 2)) && !req.has_header(h)) changes[h] = "";
      }
    }
  }
  return changes;
}

void add_metadata_headers(HttpResponse& res, const Headers& metadata) {
  for (const auto& [k, v] : metadata)  // sysmeta (SLO etag and size) never leaves the server
    if (!v.empty() && !istarts_with(k, "X-Object-Sysmeta-")) res.headers[k] = v;
}

bool valid_manifest_header(const std::string& value) {
  // dlo.py _validate_x_object_manifest_header
  const auto slash = value.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == value.size()) return false;
  if (value.find('?') != std::string::npos || value.find('&') != std::string::npos) return false;
  return value[slash + 1] != '/';
}

std::optional<Headers> object_metadata_from_request(const HttpRequest& req, std::int64_t now, HttpResponse& error) {
  if (auto msg = check_meta(req, "X-Object-Meta-"); !msg.empty()) {
    error = error_response(400, msg);
    return std::nullopt;
  }
  Headers md;
  for (const auto& [k, v] : req.headers)
    if (istarts_with(k, "X-Object-Meta-") && !v.empty()) md[title_case(k)] = v;
  for (const char* h : {"Content-Disposition", "Content-Encoding", "X-Object-Manifest"})
    if (req.has_header(h)) md[h] = req.header(h);

  // check_delete_headers: X-Delete-After becomes X-Delete-At.
  const std::int64_t now_secs = now / 1000000;
  if (req.has_header("X-Delete-After")) {
    const std::string v = req.header("X-Delete-After");
    auto n = parse_uint(v);
    if (!n) {
      error = error_response(400, v.rfind('-', 0) == 0 ? "X-Delete-After in past" : "Non-integer X-Delete-After");
      return std::nullopt;
    }
    md["X-Delete-At"] = std::to_string(now_secs + static_cast<std::int64_t>(std::min<std::uint64_t>(*n, 1ull << 40)));
  } else if (req.has_header("X-Delete-At")) {
    const std::string v = req.header("X-Delete-At");
    auto n = parse_uint(v);
    if (!n && v.rfind('-', 0) != 0) {
      error = error_response(400, "Non-integer X-Delete-At");
      return std::nullopt;
    }
    if (!n || *n < static_cast<std::uint64_t>(now_secs)) {
      error = error_response(400, "X-Delete-At in past");
      return std::nullopt;
    }
    md["X-Delete-At"] = std::to_string(*n);
  }
  return md;
}

bool is_expired(const ObjectVersion& v, std::int64_t now_micros) {
  auto it = v.metadata.find("X-Delete-At");
  if (it == v.metadata.end() || it->second.empty()) return false;
  auto at = parse_uint(it->second);
  return at && static_cast<std::int64_t>(*at) <= now_micros / 1000000;
}

}  // namespace stalemate::sim::swift
