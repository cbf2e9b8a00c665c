#include "sim/model/event_log.h"

#include <stdexcept>

namespace stalemate::sim {

EventLog::~EventLog() { close_file(); }

void EventLog::open_file(const std::string& path) {
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot write event log " + path);
  for (const auto& line : lines_) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
  }
  std::fflush(file_);
}

void EventLog::close_file() {
  std::lock_guard lock(mu_);
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

void EventLog::clear() {
  std::lock_guard lock(mu_);
  lines_.clear();
  bytes_ = 0;
}

void EventLog::append(const nlohmann::json& event) {
  append_line(event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void EventLog::append_line(std::string line) {
  std::lock_guard lock(mu_);
  if (file_) {
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fputc('\n', file_);
    std::fflush(file_);
  }
  bytes_ += line.size() + 1;
  lines_.push_back(std::move(line));
}

std::vector<nlohmann::json> EventLog::since(std::size_t first) const {
  std::lock_guard lock(mu_);
  std::vector<nlohmann::json> out;
  if (first >= lines_.size()) return out;
  out.reserve(lines_.size() - first);
  for (std::size_t i = first; i < lines_.size(); ++i) out.push_back(nlohmann::json::parse(lines_[i]));
  return out;
}

std::string EventLog::jsonl() const {
  std::lock_guard lock(mu_);
  std::string out;
  out.reserve(bytes_);
  for (const auto& line : lines_) {
    out += line;
    out += '\n';
  }
  return out;
}

std::uint64_t EventLog::jsonl_bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t EventLog::size() const {
  std::lock_guard lock(mu_);
  return lines_.size();
}

}  // namespace stalemate::sim
