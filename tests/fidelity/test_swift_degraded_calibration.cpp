// Calibration for issue 14's `swift-degraded` preset, by hand only (hidden
// tag: `fidelity_tests "[calibration]"`, about two minutes): a three-replica
// real Swift with its replicator and updaters, one object server stopped
// while every object is overwritten, then restarted. Measures how often plain
// reads (no X-Newest) and listings answer the old version after the restart,
// and how long until the replicator has repaired the replica.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_command.h"
#include "common/crypto.h"
#include "fidelity_support.h"
#include "harness/realstore/swift_aio.h"

using stalemate::harness::RealSwift;
using namespace stalemate::fidelity;
using Clock = std::chrono::steady_clock;

TEST_CASE("swift-degraded calibration: stale reads after an object server comes back", "[.][calibration]") {
  if (!real_swift_available()) return;
  // 30 overwrites while down: the proxy error-limits the dead server after 10
  // errors (error_suppression_limit) for 60 s; 5 overwrites stay below that.
  const int kObjects = GENERATE(5, 30);
  constexpr auto kDownFor = std::chrono::seconds(10);
  constexpr auto kObserve = std::chrono::seconds(90);
  const auto dir = stalemate::testing::fresh_dir("stalemate-calibration", "degraded" + std::to_string(kObjects));
  stalemate::harness::RealSwiftOptions options;
  options.replicas = 3;
  options.background_daemons = true;
  RealSwift swift(dir, options);
  swift.start();
  const auto [url, token] = swift_login(swift.auth_url(), RealSwift::kUser, RealSwift::kKey);
  REQUIRE(http("PUT", url + "/cal", token).status == 201);
  for (int i = 0; i < kObjects; ++i) REQUIRE(http("PUT", url + "/cal/o" + std::to_string(i), token, {}, "v1").status == 201);
  swift.stop_object_server(0);
  for (int i = 0; i < kObjects; ++i) REQUIRE(http("PUT", url + "/cal/o" + std::to_string(i), token, {}, "v2-new").status == 201);
  std::this_thread::sleep_for(kDownFor);  // the outage itself: a measured span, not a synchronisation
  swift.start_object_server(0);

  const auto t0 = Clock::now();
  std::vector<double> last_stale(kObjects, -1);
  long reads = 0, stale = 0, stale_first_5s = 0, reads_first_5s = 0, listings = 0, stale_listings = 0;
  while (Clock::now() - t0 < kObserve) {
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    for (int i = 0; i < kObjects; ++i) {
      const auto r = http("GET", url + "/cal/o" + std::to_string(i), token);
      ++reads;
      if (t < 5) ++reads_first_5s;
      if (r.body != "v2-new") {
        ++stale;
        if (t < 5) ++stale_first_5s;
        last_stale[static_cast<std::size_t>(i)] = t;
      }
    }
    const auto l = nlohmann::json::parse(http("GET", url + "/cal?format=json", token).body, nullptr, false);
    ++listings;
    if (l.is_array())
      for (const auto& e : l)
        if (e.value("bytes", 0) != 6) {
          ++stale_listings;
          break;
        }
  }
  std::vector<double> repaired = last_stale;
  std::sort(repaired.begin(), repaired.end());
  const int ever_stale = static_cast<int>(std::count_if(repaired.begin(), repaired.end(), [](double v) { return v >= 0; }));
  WARN(kObjects << " objects overwritten while down: reads " << reads << ", stale " << stale << " (" << (100.0 * stale / reads) << "%); first 5 s: " << stale_first_5s
       << " of " << reads_first_5s << "; objects ever stale " << ever_stale << " of " << kObjects
       << "; last stale read per object p50 " << repaired[kObjects / 2] << " s, max " << repaired.back()
       << " s; listings " << listings << ", stale " << stale_listings);
}
