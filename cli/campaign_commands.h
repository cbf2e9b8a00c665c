// The commands that drive many runs or render reports: sweep, merge, report.
// Each takes the arguments after the command name and returns the exit code
// (throwing InputError for bad input, as main expects).
#pragma once

#include <string>
#include <vector>

namespace stalemate::cli {

int cmd_sweep(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);

extern const char* const kCampaignUsage;

}  // namespace stalemate::cli
