// A sweep file: one base scenario, the parameters to vary (any scenario value
// addressed by JSON pointer, given as a list or a range), how they combine
// (crossed or zipped), the seeds, and the outputs of interest. Read strictly
// (unknown keys are errors naming file and JSON pointer); expanding it gives
// the cells, each a complete scenario that was parsed and planned before
// anything runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::campaign {

struct SweepParameter {
  std::string name;     // column name: "name" or the pointer's last token
  std::string pointer;  // JSON pointer into the scenario
  std::vector<nlohmann::json> values;  // what is written into the scenario
  std::vector<std::string> labels;     // how each value is shown ("4MiB", "2s", "true")
  std::vector<double> numeric;         // for plots: bytes, seconds or the number; index when not numeric
  bool is_numeric = false;
  bool log_scale = false;  // a log range: plot on a log axis
};

struct SweepDefinition {
  std::string file;             // where it was read from ("" inline)
  std::string name;
  nlohmann::json base;          // the base scenario (file read, or inline)
  std::string base_file;        // the base's path ("" inline)
  std::vector<SweepParameter> parameters;
  bool zip = false;             // false: every combination; true: the i-th values together
  std::vector<std::uint64_t> seeds;
  std::vector<std::string> outputs;  // row columns to plot over the first parameter
  std::string hash;             // sha256 of the canonical definition (base inlined): shards must agree
};

// One point of the grid: a value index per parameter.
struct SweepCell {
  std::size_t index = 0;
  std::vector<std::size_t> value_index;  // per parameter
  nlohmann::json scenario;               // base with the values written in
  std::string id() const;                // "c003"
};

// One run: a cell at a seed.
struct SweepRun {
  std::size_t index = 0;  // position in the whole grid (cells × seeds), the unit of sharding
  std::size_t cell = 0;
  std::uint64_t seed = 0;
  std::string id() const;  // "c003-s2"
};

// Output columns a sweep may name in "outputs".
const std::vector<std::string>& known_outputs();

// Throws InputError naming the file and JSON pointer.
SweepDefinition load_sweep(const std::string& path);
SweepDefinition parse_sweep(const nlohmann::json& json, const std::string& file);

// The cells, each validated as a scenario (parse_scenario + make_run_plan):
// a bad value in the last cell is exit 2 before the first run starts.
std::vector<SweepCell> expand_cells(const SweepDefinition& sweep);
// Every run of the grid, in order (cell-major, then seed).
std::vector<SweepRun> all_runs(const SweepDefinition& sweep, const std::vector<SweepCell>& cells);

// "--shard i/n": i in 0..n-1. A run belongs to shard run.index % n.
struct Shard {
  std::size_t index = 0, count = 1;
  bool contains(const SweepRun& run) const { return run.index % count == index; }
};
Shard parse_shard(const std::string& text);  // throws InputError

}  // namespace stalemate::campaign
