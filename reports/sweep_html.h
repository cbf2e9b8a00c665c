// A sweep's report.html: a heatmap of the failure rate over the first two
// parameters, a line of each output of interest over the first parameter
// (a band over the seeds; one line per value of the second parameter), the
// sortable table of every run, and the replay command of each failing run.
// Rendered from sweep.json (the manifest) and the rows alone.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::reports {

std::string render_sweep_html(const nlohmann::json& manifest, const std::vector<nlohmann::json>& rows);

// Wilson score interval (95 %) for k of n: {lo, hi}; {0, 1} when n is 0.
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

}  // namespace stalemate::reports
