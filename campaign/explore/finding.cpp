#include "campaign/explore/finding.h"

#include <algorithm>
#include <regex>

namespace stalemate::campaign::explore {

namespace {

// "push … (buildkit): push-commit: PUT /v2/… returned 404 (expected 201): {…"code":"X"…"
std::string signature_of(const std::string& error) {
  static const std::regex request(R"(: ([a-z][a-z-]*): ([A-Z]+) \S+ returned (\d+))");
  static const std::regex code(R"re("code":"([A-Z_]+)")re");
  std::smatch m;
  std::string sig;
  if (std::regex_search(error, m, request)) sig = m[1].str() + " " + m[2].str() + " " + m[3].str();
  else sig = error.substr(0, std::min<std::size_t>(error.size(), 60));  // a failure without a request line
  if (std::regex_search(error, m, code)) sig += " " + m[1].str();
  return sig;
}

}  // namespace

Finding classify(const nlohmann::json& report, int exit_code) {
  Finding f;
  if (!report.is_object() || report.value("aborted", false)) {
    f.outcome = Finding::Outcome::Infrastructure;
    f.kind = "infrastructure (exit " + std::to_string(exit_code) + ")";
    return f;
  }
  f.requests = report.value("/counts/requests"_json_pointer, 0);
  for (const auto& v : report.value("violations", nlohmann::json::array())) {
    if (v.value("after_process_death", false)) continue;
    const std::string inv = v.value("invariant", "");
    if (std::find(f.invariants.begin(), f.invariants.end(), inv) == f.invariants.end()) f.invariants.push_back(inv);
  }
  const auto errors = report.value("errors", nlohmann::json::array());
  if (!errors.empty() && errors[0].is_string()) f.first_error = errors[0].get<std::string>();
  const std::string outcome = report.value("outcome", "clean");
  if (outcome == "infrastructure") {
    f.outcome = Finding::Outcome::Infrastructure;
    f.kind = "infrastructure (exit " + std::to_string(exit_code) + ")";
  } else if (!f.invariants.empty()) {
    f.outcome = Finding::Outcome::Integrity;
    f.invariant = f.invariants.front();
    f.kind = "integrity: " + f.invariant;
  } else if (!f.first_error.empty()) {
    f.outcome = Finding::Outcome::Availability;
    f.signature = signature_of(f.first_error);
    f.kind = "availability: " + f.signature;
  }
  return f;
}

bool same_kind(const Finding& target, const Finding& candidate) {
  if (target.outcome != candidate.outcome) return false;
  if (target.outcome == Finding::Outcome::Integrity)
    return std::find(candidate.invariants.begin(), candidate.invariants.end(), target.invariant) !=
           candidate.invariants.end();
  if (target.outcome == Finding::Outcome::Availability) return candidate.signature == target.signature;
  return false;
}

std::string error_text_of(const std::string& error) {
  const auto from = error.find("returned ");
  if (from == std::string::npos) return "";
  static const std::regex code(R"re("code":"[A-Z_]+")re");
  std::smatch m;
  const std::string rest = error.substr(from);
  if (std::regex_search(rest, m, code)) return rest.substr(0, m.position(0) + m.length(0));
  const auto paren = rest.find(')');  // "returned 500 (expected 202)"
  return paren == std::string::npos ? rest.substr(0, 12) : rest.substr(0, paren + 1);
}

nlohmann::json expect_of(const Finding& f) {
  if (f.outcome == Finding::Outcome::Integrity) return {{"violations", {f.invariant}}};
  return {{"errors", true}, {"error_text", error_text_of(f.first_error)}};
}

}  // namespace stalemate::campaign::explore
