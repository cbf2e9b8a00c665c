#include "harness/front/front_report.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <regex>

#include "harness/child_process.h"

namespace stalemate::harness::front {

namespace fs = std::filesystem;

std::string nginx_version(const std::string& binary) {
  try {
    const auto run = run_bounded({binary, "-v"}, std::chrono::milliseconds(10'000));
    if (!run.ok()) return "";
    // "nginx version: nginx/1.22.1 (Debian)" on stderr (run_bounded merges it).
    const auto at = run.output.find("nginx/");
    if (at == std::string::npos) return "";
    return run.output.substr(at, run.output.find_first_of(" \r\n", at) - at);
  } catch (const std::exception&) {
    return "";
  }
}

nlohmann::json filesystems_report(const FsSampler& sampler) {
  const auto samples = sampler.samples();
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t i = 0; i < sampler.targets().size(); ++i) {
    const auto& t = sampler.targets()[i];
    nlohmann::json series = nlohmann::json::array();
    for (const auto& s : samples) series.push_back({s.t_ms, s.used[i]});
    out[t.name] = {{"path", t.path.string()},
                   {"size_bytes", sampler.total(t.name)},
                   {"peak_bytes", sampler.peak(t.name)},
                   {"series", std::move(series)}};
  }
  return out;
}

nlohmann::json to_json(const ErrorLogRecord& r) {
  nlohmann::json j = {{"kind", to_string(r.kind)}, {"time", r.time},       {"level", r.level},
                      {"connection", r.connection}, {"message", r.message}, {"request", r.request},
                      {"request_id", r.request_id}, {"summary", r.summary()}};
  if (!r.file.empty()) j["file"] = r.file;
  if (r.err) j["errno"] = r.err;
  if (!r.subrequest.empty()) j["subrequest"] = r.subrequest;
  if (!r.upstream.empty()) j["upstream"] = r.upstream;
  return j;
}

namespace {

// nginx logs a refused upload only once the connection is closed (after its
// lingering close), so a log line may come a few seconds after the client gave up.
constexpr std::int64_t kLogLagUs = 10'000'000;

const AccessRecord* find_access(const RequestRecord& r, const std::string& uri, const std::vector<AccessRecord>& access,
                                std::vector<bool>& claimed) {
  std::size_t best = access.size();
  std::int64_t best_gap = std::numeric_limits<std::int64_t>::max();
  for (std::size_t i = 0; i < access.size(); ++i) {
    const auto& a = access[i];
    if (!r.request_id.empty()) {
      if (a.request_id == r.request_id) {
        best = i;
        break;
      }
      continue;
    }
    if (claimed[i] || a.method != r.method || a.uri != uri) continue;
    if (a.end_us < r.start_us || a.end_us > r.end_us + kLogLagUs) continue;
    const std::int64_t gap = std::llabs(a.end_us - r.end_us);
    if (gap < best_gap) best = i, best_gap = gap;
  }
  if (best == access.size()) return nullptr;
  claimed[best] = true;
  return &access[best];
}

std::string mib(std::uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return buf;
}

// "front 500: spool full (pwrite() … failed (28: …)); spool 3.9 MiB of 4.0 MiB in use"
std::string front_failure_note(const RequestRecord& r, const AccessRecord& a, const std::vector<ErrorLogRecord>& errors,
                               const FsSampler& sampler) {
  std::string note = "front " + std::to_string(a.status);
  const ErrorLogRecord* cause = nullptr;
  for (const auto& e : errors)
    if ((!a.request_id.empty() && e.request_id == a.request_id) || (e.request_id.empty() && e.connection == a.connection))
      if (!cause || (e.kind != FrontLogKind::Other && cause->kind == FrontLogKind::Other)) cause = &e;
  note += cause ? ": " + cause->summary() : ": answered by nginx without asking the registry (no error.log line)";
  const char* fs_name = nullptr;
  if (cause && cause->kind == FrontLogKind::SpoolWriteFailed) fs_name = "spool";
  if (cause && cause->kind == FrontLogKind::TempWriteFailed) fs_name = "temp";
  if (cause && cause->kind == FrontLogKind::CacheWriteFailed) fs_name = "cache";
  if (fs_name) {
    try {
      // A tmpfs fills within milliseconds: a 100 ms sample may miss it, so the run's peak is given too.
      note += std::string("; ") + fs_name + " " + mib(sampler.peak_between(fs_name, r.start_us, r.end_us)) + " of " +
              mib(sampler.total(fs_name)) + " in use at the last 100 ms sample while the request ran (run peak " +
              mib(sampler.peak(fs_name)) + ")";
    } catch (const std::out_of_range&) {
      // temp on the cache filesystem: not sampled on its own
    }
  }
  return note;
}

}  // namespace

FrontJoinCounts join_requests(std::vector<RequestRecord>& requests, const std::string& base_url,
                              const std::vector<AccessRecord>& access, const std::vector<ErrorLogRecord>& errors,
                              const FsSampler& sampler) {
  FrontJoinCounts counts;
  std::vector<bool> claimed(access.size(), false);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    auto& r = requests[i];
    if (r.url.rfind(base_url, 0) != 0) continue;  // a "via" request, straight to an instance
    const auto* a = find_access(r, r.url.substr(base_url.size()), access, claimed);
    if (!a) continue;
    ++counts.joined;
    if (r.request_id.empty()) r.request_id = a->request_id;
    if (r.cache.empty() && !a->cache_status.empty() && a->cache_status != "-") r.cache = a->cache_status;
    counts.cache_hits += r.cache == "HIT";
    if (r.verdict != "error") continue;
    // A body nginx cut short because its own filesystem was full is the front's failure too.
    bool own_fs = false;
    for (const auto& e : errors)
      own_fs = own_fs || (e.request_id == a->request_id && (e.kind == FrontLogKind::SpoolWriteFailed ||
                                                            e.kind == FrontLogKind::TempWriteFailed ||
                                                            e.kind == FrontLogKind::CacheWriteFailed));
    if (a->upstream_status && !own_fs) {
      r.failed_at = "registry";
      ++counts.registry_failures;
      continue;
    }
    r.failed_at = "front";
    ++counts.front_failures;
    const std::string note = front_failure_note(r, *a, errors, sampler);
    r.note = r.note.empty() ? note : note + "; " + r.note;
    counts.front_notes[i] = note;
  }
  return counts;
}

std::optional<std::size_t> cache_filler(const std::vector<RequestRecord>& requests, std::size_t hit) {
  if (hit >= requests.size()) return std::nullopt;
  for (std::size_t i = hit; i-- > 0;) {
    const auto& r = requests[i];
    if (r.url == requests[hit].url && !r.cache.empty() && r.cache != "HIT" && r.status / 100 == 2) return i;
  }
  return std::nullopt;
}

nlohmann::json cache_entries_for(const fs::path& cache_dir, const std::string& uri) {
  static const std::regex entry("[0-9a-f]{32}");
  nlohmann::json out = nlohmann::json::array();
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || !std::regex_match(it->path().filename().string(), entry)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    // nginx's cache file: a binary header (version, valid_sec, …), then "\nKEY: <key>\n".
    const auto k = head.find("\nKEY: ");
    if (k == std::string::npos) continue;
    const auto end = head.find('\n', k + 6);
    const std::string key = head.substr(k + 6, end == std::string::npos ? std::string::npos : end - k - 6);
    if (key.find(uri) == std::string::npos) continue;
    std::int64_t valid_sec = 0;
    if (head.size() >= 16) std::memcpy(&valid_sec, head.data() + 8, sizeof valid_sec);
    out.push_back({{"file", it->path().string()},
                   {"key", key},
                   {"valid_sec", valid_sec},
                   {"bytes", fs::file_size(it->path(), ec)}});
  }
  return out;
}

std::size_t orphaned_partials(const fs::path& cache_dir) {
  static const std::regex partial("[0-9a-f]{32}\\.[0-9]{10}");
  std::size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    n += it->is_regular_file() && std::regex_match(it->path().filename().string(), partial);
  return n;
}

}  // namespace stalemate::harness::front
