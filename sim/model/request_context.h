// One client request as the model sees it: its replayable identity, the fault
// rules that fired for it, the request-level faults the front-end must apply,
// and the decisions taken while serving it (for the event log).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

  // The decisions so far as the event log writes them: JSON objects separated
  // by commas, without the brackets (the hot ones are written as text
  // directly, sim/model/json_text.h; the others are dumped when noted).
  std::string decisions_text;
  std::uint64_t inner = 0;  // inner reads/listings so far (each gets its own seeded choice)

  void note(const nlohmann::json& decision);
  // One decision already written as dump() would write it.
  void note_text(std::string_view object) {
    if (!decisions_text.empty()) decisions_text += ',';
    decisions_text += object;
  }
  nlohmann::json decisions() const;  // parsed: a json array
  // Rules of one kind that fired for this request.
  std::vector<const FaultRule*> fired(FaultKind kind) const;
};

inline void RequestContext::note(const nlohmann::json& decision) {
  if (!decisions_text.empty()) decisions_text += ',';
  decisions_text += decision.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline nlohmann::json RequestContext::decisions() const { return nlohmann::json::parse("[" + decisions_text + "]"); }

inline std::vector<const FaultRule*> RequestContext::fired(FaultKind kind) const {
  std::vector<const FaultRule*> out;
  for (const auto& r : rules)
    if (r->kind() == kind) out.push_back(r.get());
  return out;
}

}  // namespace stalemate::sim
