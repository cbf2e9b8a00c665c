// Checker: whatever was acknowledged with 201 reads back intact later (I7).
// Over operations: every verify read of a blob or manifest whose push
// completed ok must itself complete ok.
#include "harness/checkers.h"

#include <set>
#include <utility>

namespace stalemate::harness {

CheckResult check_acknowledged(const HistoryView& h) {
  std::set<std::pair<std::string, std::string>> acked;  // (repository, digest)
  for (const auto& op : h.operations)
    if ((op.f == "push-blob" || op.f == "push-manifest") && op.outcome == OpOutcome::Ok)
      acked.emplace(op.repository, op.key);
  std::vector<Violation> out;
  for (const auto& op : h.operations) {
    const bool blob = op.f == "verify-blob";
    if ((!blob && op.f != "verify-manifest") || op.outcome == OpOutcome::Ok || op.outcome == OpOutcome::Pending) continue;
    if (!acked.count({op.repository, op.key})) continue;
    Violation v;
    v.invariant = "acknowledged-readable";
    v.message = std::string(blob ? "blob " : "manifest ") + op.repository + "@" + short_digest(op.key) +
                " was acknowledged with 201 but does not read back intact: " + op.error;
    if (op.last_request < h.requests.size()) {
      const auto& r = h.requests[op.last_request];
      v.request_index = op.last_request;
      v.method = r.method;
      v.url = r.url;
      v.bytes_received = r.bytes_received;
    }
    v.response_headers = op.last_headers;
    v.expected_size = op.size;
    v.expected_digest = op.key;
    v.checker = "acknowledged-readable";
    v.order = op.seq * 16;
    out.push_back(std::move(v));
  }
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
