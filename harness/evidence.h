// Evidence for a violation, the way a Jepsen checker gives a minimal witness:
// the client request that saw it, the registry's storage requests that served
// it (matched by time and blob path in the fake's event log), the model's
// decisions behind them (stale listing replicas, held-back rows, cuts…), and
// the registry's own log lines naming the blob.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/history.h"

namespace stalemate::harness {

struct EvidenceSources {
  const std::vector<nlohmann::json>* events = nullptr;  // the fake's event log
  std::int64_t store_wall_start_us = 0;                 // wall clock of store time 0
  std::vector<std::string> registry_log_paths;
  // Resolves a blob's storage path to its DLO segment prefix ("" if none).
  std::function<std::string(const std::string& blob_path)> segment_prefix;
};

// {"blob_path", "segment_prefix", "storage_requests": [...], "decisions": [...], "registry_log": [...]}
nlohmann::json build_evidence(const Violation& violation, const std::vector<RequestRecord>& requests,
                              const EvidenceSources& sources);

}  // namespace stalemate::harness
