// The keys that tie a storage request to a client operation (evidence by
// keys, not by clock): the blob digest and the upload id.
//  - Storage paths (Swift: files/docker/registry/v2/blobs/sha256/ab/<hex>/data,
//    …/repositories/<repo>/_uploads/<uuid>/…, …/_layers/sha256/<hex>/link, and
//    DLO segments segments/<3 hex>/<hex(upload path) + hex(random) + sha1>/%016d,
//    whose name spells the upload path in hex; S3: the same layout as bucket
//    keys, without files/).
//  - Client request URLs (/v2/<repo>/blobs/sha256:<hex>, /blobs/uploads/<uuid>,
//    ?digest=sha256:<hex>).
//  - Tags: …/repositories/<repo>/_manifests/tags/<tag>/… and the URL
//    /v2/<repo>/manifests/<tag> both give "<repo>:<tag>" (a stale tag read, M10).
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace stalemate::harness {

struct StorageKeys {
  std::set<std::string> digests;  // "<hex>" (sha256, 64 hex digits)
  std::set<std::string> uploads;  // upload ids (the registry's UUIDs)
  std::set<std::string> tags;     // "<repo>:<tag>"

  bool empty() const { return digests.empty() && uploads.empty() && tags.empty(); }
  bool intersects(const StorageKeys& o) const;
  void add(const StorageKeys& o);
};

// Keys named by a storage object path or listing prefix.
StorageKeys keys_of_storage_path(std::string_view path);
// Keys named by a registry API URL.
StorageKeys keys_of_request_url(std::string_view url);

}  // namespace stalemate::harness
