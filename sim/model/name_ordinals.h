// Request identities that line up across runs. The registry names uploads
// with a random UUID and its Swift driver names segment folders with a random
// hash, so "PUT registry/files/.../_uploads/<uuid>/data#1" differs from run to
// run and the seeded decisions keyed by it (replica write order, lag draws)
// would too. NameOrdinals replaces each such random name with its ordinal in
// this run ("upload-1", "segments-2"), numbered in order of first appearance:
// the same workload, run again with the same seed, takes the same decisions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace stalemate::sim {

class NameOrdinals {
 public:
  // Also replace each sha256 digest ("ab/<64 hex>" as in blob paths, or the
  // bare 64 hex digits) by its ordinal ("digest-1"): see ModelConfig::digest_ordinals.
  void set_digests(bool on) { digests_ = on; }
  // `name` with every registry-random part replaced by its ordinal.
  std::string canonical(std::string_view name);

 private:
  std::string ordinal(std::map<std::string, std::uint64_t>& seen, std::string_view random, const char* kind);

  std::map<std::string, std::uint64_t> uploads_;   // upload UUIDs
  std::map<std::string, std::uint64_t> segments_;  // "segments/abc/def…" folders
  std::map<std::string, std::uint64_t> digests_seen_;  // 64-hex digests (with digests_)
  bool digests_ = false;
};

// True when s[pos..pos+36) is a UUID (8-4-4-4-12 hex digits).
bool is_uuid_at(std::string_view s, std::size_t pos);

}  // namespace stalemate::sim
