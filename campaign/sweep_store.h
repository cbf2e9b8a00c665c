// A sweep's output folder: sweep.json (the definition, its hash, the cells
// and which shard this is), rows.jsonl and rows.csv (one line per finished
// run, appended as runs end), report.html, and runs/<run id>/ (each child
// run's out dir). Also the merge of several shard folders into one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "campaign/sweep_def.h"

namespace stalemate::campaign {

// What sweep.json holds: enough to render the HTML and merge, without the sweep file.
nlohmann::json sweep_manifest(const SweepDefinition& sweep, const std::vector<SweepCell>& cells, std::size_t runs,
                              const std::optional<Shard>& shard, const std::optional<std::string>& registry);

// The rows of dir/rows.jsonl (a torn last line, from a kill, is skipped).
std::vector<nlohmann::json> read_rows(const std::filesystem::path& dir);
// Throws InputError when dir has no sweep.json.
nlohmann::json read_manifest(const std::filesystem::path& dir);

// Rewrites rows.jsonl and rows.csv with these rows (atomically), sorted by run index.
void write_rows(const std::filesystem::path& dir, const nlohmann::json& manifest, std::vector<nlohmann::json> rows);
// Appends one row to rows.jsonl and rows.csv.
void append_row(const std::filesystem::path& dir, const nlohmann::json& manifest, const nlohmann::json& row);
// Renders dir/report.html from sweep.json and rows.jsonl; returns its path.
std::filesystem::path render_report(const std::filesystem::path& dir);

// Joins shard folders into out: refuses folders of different sweeps (hash)
// and runs present twice with different results. Returns the number of rows.
std::size_t merge_shards(const std::vector<std::filesystem::path>& dirs, const std::filesystem::path& out);

}  // namespace stalemate::campaign
