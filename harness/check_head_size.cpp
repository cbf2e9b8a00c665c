// Checker: a 200 HEAD of a blob gives the descriptor size (I5).
#include "harness/checkers.h"

namespace stalemate::harness {

CheckResult check_head_size(const HistoryView& h) {
  std::vector<Violation> out;
  for (const auto& f : h.facts)
    if (f.kind == FactKind::BlobHead) keep_findings(f, check_blob_head(f.expected, f.seen), "head-size", "head-size", out);
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
