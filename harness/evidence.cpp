#include "harness/evidence.h"

#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include "reports/decision_text.h"

namespace stalemate::harness {

namespace {

constexpr std::int64_t kSlackUs = 20'000;  // the client's clock reading vs. the store's, same host
constexpr std::size_t kMaxStorage = 12, kMaxDecisions = 10, kMaxLogLines = 8;

std::string blob_hex(const std::string& url) {
  static const std::regex digest(R"(/blobs/sha256:([0-9a-f]{64}))");
  std::smatch m;
  return std::regex_search(url, m, digest) ? m[1].str() : std::string();
}

// The notable decisions of one event (selected by kind; reports/ renders them).
std::vector<nlohmann::json> notable_of(const nlohmann::json& event) {
  std::vector<nlohmann::json> out;
  for (const auto& d : event.value("decisions", nlohmann::json::array()))
    if (reports::decision_is_notable(d)) out.push_back(d);
  return out;
}

}  // namespace

nlohmann::json build_evidence(const Violation& v, const std::vector<RequestRecord>& requests,
                              const EvidenceSources& sources) {
  nlohmann::json out = nlohmann::json::object();
  const std::string hex = blob_hex(v.url);
  if (hex.empty() || !sources.events) return out;
  const std::string blob_path = "files/docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
  const std::string prefix = sources.segment_prefix ? sources.segment_prefix(blob_path) : std::string();
  out["blob_path"] = blob_path;
  if (!prefix.empty()) out["segment_prefix"] = prefix;

  // The client requests behind the violation: the one named, and earlier hops
  // of the same assembly (same URL, back to the previous full GET).
  std::int64_t start = 0, end = 0;
  if (v.request_index < requests.size()) {
    start = requests[v.request_index].start_us;
    end = requests[v.request_index].end_us;
    for (std::size_t i = v.request_index; i-- > 0;) {
      if (requests[i].url != requests[v.request_index].url) continue;
      if (requests[i].range.empty() && requests[v.request_index].range.empty()) break;
      start = requests[i].start_us;
      if (requests[i].range.empty()) break;
    }
  }
  auto touches_blob = [&](const nlohmann::json& e) {
    const std::string object = e.value("object", "");
    const std::string listing = e.value("listing_prefix", "");
    return object.find(hex) != std::string::npos || (!prefix.empty() && (object.rfind(prefix, 0) == 0 || listing.rfind(prefix, 0) == 0));
  };
  // A read-side violation was served by storage reads; a write-side one by writes.
  const bool read_side = v.method == "GET" || v.method == "HEAD";
  nlohmann::json storage = nlohmann::json::array(), decisions = nlohmann::json::array();
  std::set<std::uint64_t> shown;
  for (const auto& e : *sources.events) {
    if (!touches_blob(e)) continue;
    const std::int64_t wall = sources.store_wall_start_us + static_cast<std::int64_t>(e.value("t", 0.0) * 1e6);
    const std::string method = e.value("method", "");
    const bool read = method == "GET" || method == "HEAD";
    const bool in_window = start && wall >= start - kSlackUs && wall <= end + kSlackUs && read == read_side;
    const auto notable = notable_of(e);
    std::vector<std::string> texts;
    for (const auto& d : notable) texts.push_back(reports::render_decision(d));
    if (in_window && storage.size() < kMaxStorage) {
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
    if (shown.count(e.value("seq", std::uint64_t{0}))) continue;
    for (const auto& d : notable) {
      if (decisions.size() >= kMaxDecisions) break;
      if (d.value("kind", "") == "rule_fired") continue;  // the effect says more
      decisions.push_back({{"seq", e["seq"]}, {"t", e["t"]}, {"method", e["method"]}, {"text", reports::render_decision(d)}});
    }
  }
  out["storage_requests"] = storage;
  out["decisions"] = decisions;

  nlohmann::json log_lines = nlohmann::json::array();
  const std::string needle = hex.substr(0, 16);
  for (const auto& path : sources.registry_log_paths) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line) && log_lines.size() < kMaxLogLines) {
      if (line.find(needle) == std::string::npos) continue;
      if (line.find("level=error") == std::string::npos && line.find("level=warn") == std::string::npos &&
          line.find("\" 5") == std::string::npos && line.find("\" 4") == std::string::npos)
        continue;
      log_lines.push_back(line.size() > 600 ? line.substr(0, 600) + "…" : line);
    }
  }
  out["registry_log"] = log_lines;
  return out;
}

}  // namespace stalemate::harness
