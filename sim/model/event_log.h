// The fake's event log: one JSON object per request served, with the model's
// decisions, kept in memory (for evidence correlation and the control
// endpoint) and optionally streamed to a JSONL file, flushed per line so an
// interrupted run loses nothing. Events are kept as their JSONL lines (what
// the file has, byte for byte): a line costs one allocation where a json tree
// costs dozens, and readers that want objects parse them back (since()).
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
  void append(const nlohmann::json& event);
  // One event already serialised as dump(-1, ' ', false, replace) writes it
  // (sim/model/json_text.h), without the newline.
  void append_line(std::string line);
  std::vector<nlohmann::json> since(std::size_t first) const;  // events[first..], parsed
  std::size_t size() const;
  // Every event as the JSONL file has it (one line each).
  std::string jsonl() const;
  std::uint64_t jsonl_bytes() const;  // jsonl().size(), without building it

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
  std::uint64_t bytes_ = 0;
  std::FILE* file_ = nullptr;
};

}  // namespace stalemate::sim
