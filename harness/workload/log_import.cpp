#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/json_reader.h"
#include "harness/workload/log_import.h"

namespace stalemate::harness::workload {

void for_each_log_line(std::istream& in, ParsedLog& out, const std::function<void(const std::string&, std::size_t)>& f) {
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    ++out.lines;
    f(line, n);
  }
}

void keep_or_report(ParsedLog& out, const std::string& file, std::size_t line, const std::string& where,
                    const std::function<std::string(LogRequest&)>& fill) {
  LogRequest r;
  r.file = file;
  r.line = line;
  const auto why = fill(r);
  if (why.empty())
    out.requests.push_back(std::move(r));
  else
    out.malformed.push_back(where + ": " + why);
}

const std::vector<std::string>& import_formats() {
  static const std::vector<std::string> formats = {"ibm", "distribution", "nginx", "notifications"};
  return formats;
}

namespace {

ParsedLog parse_one(const std::string& format, std::istream& in, const std::string& file) {
  if (format == "ibm") return parse_ibm_log(in, file);
  if (format == "distribution") return parse_distribution_log(in, file);
  if (format == "nginx") return parse_nginx_log(in, file);
  return parse_notifications(in, file);
}

const char* describe(const std::string& format) {
  if (format == "ibm") return "an IBM registry trace (a JSON array of request records, FAST'18)";
  if (format == "distribution") return "a distribution registry log (\"response completed\" lines, logrus text or JSON)";
  if (format == "nginx") return "an nginx access log (combined format, or an escape=json format)";
  return "registry notification events (JSON envelopes {\"events\": [...]})";
}

}  // namespace

ImportResult import_logs(const std::string& format, const std::vector<std::string>& files) {
  const auto& formats = import_formats();
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    throw InputError("unknown log format \"" + format + "\" (use ibm, distribution, nginx or notifications)");
  if (files.empty()) throw InputError("import " + format + ": give at least one log file");
  std::vector<LogRequest> all;
  std::vector<std::string> malformed;
  std::size_t lines = 0, ignored = 0;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) throw InputError(file + ": cannot open the log");
    auto parsed = parse_one(format, in, file);
    // Not the format at all: nothing in it parses (other registry output alone still counts as the format).
    if (parsed.requests.empty() && parsed.ignored == 0)
      throw InputError(file + ": not " + describe(format) + ": none of its " + std::to_string(parsed.lines) +
                       " lines is one" + (parsed.malformed.empty() ? "" : " (first: " + parsed.malformed.front() + ")"));
    lines += parsed.lines;
    ignored += parsed.ignored;
    for (auto& m : parsed.malformed) malformed.push_back(std::move(m));
    for (auto& r : parsed.requests) all.push_back(std::move(r));
  }
  std::string source = "import " + format;
  for (const auto& f : files) source += " " + std::filesystem::path(f).filename().string();
  auto result = requests_to_trace(std::move(all), source);
  if (result.trace.events.empty())
    throw InputError("import " + format + ": the logs hold no push or pull of an image (" +
                     std::to_string(result.summary["requests"].get<std::size_t>()) + " requests read)");
  result.summary["format"] = format;
  result.summary["files"] = files;
  result.summary["lines"] = lines;
  result.summary["other_lines"] = ignored;
  result.summary["malformed"] = malformed.size();
  nlohmann::json shown = nlohmann::json::array();
  for (std::size_t i = 0; i < malformed.size() && i < 50; ++i) shown.push_back(malformed[i]);
  result.summary["malformed_lines"] = shown;
  result.trace.notes = result.summary;
  validate_trace(result.trace, source);
  sort_events(result.trace);
  return result;
}

}  // namespace stalemate::harness::workload
