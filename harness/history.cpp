#include "harness/history.h"

#include <nlohmann/json.hpp>

namespace stalemate::harness {

std::size_t History::add_request(RequestRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(record));
  return requests_.size() - 1;
}

void History::mark(std::size_t index, const std::string& verdict, const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= requests_.size()) return;
  auto& r = requests_[index];
  // A violation verdict is never downgraded by a later, milder mark.
  if (!(r.verdict == "violation" && verdict != "violation")) r.verdict = verdict;
  if (!note.empty()) r.note = r.note.empty() ? note : r.note + "; " + note;
}

void History::add_violation(Violation violation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (violation.request_index < requests_.size()) {
    auto& r = requests_[violation.request_index];
    r.verdict = "violation";
    if (r.note.empty()) r.note = violation.invariant;
    else if (r.note.find(violation.invariant) == std::string::npos) r.note += "; " + violation.invariant;
  }
  violations_.push_back(std::move(violation));
}

std::vector<RequestRecord> History::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<Violation> History::violations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return violations_;
}

std::size_t History::violation_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return violations_.size();
}

void to_json(nlohmann::json& j, const RequestRecord& r) {
  j = nlohmann::json{{"start_us", r.start_us},
                     {"end_us", r.end_us},
                     {"operation", r.operation},
                     {"method", r.method},
                     {"url", r.url},
                     {"range", r.range},
                     {"status", r.status},
                     {"bytes_sent", r.bytes_sent},
                     {"bytes_received", r.bytes_received},
                     {"verdict", r.verdict},
                     {"note", r.note}};
}

void to_json(nlohmann::json& j, const Violation& v) {
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : v.response_headers) headers[name] = value;
  j = nlohmann::json{{"invariant", v.invariant},
                     {"message", v.message},
                     {"request_index", v.request_index},
                     {"method", v.method},
                     {"url", v.url},
                     {"response_headers", std::move(headers)},
                     {"bytes_received", v.bytes_received},
                     {"expected_size", v.expected_size},
                     {"expected_digest", v.expected_digest},
                     {"seen_digest", v.seen_digest}};
}

}  // namespace stalemate::harness
