// A trace becomes a scenario workload: its images (one per distinct push, layer bytes
// seeded by (trace id, token)), its setup events as plain steps in order, and
// its timed events as one parallel step whose branches are the trace's
// clients, each step carrying its offset ("at", divided by the speed; none at
// "max"). The runner, the checkers and the report then treat a replay like
// any scripted workload.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/workload/trace.h"

namespace stalemate::harness::workload {

struct ReplayOptions {
  double speed = 1.0;       // 2 = twice as fast; ignored when as_fast_as_possible
  bool as_fast_as_possible = false;
  double scale = 1.0;       // multiplies every layer size (at least 1 byte)
};

// The seed of a layer's bytes: a pure function of (trace id, token).
std::uint64_t token_seed(const std::string& trace_id, const std::string& token);

// {"images": [...], "steps": [...]} in scenario syntax, plus "replay": a
// summary for the report (trace, events, clients, speed, scale, skipped).
nlohmann::json compile_trace(const Trace& trace, const ReplayOptions& options);

// A scenario's workload object with "trace" (a path relative to the scenario
// file) or "generator" (see generators.h), "speed" and "scale": the same
// object with "images" and "steps" compiled in their place. Throws InputError
// naming the scenario file and pointer, or the trace file and line.
nlohmann::json expand_workload_source(const JsonReader& workload, const std::string& scenario_file);
bool has_workload_source(const JsonReader& workload);

}  // namespace stalemate::harness::workload
