#include "harness/orphans.h"

#include <set>

namespace stalemate::harness {

nlohmann::json count_orphan_segments(const sim::Store& store, const std::string& account, const std::string& container) {
  const std::string kSegments = "segments/";
  // Segment prefixes some live manifest points at ("<container>/<prefix>"),
  // and those only an upload's manifest (_uploads/<id>/data) points at.
  std::set<std::string> referenced, by_blobs;
  for (const auto& name : store.debug_object_names(account, container, "")) {
    if (name.rfind(kSegments, 0) == 0) continue;
    const auto r = store.read_object(account, container, name, {.newest = true});
    if (!r.version) continue;
    const std::string manifest = r.version->manifest();
    if (manifest.rfind(container + "/", 0) != 0) continue;
    referenced.insert(manifest.substr(container.size() + 1));
    if (name.find("/_uploads/") == std::string::npos) by_blobs.insert(manifest.substr(container.size() + 1));
  }
  auto under = [](const std::set<std::string>& prefixes, const std::string& name) {
    for (const auto& p : prefixes)
      if (name.rfind(p + "/", 0) == 0) return true;
    return false;
  };
  std::uint64_t segments = 0, bytes = 0, upload_segments = 0, upload_bytes = 0;
  std::set<std::string> prefixes;
  for (const auto& name : store.debug_object_names(account, container, kSegments)) {
    const auto r = store.read_object(account, container, name, {.newest = true});
    const std::uint64_t size = r.version ? r.version->size() : 0;
    if (!under(referenced, name)) {
      ++segments;
      bytes += size;
      prefixes.insert(name.substr(0, name.rfind('/')));
    } else if (!under(by_blobs, name)) {  // held by an upload nobody finished: freed only by the purge
      ++upload_segments;
      upload_bytes += size;
    }
  }
  return {{"segments", segments},
          {"bytes", bytes},
          {"prefixes", prefixes},
          {"held_by_uploads", {{"segments", upload_segments}, {"bytes", upload_bytes}}}};
}

}  // namespace stalemate::harness
