// JUnit XML for CI systems: one <testsuite> per registry binary, one
// <testcase> per scenario run, a <failure> carrying the violations and the
// command that replays the run.
#pragma once

#include <string>
#include <vector>

#include "common/xml.h"

namespace stalemate::reports {

struct JunitCase {
  std::string classname;  // e.g. "incidents.targeted"
  std::string name;       // scenario name and seed
  double seconds = 0;
  bool failed = false;
  bool errored = false;   // infrastructure failure, not a verdict
  std::string message;    // one line
  std::string details;    // body text (evidence, replay command)
};

struct JunitSuite {
  std::string name;
  std::vector<JunitCase> cases;
};

std::string render_junit(const std::vector<JunitSuite>& suites);

}  // namespace stalemate::reports
