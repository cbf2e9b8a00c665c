#include "sim/model/name_ordinals.h"

#include <algorithm>
#include <cctype>

namespace stalemate::sim {

namespace {

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Length of the run of hex digits at s[pos].
std::size_t hex_run(std::string_view s, std::size_t pos) {
  std::size_t n = 0;
  while (pos + n < s.size() && is_hex(s[pos + n])) ++n;
  return n;
}

constexpr std::string_view kSegments = "segments/";

}  // namespace

bool is_uuid_at(std::string_view s, std::size_t pos) {
  static constexpr std::size_t kGroups[] = {8, 4, 4, 4, 12};
  if (pos + 36 > s.size()) return false;
  std::size_t at = pos;
  for (std::size_t g = 0; g < 5; ++g) {
    if (hex_run(s, at) < kGroups[g]) return false;
    at += kGroups[g];
    if (g < 4) {
      if (s[at] != '-') return false;
      ++at;
    }
  }
  // Not the start of a longer hex run (a digest is not a UUID).
  return (at == s.size() || !is_hex(s[at])) && (pos == 0 || !is_hex(s[pos - 1]));
}

std::string NameOrdinals::ordinal(std::map<std::string, std::uint64_t>& seen, std::string_view random,
                                  const char* kind) {
  const auto [it, fresh] = seen.emplace(std::string(random), seen.size() + 1);
  return std::string(kind) + "-" + std::to_string(it->second);
}

std::string NameOrdinals::canonical(std::string_view name) {
  // Every random part holds a run of at least 8 hex digits (a UUID's first
  // group; segment hashes and digests are longer): a name without one, as
  // most are, is already canonical.
  std::size_t longest = 0;
  for (std::size_t i = 0, run = 0; i < name.size() && longest < 8; ++i) {
    run = is_hex(name[i]) ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  if (longest < 8) return std::string(name);
  std::string out;
  out.reserve(name.size());
  std::size_t i = 0;
  while (i < name.size()) {
    // The Swift driver's segment folder: "segments/" + 3 hex + "/" + the rest of a
    // hex hash, in an object name or a listing's "?prefix=".
    if (name.compare(i, kSegments.size(), kSegments) == 0 && (i == 0 || name[i - 1] == '/' || name[i - 1] == '=')) {
      const std::size_t dir = i + kSegments.size();
      const std::size_t first = hex_run(name, dir);
      if (first == 3 && dir + 3 < name.size() && name[dir + 3] == '/') {
        const std::size_t rest = hex_run(name, dir + 4);
        if (rest >= 16) {
          const std::size_t end = dir + 4 + rest;
          out += ordinal(segments_, name.substr(i, end - i), "segments");
          i = end;
          continue;
        }
      }
    }
    if (digests_ && (i == 0 || !is_hex(name[i - 1]))) {
      // "ab/<digest>" (the blob store's fan-out folder) or a bare digest.
      const bool fanout = hex_run(name, i) == 2 && i + 3 < name.size() && name[i + 2] == '/' &&
                          hex_run(name, i + 3) == 64 && name.compare(i, 2, name, i + 3, 2) == 0;
      const std::size_t at = fanout ? i + 3 : i;
      if (hex_run(name, at) == 64) {
        out += ordinal(digests_seen_, name.substr(at, 64), "digest");
        i = at + 64;
        continue;
      }
    }
    if (is_uuid_at(name, i)) {
      out += ordinal(uploads_, name.substr(i, 36), "upload");
      i += 36;
      continue;
    }
    out += name[i];
    ++i;
  }
  return out;
}

}  // namespace stalemate::sim
