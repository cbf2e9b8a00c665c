// One row of a sweep's table: what a finished child run's report.json says
// (operations ok/failed, violations by kind, latencies, the front's peak
// filesystem use), plus the run's identity and wall time. Rows are JSON
// objects with the columns of row_columns(); CSV is rendered from them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::campaign {

// The metrics of a report: pushes_ok, pushes_failed, pulls_ok, pulls_failed,
// push_failure_rate, violations, violations_by_kind ({kind: n}), push/pull
// p50/p99 in ms (null without operations), spool/cache peak bytes (null
// without a front), verdict.
nlohmann::json metrics_from_report(const nlohmann::json& report);

// Nearest-rank percentile (p in 0..100) of values; null when empty.
nlohmann::json percentile(std::vector<double> values, double p);

// The CSV columns after the parameters: run, cell, <parameters…>, then these.
const std::vector<std::string>& metric_columns();

// "run,cell,<params>,seed,…" and one line per row (RFC 4180 quoting;
// violations_by_kind as "kind:n;kind:n").
std::string csv_header(const std::vector<std::string>& parameter_names);
std::string csv_line(const nlohmann::json& row, const std::vector<std::string>& parameter_names);

// Appends a line to a file and flushes it to disk (rows survive a kill).
void append_line(const std::filesystem::path& file, const std::string& line);

}  // namespace stalemate::campaign
