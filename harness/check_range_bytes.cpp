// Checker: a 206's bytes are the true bytes at the offsets it claims (I3).
// The comparison streams as the body arrives (nothing holds a blob), so the
// client records where the first difference was as a RangeBytes fact.
#include "harness/checkers.h"

namespace stalemate::harness {

CheckResult check_range_bytes(const HistoryView& h) {
  std::vector<Violation> out;
  for (const auto& f : h.facts) {
    if (f.kind != FactKind::RangeBytes) continue;
    out.push_back(violation_at(f, {"range-bytes", describe_response(f.seen) + "; " + f.detail}, "range-bytes", 0));
  }
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
