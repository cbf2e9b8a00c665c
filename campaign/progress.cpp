#include "campaign/progress.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace stalemate::campaign {

Progress::Progress(std::size_t total, bool terminal)
    : total_(total), terminal_(terminal), start_(std::chrono::steady_clock::now()) {}

std::string Progress::eta_text(double elapsed_s, std::size_t done, std::size_t total) {
  if (done == 0 || done >= total) return "";
  const auto left = static_cast<long long>(std::llround(elapsed_s / static_cast<double>(done) * (total - done)));
  char buf[48];
  if (left >= 3600) std::snprintf(buf, sizeof buf, "ETA %lldh%02lldm", left / 3600, left % 3600 / 60);
  else if (left >= 60) std::snprintf(buf, sizeof buf, "ETA %lldm%02llds", left / 60, left % 60);
  else std::snprintf(buf, sizeof buf, "ETA %llds", left);
  return buf;
}

std::string Progress::bar_text(std::size_t done, std::size_t total, std::size_t failures, const std::string& eta,
                               std::size_t width) {
  const std::size_t filled = total ? done * width / total : width;
  std::string bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
  bar += std::to_string(done) + "/" + std::to_string(total) + "  failures " + std::to_string(failures);
  if (!eta.empty()) bar += "  " + eta;
  return bar;
}

void Progress::finished(const std::string& line, bool failed) {
  ++done_;
  failures_ += failed;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto eta = eta_text(elapsed, done_, total_);
  if (terminal_) {
    // The run's line scrolls up; the bar stays on the last line.
    std::cerr << "\r\033[K" << line << "\n" << bar_text(done_, total_, failures_, eta, 30) << std::flush;
  } else {
    std::cerr << "sweep " << done_ << "/" << total_ << " " << line << (eta.empty() ? "" : "  (" + eta + ")") << "\n";
  }
}

void Progress::close() {
  if (terminal_) std::cerr << "\n";
}

}  // namespace stalemate::campaign
