// What a finished exploration run showed, as a kind that shrinking must keep:
// an integrity break names its invariant ("integrity: blob-digest"), a failed
// operation its request and answer ("availability: push-commit PUT 404
// BLOB_UPLOAD_INVALID"). A shrink that turns one kind into another (a
// blob-digest violation into a plain push failure) is a different bug.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::campaign::explore {

struct Finding {
  enum class Outcome { Clean, Integrity, Availability, Infrastructure };
  Outcome outcome = Outcome::Clean;
  std::string kind;                     // "" when clean
  std::vector<std::string> invariants;  // every invariant broken (integrity)
  std::string invariant;                // the first one (integrity)
  std::string signature;                // "push-commit PUT 404 BLOB_UPLOAD_INVALID" (availability)
  std::string first_error;              // the first failed operation's error line
  std::size_t requests = 0;             // client requests of the run

  bool failed() const { return outcome == Outcome::Integrity || outcome == Outcome::Availability; }
};

// Reads a finished run's report (null: the run wrote none; exit_code says why).
Finding classify(const nlohmann::json& report, int exit_code);

// Whether `candidate` shows the same bug as `target`: the same invariant
// broken, or the same failed request with the same answer.
bool same_kind(const Finding& target, const Finding& candidate);

// "returned 404 (expected 201): {"errors":[{"code":"BLOB_UPLOAD_INVALID"": a
// piece of the first error that names the failure and nothing run-specific
// (upload ids, digests), for a saved scenario's expect.error_text.
std::string error_text_of(const std::string& error);

// The saved scenario's "expect" for a finding.
nlohmann::json expect_of(const Finding& f);

}  // namespace stalemate::campaign::explore
