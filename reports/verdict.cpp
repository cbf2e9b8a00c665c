#include "reports/verdict.h"

#include <nlohmann/json.hpp>

namespace stalemate::reports {

Verdict merge(Verdict a, Verdict b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Unknown: return "unknown";
    case Verdict::Fail: return "fail";
  }
  return "?";
}

std::string render_verdict_line(const RunVerdict& v) {
  if (v.aborted) return "ABORTED: " + v.infrastructure_error;
  if (v.infrastructure) return "ERROR: infrastructure: " + v.infrastructure_error;
  if (v.violations > 0) return "FAIL: " + std::to_string(v.violations) + " invariant violation(s)";
  if (v.failed_operations > 0 && v.workload_must_complete)
    return "FAIL: the workload did not complete (" + std::to_string(v.failed_operations) + " failed operation(s))";
  if (v.verdict == Verdict::Unknown) return "UNKNOWN: no invariant broke, but some could not be decided";
  return "PASS: every invariant held";
}

std::string render_invariant_counts(const RunVerdict& v) {
  std::string out;
  for (const auto& [k, n] : v.by_invariant) out += (out.empty() ? "" : ",") + k + "×" + std::to_string(n);
  return out;
}

Outcome outcome_of(const RunVerdict& v) {
  if (v.infrastructure || v.aborted) return Outcome::Infrastructure;
  if (v.violations > 0) return Outcome::Integrity;
  if (v.failed_operations > 0) return Outcome::Availability;
  return Outcome::Clean;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Clean: return "clean";
    case Outcome::Integrity: return "integrity";
    case Outcome::Availability: return "availability";
    case Outcome::Infrastructure: return "infrastructure";
  }
  return "?";
}

nlohmann::json verdict_json(const RunVerdict& v) {
  nlohmann::json checkers = nlohmann::json::object();
  for (const auto& c : v.checkers) checkers[c.name] = {{"verdict", verdict_name(c.verdict)}, {"findings", c.findings}};
  nlohmann::json j = {{"verdict", verdict_name(v.verdict)},
                      {"outcome", outcome_name(outcome_of(v))},
                      {"violations", v.violations},
                      {"failed_operations", v.failed_operations},
                      {"workload_must_complete", v.workload_must_complete},
                      {"by_invariant", v.by_invariant},
                      {"checkers", std::move(checkers)}};
  if (v.infrastructure) j["infrastructure_error"] = v.infrastructure_error;
  if (v.aborted) j["aborted"] = v.infrastructure_error;
  return j;
}

RunVerdict verdict_from_json(const nlohmann::json& j) {
  RunVerdict v;
  auto verdict_of = [](const std::string& name) {
    return name == "fail" ? Verdict::Fail : name == "unknown" ? Verdict::Unknown : Verdict::Pass;
  };
  v.verdict = verdict_of(j.value("verdict", "pass"));
  v.violations = j.value("violations", std::size_t{0});
  v.failed_operations = j.value("failed_operations", std::size_t{0});
  v.workload_must_complete = j.value("workload_must_complete", true);
  if (j.contains("by_invariant")) v.by_invariant = j.at("by_invariant").get<std::map<std::string, std::size_t>>();
  if (j.contains("checkers"))
    for (const auto& [name, c] : j.at("checkers").items())
      v.checkers.push_back({name, verdict_of(c.value("verdict", "pass")), c.value("findings", std::size_t{0})});
  if (j.contains("infrastructure_error")) {
    v.infrastructure = true;
    v.infrastructure_error = j.value("infrastructure_error", "");
  }
  if (j.contains("aborted")) {
    v.aborted = true;
    v.infrastructure_error = j.value("aborted", "");
  }
  return v;
}

}  // namespace stalemate::reports
