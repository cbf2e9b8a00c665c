// The sweep's progress: a bar redrawn in place on a terminal (done/total,
// failures so far, ETA), one plain line per finished run otherwise (CI logs).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace stalemate::campaign {

class Progress {
 public:
  Progress(std::size_t total, bool terminal);
  // A run ended: line is its one-line description.
  void finished(const std::string& line, bool failed);
  // Leaves the bar's line (terminal) before the closing text.
  void close();
  // "ETA 1m05s" from the time so far (text only; "" before the first run ends).
  static std::string eta_text(double elapsed_s, std::size_t done, std::size_t total);
  static std::string bar_text(std::size_t done, std::size_t total, std::size_t failures, const std::string& eta,
                              std::size_t width);

 private:
  std::size_t total_, done_ = 0, failures_ = 0;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace stalemate::campaign
