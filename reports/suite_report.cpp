#include "reports/suite_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace stalemate::reports {

namespace {

std::string padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// "FAIL 7/20": runs that broke an invariant; "hit 5/20": runs where the
// scenario's expected outcome (its "expect") happened.
std::string cell_text(const SuiteCell& c) {
  char cell[64];
  const char* word = c.failed ? "FAIL" : "pass";
  if (c.infra) std::snprintf(cell, sizeof cell, "ERROR (%d/%d)", c.infra, c.runs);
  else if (c.runs > 1 && c.expects)
  {
    const auto [low, high] = wilson_interval(c.reproduced, c.runs);
    std::snprintf(cell, sizeof cell, "%s %d/%d hit %d/%d (95%% %d-%d%%)", word, c.failed, c.runs, c.reproduced,
                  c.runs, static_cast<int>(std::lround(low * 100)), static_cast<int>(std::lround(high * 100)));
  }
  else if (c.runs > 1) std::snprintf(cell, sizeof cell, "%s %d/%d", word, c.failed, c.runs);
  else if (c.expects) std::snprintf(cell, sizeof cell, "%s%s", word, c.reproduced ? " (reproduced)" : " (not reproduced)");
  else std::snprintf(cell, sizeof cell, "%s", word);
  return cell;
}

}  // namespace

std::pair<double, double> wilson_interval(int k, int n) {
  if (n <= 0) return {0.0, 1.0};
  constexpr double z = 1.959964;  // 95 %
  const double p = static_cast<double>(k) / n, z2n = z * z / n;
  const double centre = (p + z2n / 2) / (1 + z2n);
  const double half = z / (1 + z2n) * std::sqrt(p * (1 - p) / n + z2n / (4.0 * n));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string render_suite_table(const std::vector<std::string>& binaries, const std::vector<SuiteRow>& rows) {
  std::string out = "\n" + std::string(100, '-') + "\n";
  out += padded("scenario", 34) + " " + padded("kind", 11);
  for (const auto& b : binaries) out += " " + padded(b, 38);
  out += "\n";
  for (const auto& row : rows) {
    out += padded(row.scenario.substr(0, 34), 34) + " " + padded(row.kind, 11);
    for (const auto& c : row.cells) out += " " + padded(cell_text(c), 38);
    out += "\n";
  }
  return out;
}

std::string render_case_line(const std::string& binary, const std::string& scenario, bool control,
                             std::uint64_t seed, const RunVerdict& verdict, double seconds) {
  const std::string counts = render_invariant_counts(verdict);
  return "  " + binary + "  " + scenario + (control ? " [control]" : "") + "  seed " + std::to_string(seed) + "  " +
         render_verdict_line(verdict) + (counts.empty() ? "" : " (" + counts + ")") + "  " +
         std::to_string(static_cast<int>(seconds)) + "s";
}

std::string render_suite_verdict(int exit_code) {
  return std::string("SUITE     ") + (exit_code == 0   ? "PASS: the candidate held every invariant"
                                     : exit_code == 1 ? "FAIL: the candidate broke an invariant"
                                                      : "ERROR: some runs could not be carried out");
}

}  // namespace stalemate::reports
