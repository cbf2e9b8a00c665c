#include "harness/history.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace stalemate::harness {

const char* outcome_name(OpOutcome o) {
  switch (o) {
    case OpOutcome::Pending: return "pending";
    case OpOutcome::Ok: return "ok";
    case OpOutcome::Fail: return "fail";
    case OpOutcome::Unknown: return "unknown";
  }
  return "?";
}

ClientId History::new_client() { return next_client_.fetch_add(1); }

std::size_t History::invoke(ClientId client, std::string f, std::string repository, std::string key,
                            std::uint64_t size) {
  OperationRecord op;
  op.client = client;
  op.f = std::move(f);
  op.repository = std::move(repository);
  op.key = std::move(key);
  op.size = size;
  std::lock_guard<std::mutex> lock(mu_);
  op.id = operations_.size();
  op.invoke_us = now_micros();
  operations_.push_back(std::move(op));
  return operations_.size() - 1;
}

void History::complete(std::size_t index, OpOutcome outcome, std::string error, std::size_t last_request,
                       Headers last_headers) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= operations_.size()) return;
  auto& op = operations_[index];
  op.outcome = outcome;
  op.error = std::move(error);
  op.last_request = last_request;
  op.last_headers = std::move(last_headers);
  op.seq = ++seq_;
  op.complete_us = now_micros();
}

std::size_t History::add_request(RequestRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.push_back(std::move(record));
  return requests_.size() - 1;
}

void History::mark(std::size_t index, const std::string& verdict, const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  if (index >= requests_.size()) return;
  auto& r = requests_[index];
  r.verdict = verdict;
  if (!note.empty()) r.note = r.note.empty() ? note : r.note + "; " + note;
}

void History::add_fact(Fact fact) {
  std::lock_guard<std::mutex> lock(mu_);
  fact.seq = ++seq_;
  facts_.push_back(std::move(fact));
}

void History::set_storage_cursor(std::function<std::size_t()> cursor) {
  std::lock_guard<std::mutex> lock(mu_);
  cursor_ = std::move(cursor);
}

std::size_t History::storage_cursor() const {
  std::function<std::size_t()> cursor;
  {
    std::lock_guard<std::mutex> lock(mu_);
    cursor = cursor_;
  }
  return cursor ? cursor() : 0;
}

std::vector<RequestRecord> History::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<OperationRecord> History::operations() const {
  std::lock_guard<std::mutex> lock(mu_);
  return operations_;
}

std::vector<Fact> History::facts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return facts_;
}

std::vector<RequestRecord> judged_requests(std::vector<RequestRecord> requests, const std::vector<Violation>& found) {
  for (const auto& v : found) {
    if (v.request_index >= requests.size()) continue;
    auto& r = requests[v.request_index];
    r.verdict = "violation";
    if (r.note.empty()) r.note = v.invariant;
    else if (r.note.find(v.invariant) == std::string::npos) r.note += "; " + v.invariant;
  }
  return requests;
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
                     {"note", r.note},
                     {"client", r.client}};
  if (r.op != kNoOp) j["op"] = r.op;
  if (!r.request_id.empty()) j["request_id"] = r.request_id;
  if (!r.cache.empty()) j["cache"] = r.cache;
  if (!r.failed_at.empty()) j["failed_at"] = r.failed_at;
}

void to_json(nlohmann::json& j, const OperationRecord& o) {
  j = nlohmann::json{{"id", o.id},
                     {"client", o.client},
                     {"f", o.f},
                     {"repository", o.repository},
                     {"key", o.key},
                     {"invoke_us", o.invoke_us},
                     {"complete_us", o.complete_us},
                     {"outcome", outcome_name(o.outcome)},
                     {"error", o.error}};
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
                     {"seen_digest", v.seen_digest},
                     {"checker", v.checker}};
}

}  // namespace stalemate::harness
