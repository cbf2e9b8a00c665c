#include "campaign/run_row.h"

#include <algorithm>
#include <cmath>
#include <fcntl.h>
#include <unistd.h>

#include "harness/registry_process.h"
#include "reports/svg.h"

namespace stalemate::campaign {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

nlohmann::json peak_of(const nlohmann::json& report, const char* fs) {
  const auto ptr = nlohmann::json::json_pointer(std::string("/front/filesystems/") + fs + "/peak_bytes");
  return report.contains(ptr) ? report.at(ptr) : nlohmann::json();
}

std::string csv_field(const nlohmann::json& v) {
  std::string s;
  if (v.is_null()) return "";
  if (v.is_string()) s = v.get<std::string>();
  else if (v.is_object()) {  // violations_by_kind
    for (const auto& [k, n] : v.items()) s += (s.empty() ? "" : ";") + k + ":" + n.dump();
  } else if (v.is_number_float()) {
    s = reports::format_double("%.6g", v.get<double>());
  } else s = v.dump();
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

nlohmann::json percentile(std::vector<double> values, double p) {
  if (values.empty()) return nullptr;
  std::sort(values.begin(), values.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

nlohmann::json metrics_from_report(const nlohmann::json& report) {
  std::size_t push_ok = 0, push_failed = 0, pull_ok = 0, pull_failed = 0;
  std::vector<double> push_ms, pull_ms;
  for (const auto& op : report.value("operations", nlohmann::json::array())) {
    const std::string f = op.value("f", "");
    const bool push = starts_with(f, "push"), pull = starts_with(f, "pull");
    if (!push && !pull) continue;  // verify-* are the harness's own reads
    const std::string outcome = op.value("outcome", "");
    if (outcome == "pending") continue;
    const bool ok = outcome == "ok";
    (push ? (ok ? push_ok : push_failed) : (ok ? pull_ok : pull_failed)) += 1;
    const double ms = (op.value("complete_us", 0.0) - op.value("invoke_us", 0.0)) / 1000.0;
    (push ? push_ms : pull_ms).push_back(ms);
  }
  nlohmann::json by_kind = nlohmann::json::object();
  std::size_t violations = 0;
  for (const auto& v : report.value("violations", nlohmann::json::array())) {
    const std::string kind = v.value("invariant", "unknown");
    by_kind[kind] = by_kind.value(kind, 0) + 1;
    ++violations;
  }
  const std::size_t pushes = push_ok + push_failed;
  return {{"verdict", report.value("verdict", "")},
          {"pushes_ok", push_ok},
          {"pushes_failed", push_failed},
          {"pulls_ok", pull_ok},
          {"pulls_failed", pull_failed},
          {"push_failure_rate", pushes ? static_cast<double>(push_failed) / static_cast<double>(pushes) : 0.0},
          {"violations", violations},
          {"violations_by_kind", by_kind},
          {"push_p50_ms", percentile(push_ms, 50)},
          {"push_p99_ms", percentile(push_ms, 99)},
          {"pull_p50_ms", percentile(pull_ms, 50)},
          {"pull_p99_ms", percentile(pull_ms, 99)},
          {"spool_peak_bytes", peak_of(report, "spool")},
          {"cache_peak_bytes", peak_of(report, "cache")}};
}

const std::vector<std::string>& metric_columns() {
  static const std::vector<std::string> columns{
      "seed",          "exit",        "failed",      "infrastructure", "verdict",          "pushes_ok",
      "pushes_failed", "pulls_ok",    "pulls_failed", "push_failure_rate", "violations",    "violations_by_kind",
      "push_p50_ms",   "push_p99_ms", "pull_p50_ms", "pull_p99_ms",    "spool_peak_bytes", "cache_peak_bytes",
      "wall_s",        "run_dir"};
  return columns;
}

std::string csv_header(const std::vector<std::string>& parameter_names) {
  std::string s = "run,cell";
  for (const auto& p : parameter_names) s += "," + csv_field(p);
  for (const auto& c : metric_columns()) s += "," + c;
  return s;
}

std::string csv_line(const nlohmann::json& row, const std::vector<std::string>& parameter_names) {
  std::string s = csv_field(row.value("run", "")) + "," + csv_field(row.value("cell", ""));
  const auto params = row.value("params", nlohmann::json::object());
  for (const auto& p : parameter_names) s += "," + csv_field(params.value(p, nlohmann::json()));
  for (const auto& c : metric_columns()) s += "," + csv_field(row.value(c, nlohmann::json()));
  return s;
}

void append_line(const std::filesystem::path& file, const std::string& line) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw harness::InfrastructureError("cannot append to " + file.string());
  const std::string text = line + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw harness::InfrastructureError("cannot append to " + file.string());
}

}  // namespace stalemate::campaign
