// One client request as the model sees it: its replayable identity, the fault
// rules that fired for it, the request-level faults the front-end must apply,
// and the decisions taken while serving it (for the event log).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/model/fault_rules.h"

namespace stalemate::sim {

struct RequestContext {
  RequestInfo info;
  std::uint64_t seq = 0;     // request number within the store
  std::string identity;      // "GET registry/files/...#3": method, target, occurrence
  std::int64_t t_us = 0;     // store time when it began
  std::vector<std::shared_ptr<const FaultRule>> rules;  // rules that fired for it

  // Request-level faults, applied by the front-end.
  std::optional<int> fail_status;
  bool fail_applied = false;  // with fail_status: run the operation, then answer the failure
  bool fail_error_in_200 = false;  // S3: the failure travels as a 200 with an <Error> body
  std::optional<std::uint64_t> cut_after;
  bool credentials_expired = false;  // an EXPIRE rule fired: reject the credentials (401)

  nlohmann::json decisions = nlohmann::json::array();
  std::uint64_t inner = 0;  // inner reads/listings so far (each gets its own seeded choice)

  void note(nlohmann::json decision) { decisions.push_back(std::move(decision)); }
  // Rules of one kind that fired for this request.
  std::vector<const FaultRule*> fired(FaultKind kind) const;
};

inline std::vector<const FaultRule*> RequestContext::fired(FaultKind kind) const {
  std::vector<const FaultRule*> out;
  for (const auto& r : rules)
    if (r->kind() == kind) out.push_back(r.get());
  return out;
}

}  // namespace stalemate::sim
