// Evidence for a violation, the way a Jepsen checker gives a minimal witness:
// the client operation that saw it, the registry's storage requests that
// served it, the model's decisions behind them (stale listing replicas,
// held-back rows, cuts…), and the registry's own log lines naming the blob.
//
// Storage requests are joined to the operation by keys: the blob digest and
// upload id that both the storage path and the client's URLs name (see
// storage_keys.h), within the event-log positions recorded around the
// operation's requests. A ±20 ms clock window is only the fallback when no
// positions were recorded, and the report says which join was used.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/history.h"

namespace stalemate::harness {

struct EvidenceSources {
  const std::vector<nlohmann::json>* events = nullptr;  // the fake's event log (index = log position)
  std::int64_t store_wall_start_us = 0;                 // wall clock of store time 0 (for the fallback)
  std::vector<std::string> registry_log_paths;
  // Resolves a blob's storage path to its DLO segment prefix ("" if none).
  std::function<std::string(const std::string& blob_path)> segment_prefix;
};

// {"blob_path", "segment_prefix", "join": "keys" | "clock-window (fallback)",
//  "storage_requests": [...], "decisions": [...], "registry_log": [...]}
nlohmann::json build_evidence(const Violation& violation, const std::vector<RequestRecord>& requests,
                              const EvidenceSources& sources);

// Operations that failed although their storage requests (joined by keys and
// event-log positions) were answered by a FAIL rule after applying them
// ("applied": true in the store's rules): the effect happened, so their
// outcome is unknown (jepsen :info), not fail. rules: Store::rules_json().
std::vector<OperationRecord> refine_outcomes(std::vector<OperationRecord> operations,
                                             const std::vector<RequestRecord>& requests,
                                             const std::vector<nlohmann::json>& events, const nlohmann::json& rules);

}  // namespace stalemate::harness
