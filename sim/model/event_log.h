// The fake's event log: one JSON object per request served, with the model's
// decisions, kept in memory (for evidence correlation and the control
// endpoint) and optionally streamed to a JSONL file, flushed per line so an
// interrupted run loses nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::sim {

class EventLog {
 public:
  EventLog() = default;
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Starts streaming to path (truncates). Throws std::runtime_error on failure.
  void open_file(const std::string& path);
  void close_file();
  // Forgets every event (a reused store's next run starts an empty log; see Store::reset).
  void clear();
  void append(nlohmann::json event);
  std::vector<nlohmann::json> since(std::size_t first) const;  // events[first..]
  std::size_t size() const;
  // Every event as the JSONL file has it (one line each), without copying them.
  std::string jsonl() const;

 private:
  mutable std::mutex mu_;
  std::vector<nlohmann::json> events_;
  std::FILE* file_ = nullptr;
};

}  // namespace stalemate::sim
