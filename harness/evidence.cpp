#include "harness/evidence.h"

#include <fstream>
#include <set>

#include "harness/storage_keys.h"
#include "reports/decision_text.h"

namespace stalemate::harness {

namespace {

constexpr std::int64_t kSlackUs = 20'000;  // fallback only: the client's clock reading vs. the store's, same host
constexpr std::size_t kMaxStorage = 12, kMaxDecisions = 10, kMaxLogLines = 8;

// The notable decisions of one event (selected by kind; reports/ renders them).
std::vector<nlohmann::json> notable_of(const nlohmann::json& event) {
  std::vector<nlohmann::json> out;
  for (const auto& d : event.value("decisions", nlohmann::json::array()))
    if (reports::decision_is_notable(d)) out.push_back(d);
  return out;
}

StorageKeys keys_of_event(const nlohmann::json& e) {
  auto keys = keys_of_storage_path(e.value("object", ""));
  if (e.contains("listing_prefix")) keys.add(keys_of_storage_path(e.value("listing_prefix", "")));
  return keys;
}

// The client requests behind a violation: those of its operation, or (a
// history without operations) the one named and the earlier hops of the same
// assembly (same URL, back to the previous full GET).
std::vector<std::size_t> requests_behind(const Violation& v, const std::vector<RequestRecord>& requests) {
  std::vector<std::size_t> out;
  if (v.request_index >= requests.size()) return out;
  const auto& named = requests[v.request_index];
  if (named.op != kNoOp) {
    for (std::size_t i = 0; i < requests.size(); ++i)
      if (requests[i].op == named.op) out.push_back(i);
    return out;
  }
  out.push_back(v.request_index);
  for (std::size_t i = v.request_index; i-- > 0;) {
    if (requests[i].url != named.url) continue;
    if (requests[i].range.empty() && named.range.empty()) break;
    out.push_back(i);
    if (requests[i].range.empty()) break;
  }
  return out;
}

// What joins storage events to the operation.
struct Join {
  StorageKeys keys;                                     // the operation's (and its blob's segments')
  std::vector<std::pair<std::size_t, std::size_t>> positions;  // event-log ranges of its requests
  std::int64_t start_us = 0, end_us = 0;                // its span, for the fallback
  bool by_position = false;

  bool covers(std::size_t position, const nlohmann::json& e, std::int64_t store_wall_start) const {
    if (by_position) {
      for (const auto& [from, to] : positions)
        if (position >= from && position < to) return true;
      return false;
    }
    const std::int64_t wall = store_wall_start + static_cast<std::int64_t>(e.value("t", 0.0) * 1e6);
    return start_us && wall >= start_us - kSlackUs && wall <= end_us + kSlackUs;
  }
};

Join join_of(const std::vector<std::size_t>& behind, const std::vector<RequestRecord>& requests,
             const StorageKeys& blob_keys) {
  Join j;
  j.keys = blob_keys;
  j.by_position = !behind.empty();
  for (const auto i : behind) {
    const auto& r = requests[i];
    j.keys.add(keys_of_request_url(r.url));
    if (!j.start_us || r.start_us < j.start_us) j.start_us = r.start_us;
    j.end_us = std::max(j.end_us, r.end_us);
    if (r.storage_to == 0) j.by_position = false;  // no cursor was recorded
    j.positions.emplace_back(r.storage_from, r.storage_to);
  }
  return j;
}

nlohmann::json registry_log_lines(const std::vector<std::string>& paths, const std::string& needle) {
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& path : paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && lines.size() < kMaxLogLines) {
      if (line.find(needle) == std::string::npos) continue;
      if (line.find("level=error") == std::string::npos && line.find("level=warn") == std::string::npos &&
          line.find("\" 5") == std::string::npos && line.find("\" 4") == std::string::npos)
        continue;
      lines.push_back(line.size() > 600 ? line.substr(0, 600) + "…" : line);
    }
  }
  return lines;
}

}  // namespace

nlohmann::json build_evidence(const Violation& v, const std::vector<RequestRecord>& requests,
                              const EvidenceSources& sources) {
  nlohmann::json out = nlohmann::json::object();
  if (!sources.events) return out;
  // The blob the violation is about (the digest it expected, else the one its
  // URL names), and the upload its URL names (a commit) or that wrote its
  // segments (below).
  const StorageKeys url_keys = keys_of_request_url(v.url);
  std::string hex;
  if (v.expected_digest.rfind("sha256:", 0) == 0) hex = v.expected_digest.substr(7);
  else if (!url_keys.digests.empty()) hex = *url_keys.digests.begin();
  if (hex.size() != 64) return out;
  StorageKeys blob_keys;
  blob_keys.digests.insert(hex);
  blob_keys.uploads = url_keys.uploads;
  blob_keys.tags = url_keys.tags;  // a manifest read by tag: the tag's link writes and reads
  const std::string blob_path = "files/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
  const std::string prefix = sources.segment_prefix ? sources.segment_prefix(blob_path) : std::string();
  out["blob_path"] = blob_path;
  if (!prefix.empty()) {
    out["segment_prefix"] = prefix;
    blob_keys.add(keys_of_storage_path(prefix));
  }

  const auto join = join_of(requests_behind(v, requests), requests, blob_keys);
  out["join"] = join.by_position ? "keys" : "clock-window (fallback)";
  // A read-side violation was served by storage reads; a write-side one by writes.
  const bool read_side = v.method == "GET" || v.method == "HEAD";
  nlohmann::json storage = nlohmann::json::array(), decisions = nlohmann::json::array();
  std::set<std::uint64_t> shown;
  const auto& events = *sources.events;
  for (std::size_t pos = 0; pos < events.size(); ++pos) {
    const auto& e = events[pos];
    const auto keys = keys_of_event(e);
    if (!keys.intersects(join.keys)) continue;
    const std::string method = e.value("method", "");
    const bool read = method == "GET" || method == "HEAD";
    const auto notable = notable_of(e);
    std::vector<std::string> texts;
    for (const auto& d : notable) texts.push_back(reports::render_decision(d));
    if (read == read_side && join.covers(pos, e, sources.store_wall_start_us) && storage.size() < kMaxStorage) {
      shown.insert(e.value("seq", std::uint64_t{0}));
      storage.push_back({{"seq", e["seq"]},
                         {"method", e["method"]},
                         {"object", e["object"]},
                         {"status", e["status"]},
                         {"bytes", e["bytes"]},
                         {"decisions", texts}});
    }
    // Notable decisions about this blob at any time (a row held back when a
    // segment was written explains a listing gap seen much later).
    if (shown.count(e.value("seq", std::uint64_t{0})) || !keys.intersects(blob_keys)) continue;
    for (const auto& d : notable) {
      if (decisions.size() >= kMaxDecisions) break;
      if (d.value("kind", "") == "rule_fired") continue;  // the effect says more
      decisions.push_back({{"seq", e["seq"]}, {"t", e["t"]}, {"method", e["method"]}, {"text", reports::render_decision(d)}});
    }
  }
  out["storage_requests"] = storage;
  out["decisions"] = decisions;
  out["registry_log"] = registry_log_lines(sources.registry_log_paths, hex.substr(0, 16));
  return out;
}

std::vector<OperationRecord> refine_outcomes(std::vector<OperationRecord> operations,
                                             const std::vector<RequestRecord>& requests,
                                             const std::vector<nlohmann::json>& events, const nlohmann::json& rules) {
  std::set<std::string> applied;  // FAIL rules that answer after applying
  for (const auto& r : rules)
    if (r.value("kind", "") == "FAIL" && r.value("applied", false)) applied.insert(r.value("id", ""));
  if (applied.empty()) return operations;
  for (auto& op : operations) {
    if (op.outcome != OpOutcome::Fail) continue;
    StorageKeys keys;
    std::vector<std::pair<std::size_t, std::size_t>> positions;
    for (const auto& r : requests) {
      if (r.op != op.id) continue;
      keys.add(keys_of_request_url(r.url));
      positions.emplace_back(r.storage_from, std::min(r.storage_to, events.size()));
    }
    std::string rule;
    for (const auto& [from, to] : positions) {
      for (std::size_t pos = from; pos < to && rule.empty(); ++pos) {
        const auto event_keys = keys_of_event(events[pos]);
        if (!event_keys.empty() && !event_keys.intersects(keys)) continue;  // another operation's
        for (const auto& id : events[pos].value("rules", nlohmann::json::array()))
          if (id.is_string() && applied.count(id.get<std::string>())) rule = id.get<std::string>();
      }
    }
    if (rule.empty()) continue;
    op.outcome = OpOutcome::Unknown;
    op.error += " (storage rule " + rule + " answered a failure after applying: the outcome is unknown)";
  }
  return operations;
}

}  // namespace stalemate::harness
