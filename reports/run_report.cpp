#include "reports/run_report.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace stalemate::reports {

std::string shorten_hex(const std::string& text) {
  static const std::regex hex("([0-9a-f]{8})[0-9a-f]{16,}");
  return std::regex_replace(text, hex, "$1…");
}

std::filesystem::path write_json_file(const std::filesystem::path& dir, const std::string& name,
                                      const nlohmann::json& document) {
  std::filesystem::create_directories(dir);
  const auto final_path = dir / name;
  const auto tmp_path = dir / (name + ".tmp");
  {
    std::ofstream out(tmp_path, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp_path.string());
    out << document.dump(2) << "\n";
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp_path.string());
  }
  const int fd = ::open(tmp_path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
  std::filesystem::rename(tmp_path, final_path);
  return final_path;
}

namespace {
std::string str(const nlohmann::json& j, const char* key, const std::string& fallback = "") {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}
std::string mib(const nlohmann::json& bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", bytes.is_number() ? bytes.get<double>() / (1 << 20) : 0.0);
  return buf;
}

// The nginx front in two lines: where requests failed, how full each tmpfs got.
void render_front(const nlohmann::json& front, std::ostringstream& out) {
  const auto requests = front.value("requests", nlohmann::json::object());
  out << "front     nginx " << str(front, "nginx_version", "?") << ": " << requests.value("failed_at_front", 0)
      << " requests failed at the front, " << requests.value("failed_at_registry", 0) << " at the registry; "
      << requests.value("cache_hits", 0) << " cache hits\n";
  std::string filesystems;
  const auto all = front.value("filesystems", nlohmann::json::object());  // named: items() must not outlive it
  for (const auto& [name, fs] : all.items())
    filesystems += (filesystems.empty() ? "" : ", ") + name + " peak " + mib(fs.value("peak_bytes", nlohmann::json())) +
                   " of " + mib(fs.value("size_bytes", nlohmann::json())) + " MiB";
  if (!filesystems.empty()) out << "          " << filesystems << "\n";
}

// A violation served from nginx's cache: which request filled that entry.
void render_cache_evidence(const nlohmann::json& cache, std::ostringstream& out) {
  out << "      nginx cache " << str(cache, "status") << " (request id " << str(cache, "request_id", "?") << ")";
  const auto& filler = cache.value("filled_by", nlohmann::json());
  if (filler.is_object())
    out << ", entry filled by request #" << str(filler, "request_index") << " " << str(filler, "method") << " ("
        << str(filler, "status") << ", cache " << str(filler, "cache", "?") << ")";
  else
    out << ", no request of this run filled the entry";
  out << "\n";
}

}  // namespace

std::string render_summary(const nlohmann::json& report) {
  std::ostringstream out;
  const auto& counts = report.value("counts", nlohmann::json::object());
  out << "scenario  " << str(report["scenario"], "name") << "  (" << str(report, "scenario_file") << ", seed "
      << str(report, "seed") << ")\n";
  out << "registry  " << str(report["registry"], "binary") << "  " << str(report["registry"], "version") << "\n";
  out << "backend   " << str(report["backend"], "protocol") << " at " << str(report["backend"], "endpoint") << "\n";
  out << "requests  " << counts.value("requests", 0) << " client requests, " << counts.value("errors", 0)
      << " failed, " << counts.value("violations", 0) << " invariant violations; "
      << counts.value("backend_requests", 0) << " storage requests served\n";
  const auto& violations = report.value("violations", nlohmann::json::array());
  const std::size_t shown = std::min<std::size_t>(violations.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) {
    const auto& v = violations[i];
    out << "  [" << str(v, "invariant") << "] " << shorten_hex(str(v, "message")) << "\n";
    out << "      request #" << str(v, "request_index") << ": " << str(v, "method") << " " << shorten_hex(str(v, "url"))
        << "\n";
    // The witness: what the store decided for the storage requests behind it.
    const auto evidence = v.value("evidence", nlohmann::json::object());
    if (evidence.contains("cache")) render_cache_evidence(evidence["cache"], out);
    std::size_t lines = 0;
    for (const auto& s : evidence.value("storage_requests", nlohmann::json::array())) {
      for (const auto& d : s.value("decisions", nlohmann::json::array())) {
        if (lines++ >= 3) break;
        out << "      storage " << str(s, "method") << " (" << str(s, "status") << "): "
            << shorten_hex(d.get<std::string>()) << "\n";
      }
    }
    for (const auto& d : evidence.value("decisions", nlohmann::json::array())) {
      if (lines++ >= 4) break;
      out << "      earlier " << str(d, "method") << ": " << shorten_hex(str(d, "text")) << "\n";
    }
  }
  if (violations.size() > shown) out << "  … and " << violations.size() - shown << " more (see the JSON report)\n";
  if (report.contains("front") && report["front"].is_object()) render_front(report["front"], out);
  const auto& errors = report.value("errors", nlohmann::json::array());
  for (std::size_t i = 0; i < std::min<std::size_t>(errors.size(), 3); ++i)
    out << "  error: " << errors[i].get<std::string>() << "\n";
  if (report.contains("expectation")) {
    const auto& e = report["expectation"];
    std::string expected;
    for (const auto& v : e.value("expected_violations", nlohmann::json::array()))
      expected += (expected.empty() ? "" : ", ") + v.get<std::string>();
    if (e.value("expected_errors", false)) expected += std::string(expected.empty() ? "" : ", ") + "failed operations";
    if (!expected.empty())
      out << "expected  " << expected << (e.value("reproduced", false) ? " — reproduced\n" : " — NOT reproduced\n");
  }
  out << "report    " << str(report, "report_path") << "\n";
  if (report.contains("outcome")) out << "OUTCOME   " << str(report, "outcome") << "\n";
  out << "VERDICT   " << str(report, "verdict") << "\n";
  return out.str();
}

}  // namespace stalemate::reports
