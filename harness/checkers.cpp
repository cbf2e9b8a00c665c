#include "harness/checkers.h"

#include <algorithm>

namespace stalemate::harness {

HistoryView view_of(const History& history) {
  return {history.requests(), history.operations(), history.facts()};
}

const std::vector<NamedChecker>& invariant_checkers() {
  static const std::vector<NamedChecker> all{
      {"blob-read", check_blob_read},         {"range-bytes", check_range_bytes},
      {"head-size", check_head_size},         {"manifest-digest", check_manifest_digest},
      {"digest-header", check_digest_header}, {"acknowledged-readable", check_acknowledged},
  };
  return all;
}

Violation violation_at(const Fact& fact, const Finding& finding, const char* checker, std::size_t pos) {
  Violation v;
  v.invariant = finding.invariant;
  v.message = finding.message;
  v.request_index = fact.request_index;
  v.method = fact.seen.method;
  v.url = fact.seen.url;
  v.response_headers = fact.headers;
  v.bytes_received = fact.seen.bytes_received;
  v.expected_size = fact.expected.size;
  v.expected_digest = fact.expected.digest;
  v.seen_digest = fact.seen.seen_digest;
  v.checker = checker;
  v.order = fact.seq * 16 + pos;
  return v;
}

CheckResult result_of(std::vector<Violation> findings) {
  CheckResult r;
  r.verdict = findings.empty() ? Verdict::Pass : Verdict::Fail;
  r.findings = std::move(findings);
  return r;
}

void keep_findings(const Fact& fact, const std::vector<Finding>& all, const std::string& invariant, const char* checker,
                   std::vector<Violation>& out) {
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i].invariant == invariant) out.push_back(violation_at(fact, all[i], checker, i));
}

HistoryCheck check_history(const HistoryView& h) {
  HistoryCheck out;
  for (const auto& c : invariant_checkers()) {
    auto r = c.check(h);
    out.verdict = reports::merge(out.verdict, r.verdict);
    out.tallies.push_back({c.name, r.verdict, r.findings.size()});
    for (auto& v : r.findings) out.violations.push_back(std::move(v));
  }
  std::stable_sort(out.violations.begin(), out.violations.end(),
                   [](const Violation& a, const Violation& b) { return a.order < b.order; });
  return out;
}

reports::RunVerdict run_verdict(const HistoryCheck& check, std::size_t failed_operations, bool must_complete) {
  reports::RunVerdict v;
  v.verdict = check.verdict;
  v.checkers = check.tallies;
  v.violations = check.violations.size();
  for (const auto& f : check.violations) ++v.by_invariant[f.invariant];
  v.failed_operations = failed_operations;
  v.workload_must_complete = must_complete;
  if (failed_operations > 0 && must_complete) v.verdict = reports::merge(v.verdict, Verdict::Fail);
  return v;
}

HistoryCheck check_history(const History& h) { return check_history(view_of(h)); }

std::vector<Violation> violations_of(const History& h) { return check_history(h).violations; }

}  // namespace stalemate::harness
