// Phase (f), `--only properties`: how many cases a second the model-level
// property tests run (issue 13.5: >= 1000 each). build/tests/property_tests
// runs as a child with RC_PARAMS="max_success=N seed=S" and Catch's XML
// reporter with durations, which times every property (each a Catch section)
// on its own. A rate, not a test: the tests themselves keep no speed goal.
#include <unistd.h>

#include <cstring>
#include <iomanip>
#include <iostream>

#include "bench/bench.h"
#include "harness/child_process.h"

namespace stalemate::bench {

namespace {

constexpr auto kChildTimeout = std::chrono::minutes(10);

std::string xml_unescape(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {
      {"&quot;", "\""}, {"&apos;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
  for (const auto& [entity, text] : kEntities)
    for (auto at = s.find(entity); at != std::string::npos; at = s.find(entity, at + 1)) s.replace(at, std::strlen(entity), text);
  return s;
}

// The value of attribute `name` in the element starting at `at`, "" if absent.
std::string attribute(const std::string& xml, std::size_t at, const std::string& name) {
  const auto end = xml.find('>', at);
  const auto key = xml.find(" " + name + "=\"", at);
  if (key == std::string::npos || key > end) return {};
  const auto start = key + name.size() + 3;
  return xml_unescape(xml.substr(start, xml.find('"', start) - start));
}

std::filesystem::path default_binary() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("build/tests/property_tests") : self.parent_path() / "tests" / "property_tests";
}

}  // namespace

std::vector<PropertyRate> parse_property_xml(const std::string& xml, std::uint64_t cases) {
  std::vector<PropertyRate> out;
  std::string test_case;
  for (std::size_t at = 0; (at = xml.find('<', at)) != std::string::npos; ++at) {
    if (xml.compare(at, 10, "<TestCase ") == 0) {
      test_case = attribute(xml, at, "name");
    } else if (xml.compare(at, 9, "<Section ") == 0) {
      PropertyRate row{test_case, attribute(xml, at, "name"), 0, cases};
      const auto results = xml.find("<OverallResults ", at);
      if (results == std::string::npos) break;
      row.seconds = std::strtod(attribute(xml, results, "durationInSeconds").c_str(), nullptr);
      row.passed = attribute(xml, results, "failures") == "0";
      out.push_back(std::move(row));
    }
  }
  return out;
}

PropertiesResult run_properties(const Options& options) {
  PropertiesResult r;
  r.binary = options.property_tests.empty() ? default_binary() : options.property_tests;
  r.rc_params = "max_success=" + std::to_string(options.property_cases) + " seed=1";
  if (::access(r.binary.c_str(), X_OK) != 0) {
    r.why_not = r.binary.string() + " not found (build the property_tests target)";
    return r;
  }
  const auto run = harness::run_bounded({"/usr/bin/env", "RC_PARAMS=" + r.rc_params, r.binary.string(), "-r", "xml",
                                         "-d", "yes"},
                                        kChildTimeout);
  if (run.timed_out) throw BenchFailure("property_tests did not finish within 10 minutes");
  r.rows = parse_property_xml(run.output, options.property_cases);
  if (r.rows.empty()) throw BenchFailure("property_tests reported no property:\n" + run.output.substr(0, 2000));
  if (!run.ok()) throw BenchFailure("property_tests failed:\n" + run.output.substr(0, 4000));
  r.ran = true;
  for (const auto& row : r.rows) {
    r.total_seconds += row.seconds;
    r.total_cases += row.cases;
  }
  return r;
}

nlohmann::json PropertiesResult::to_json() const {
  nlohmann::json j = {{"ran", ran}, {"binary", binary.string()}, {"rc_params", rc_params}};
  if (!ran) {
    j["why_not"] = why_not;
    return j;
  }
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& row : rows)
    rows_json.push_back({{"test_case", row.test_case}, {"property", row.property}, {"cases", row.cases},
                         {"seconds", row.seconds}, {"cases_per_s", row.rate()}});
  j["properties"] = rows_json;
  j["total_cases"] = total_cases;
  j["total_seconds"] = total_seconds;
  j["cases_per_s"] = rate();
  return j;
}

void print_properties(const PropertiesResult& r) {
  if (!r.ran) {
    std::cout << "  property rates skipped: " << r.why_not << "\n";
    return;
  }
  std::cout << "  " << r.binary.string() << ", RC_PARAMS=\"" << r.rc_params << "\"\n";
  for (const auto& row : r.rows)
    std::cout << "  " << std::setw(6) << fmt(row.rate(), 0) << " cases/s  " << std::setw(6) << fmt(row.seconds, 2)
              << " s  " << row.test_case << ": " << row.property << "\n";
  std::cout << "  " << std::setw(6) << fmt(r.rate(), 0) << " cases/s  " << std::setw(6) << fmt(r.total_seconds, 2)
            << " s  all " << r.rows.size() << " properties, " << r.total_cases << " cases\n";
}

}  // namespace stalemate::bench
