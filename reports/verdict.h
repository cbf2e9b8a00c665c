// A run's verdict as data (Jepsen's :valid? true / false / :unknown): the
// checkers each return one, they merge by priority, and the text, JSON and
// JUnit forms are rendered from it — nothing reads a verdict string back.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace stalemate::reports {

// Ordered by priority: merging keeps the worst (jepsen checker.clj
// valid-priorities: true 0, :unknown 0.5, false 1).
enum class Verdict { Pass, Unknown, Fail };

Verdict merge(Verdict a, Verdict b);
const char* verdict_name(Verdict v);  // "pass", "unknown", "fail"

// One checker's part of the verdict.
struct CheckerTally {
  std::string name;  // e.g. "blob-read"
  Verdict verdict = Verdict::Pass;
  std::size_t findings = 0;
};

struct RunVerdict {
  Verdict verdict = Verdict::Pass;  // the checkers merged, and the workload's completion when it must complete
  std::vector<CheckerTally> checkers;
  std::map<std::string, std::size_t> by_invariant;  // findings per invariant
  std::size_t violations = 0;                       // findings of every checker
  std::size_t failed_operations = 0;                // workload steps that did not complete
  bool workload_must_complete = true;               // the scenario's fail_on_errors
  // An infrastructure failure: the run could not be carried out (no verdict).
  bool infrastructure = false;
  // Stopped by a signal (Ctrl-C) before it finished: no verdict either.
  bool aborted = false;
  std::string infrastructure_error;  // what stopped it (infrastructure or aborted)
};

// What a patch author reads first: how the run went, in one word.
enum class Outcome {
  Clean,           // every invariant held and every operation completed
  Integrity,       // a digest invariant broke: wrong bytes, wrong length, an acknowledged blob lost
  Availability,    // a push or pull failed, but every invariant held
  Infrastructure,  // the run could not be carried out (a child died, Ctrl-C): no finding either way
};
Outcome outcome_of(const RunVerdict& v);
const char* outcome_name(Outcome o);  // "clean", "integrity", "availability", "infrastructure"

// "FAIL: 2 invariant violation(s)", "PASS: every invariant held", …
std::string render_verdict_line(const RunVerdict& v);
// "blob-digest×2,head-size×1" ("" when none).
std::string render_invariant_counts(const RunVerdict& v);
// {"verdict": "fail", "violations": 2, "failed_operations": 0, "checkers": {"blob-read": {"verdict": "fail", "findings": 2}}, …}
nlohmann::json verdict_json(const RunVerdict& v);
// The inverse of verdict_json, for drivers that read a child run's report.json.
RunVerdict verdict_from_json(const nlohmann::json& j);

}  // namespace stalemate::reports
