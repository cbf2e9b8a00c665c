#include "reports/suite_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace stalemate::reports {

namespace {

std::string padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

// The outcome a patch author reads first: the worst one any run had, with
// how many runs had it when there were several ("integrity 7/20").
std::string outcome_text(const SuiteCell& c) {
  const std::pair<const char*, int> worst[] = {
      {"infrastructure", c.infra}, {"integrity", c.integrity}, {"availability", c.availability}, {"clean", c.clean}};
  for (const auto& [word, n] : worst) {
    if (n == 0) continue;
    return c.runs > 1 ? std::string(word) + " " + std::to_string(n) + "/" + std::to_string(c.runs) : word;
  }
  return "-";
}

// "integrity: reproduced", "clean: fixed", "integrity 7/20, hit 5/20: present";
// a trailing " FAIL" marks a cell that fails the suite.
std::string cell_text(const SuiteCell& c) {
  std::string text = outcome_text(c);
  if (c.expects) {
    if (c.runs > 1) {
      const auto [low, high] = wilson_interval(c.reproduced, c.runs);
      text += ", hit " + std::to_string(c.reproduced) + "/" + std::to_string(c.runs) + " (95% " +
              std::to_string(std::lround(low * 100)) + "-" + std::to_string(std::lround(high * 100)) + "%)";
    }
    text += c.present() ? ": reproduced" : c.fixed() ? ": fixed" : ": unknown";
  }
  if (c.failed) text += " FAIL";
  return text;
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

SuiteSummary summarize(const std::vector<SuiteRow>& rows) {
  SuiteSummary summary;
  for (const auto& row : rows) {
    if (row.cells.empty()) continue;
    summary.has_baseline = row.cells.size() > 1;
    const auto& candidate = row.cells[0];
    const SuiteCell* baseline = summary.has_baseline ? &row.cells[1] : nullptr;
    if (candidate.expects) {
      ++summary.incidents;
      summary.fixed += candidate.fixed();
      summary.present += candidate.present();
      summary.fixed_from_baseline += baseline && candidate.fixed() && baseline->present();
    }
    // Newly failing: what the candidate fails besides the incidents it still shows.
    const bool fails_otherwise = candidate.failed > 0 && !candidate.present();
    if (baseline ? fails_otherwise && baseline->failed == 0 : fails_otherwise && !candidate.expects)
      ++summary.newly_failing;
  }
  return summary;
}

std::string render_suite_summary(const SuiteSummary& s) {
  std::string out = "incidents " + std::to_string(s.incidents) + ": " + std::to_string(s.fixed) + " fixed, " +
                    std::to_string(s.present) + " still present";
  if (s.has_baseline) out += " (" + std::to_string(s.fixed_from_baseline) + " fixed that the baseline shows)";
  out += "; newly failing: " + std::to_string(s.newly_failing) +
         (s.has_baseline ? " (the baseline passes them)" : " (checks and controls)");
  return out;
}

std::string render_suite_verdict(int exit_code) {
  return std::string("SUITE     ") +
         (exit_code == 0   ? "PASS: the candidate held every invariant and shows none of the incidents"
          : exit_code == 1 ? "FAIL: the candidate broke an invariant or still shows an incident"
                           : "ERROR: some runs could not be carried out");
}

}  // namespace stalemate::reports
