// The scenario options the M5, M12 (e), M15 and M16 scenarios need: a second
// writer on one upload and the cancel of a failed upload (push options),
// the purge delay bound (registry), and
// the errors for bad ones, at their JSON paths.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "harness/scenario.h"
#include "scenario_errors.h"

using namespace stalemate;
using namespace stalemate::harness;
using nlohmann::json;

namespace {
json base() {
  return json::parse(R"({"name": "opts", "workload": {"images": [{"repository": "a/b", "layers": [{"size": "1KiB"}]}]}})");
}
}  // namespace

TEST_CASE("push options: second_writer and cancel_failed_uploads", "[harness][scenario]") {
  auto j = base();
  j["workload"]["images"][0]["push"] = {{"second_writer", "other-bytes"}, {"cancel_failed_uploads", true}};
  const auto s = parse_scenario(j, "opts.json");
  CHECK(s.workload.images[0].push.second_writer == SecondWriter::OtherBytes);
  CHECK(s.workload.images[0].push.cancel_failed_uploads);
  j["workload"]["images"][0]["push"] = {{"second_writer", "same-bytes"}};
  CHECK(parse_scenario(j, "opts.json").workload.images[0].push.second_writer == SecondWriter::SameBytes);
  CHECK(parse_scenario(base(), "opts.json").workload.images[0].push.second_writer == SecondWriter::None);

  j["workload"]["images"][0]["push"] = {{"second_writer", "three"}};
  CHECK_THAT(test::scenario_parse_error(j, "opts.json"), Catch::Contains("/workload/images/0/push/second_writer"));
  // A second writer needs the one whole-layer PATCH.
  j["workload"]["images"][0]["push"] = {{"mode", "chunked"}, {"second_writer", "other-bytes"}};
  CHECK_THAT(test::scenario_parse_error(j, "opts.json"), Catch::Contains("needs \"mode\": \"monolithic\""));
}

TEST_CASE("registry: max_purge_delay (whole minutes 0-59)", "[harness][scenario]") {
  auto j = base();
  j["registry"] = json::parse(R"({"max_purge_delay": "2m"})");
  CHECK(parse_scenario(j, "opts.json").registry.max_purge_delay_minutes == 2);
  CHECK(parse_scenario(base(), "opts.json").registry.max_purge_delay_minutes == -1);
  for (const char* bad : {"90s", "60m"}) {
    j["registry"]["max_purge_delay"] = bad;
    CHECK_THAT(test::scenario_parse_error(j, "opts.json"), Catch::Contains("/registry/max_purge_delay"));
  }
}
