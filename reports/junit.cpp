#include "reports/junit.h"

#include <cstdio>
#include <sstream>

namespace stalemate::reports {

std::string render_junit(const std::vector<JunitSuite>& suites) {
  std::ostringstream out;
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  for (const auto& suite : suites) {
    std::size_t failures = 0, errors = 0;
    double seconds = 0;
    for (const auto& c : suite.cases) {
      failures += c.failed;
      errors += c.errored;
      seconds += c.seconds;
    }
    char time[32];
    std::snprintf(time, sizeof time, "%.3f", seconds);
    out << "  <testsuite name=\"" << xml_escape(suite.name) << "\" tests=\"" << suite.cases.size() << "\" failures=\""
        << failures << "\" errors=\"" << errors << "\" time=\"" << time << "\">\n";
    for (const auto& c : suite.cases) {
      std::snprintf(time, sizeof time, "%.3f", c.seconds);
      out << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\"" << xml_escape(c.name)
          << "\" time=\"" << time << "\"";
      if (!c.failed && !c.errored) {
        out << "/>\n";
        continue;
      }
      out << ">\n      <" << (c.errored ? "error" : "failure") << " message=\"" << xml_escape(c.message) << "\">"
          << xml_escape(c.details) << "</" << (c.errored ? "error" : "failure") << ">\n    </testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

}  // namespace stalemate::reports
