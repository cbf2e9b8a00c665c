// Checkers over a finished history, one per property, each in its own file
// (check_*.cpp), the way TigerBeetle's cluster/*_checker.zig and Jepsen's
// checkers are written: a pure function from the history to a verdict and
// the findings that support it. check_history runs them all and merges the
// verdicts by priority (Fail > Unknown > Pass).
#pragma once

#include <string>
#include <vector>

#include "harness/history.h"
#include "reports/verdict.h"

namespace stalemate::harness {

using reports::Verdict;

struct CheckResult {
  Verdict verdict = Verdict::Pass;
  std::vector<Violation> findings;  // each a finding with its witness (the request that exposed it)
};

// What a checker reads: the history, finished.
struct HistoryView {
  std::vector<RequestRecord> requests;
  std::vector<OperationRecord> operations;
  std::vector<Fact> facts;
};
HistoryView view_of(const History& history);

// A blob read returns the descriptor's bytes: content-length, blob-length,
// blob-digest (single responses, 206 answers, and the bodies clients assemble).
CheckResult check_blob_read(const HistoryView& h);
// A 206's bytes are the true bytes at the offsets it claims: range-bytes.
CheckResult check_range_bytes(const HistoryView& h);
// A HEAD's size is the descriptor's: head-size.
CheckResult check_head_size(const HistoryView& h);
// A manifest reads back as pushed: manifest-digest.
CheckResult check_manifest_digest(const HistoryView& h);
// Docker-Content-Digest names what was asked for (or what was sent): docker-content-digest.
CheckResult check_digest_header(const HistoryView& h);
// What was acknowledged with 201 reads back intact later: acknowledged-readable.
CheckResult check_acknowledged(const HistoryView& h);

struct NamedChecker {
  const char* name;
  CheckResult (*check)(const HistoryView&);
};
const std::vector<NamedChecker>& invariant_checkers();

struct HistoryCheck {
  Verdict verdict = Verdict::Pass;
  std::vector<reports::CheckerTally> tallies;  // one per checker
  std::vector<Violation> violations;           // every finding, in history order
};
HistoryCheck check_history(const HistoryView& h);
HistoryCheck check_history(const History& h);
// The run's verdict: the checkers' merged with the workload's completion
// (failed_operations steps failed; they fail the run when it must complete).
reports::RunVerdict run_verdict(const HistoryCheck& check, std::size_t failed_operations, bool must_complete);
// The findings of every checker, in history order (tests and tools).
std::vector<Violation> violations_of(const History& h);

// ---- for the checkers
// A finding about a fact, with the fact's request as its witness. pos orders
// findings about one fact.
Violation violation_at(const Fact& fact, const Finding& finding, const char* checker, std::size_t pos);
// The result of a checker that found these (Fail when any).
CheckResult result_of(std::vector<Violation> findings);
// The findings of a pure check (blob_checks.h) about a fact whose invariant is `invariant`.
void keep_findings(const Fact& fact, const std::vector<Finding>& all, const std::string& invariant, const char* checker,
                   std::vector<Violation>& out);

}  // namespace stalemate::harness
