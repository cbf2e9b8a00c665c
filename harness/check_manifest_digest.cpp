// Checker: a manifest read back by digest hashes to that digest, and by tag
// is the manifest pushed (I6).
#include "harness/checkers.h"

namespace stalemate::harness {

CheckResult check_manifest_digest(const HistoryView& h) {
  std::vector<Violation> out;
  for (const auto& f : h.facts)
    if (f.kind == FactKind::ManifestGet)
      keep_findings(f, check_manifest_get(f.expected, f.by_digest, f.seen), "manifest-digest", "manifest-digest", out);
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
