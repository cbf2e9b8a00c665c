#include "sim/model/event_log.h"

#include <stdexcept>

namespace stalemate::sim {

EventLog::~EventLog() { close_file(); }

void EventLog::open_file(const std::string& path) {
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot write event log " + path);
  for (const auto& e : events_) std::fprintf(file_, "%s\n", e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fflush(file_);
}

void EventLog::close_file() {
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void EventLog::clear() {
  std::lock_guard lock(mu_);
  events_.clear();
}

void EventLog::append(nlohmann::json event) {
  std::lock_guard lock(mu_);
  if (file_) {
    const std::string line = event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fprintf(file_, "%s\n", line.c_str());
    std::fflush(file_);
  }
  events_.push_back(std::move(event));
}

std::vector<nlohmann::json> EventLog::since(std::size_t first) const {
  std::lock_guard lock(mu_);
  if (first >= events_.size()) return {};
  return std::vector<nlohmann::json>(events_.begin() + static_cast<std::ptrdiff_t>(first), events_.end());
}

std::string EventLog::jsonl() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& e : events_) {
    out += e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

std::size_t EventLog::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

}  // namespace stalemate::sim
