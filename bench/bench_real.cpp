// Phase (e): the real-store row. The same registry pushes and pulls the same
// image through a real Swift all-in-one (harness/realstore, one replica) and
// through the fake Swift, in this run, and the row gives fake/real. When the
// real Swift cannot start (packages missing, no room), the row says why.
#include <iostream>

#include "bench/bench.h"
#include "harness/child_process.h"
#include "harness/fake_backend.h"
#include "harness/manifest.h"
#include "harness/realstore/swift_aio.h"
#include "harness/registry_process.h"

namespace stalemate::bench {

using namespace stalemate::harness;

nlohmann::json RealStoreResult::to_json() const {
  nlohmann::json j = {{"ran", ran}, {"image_bytes", image_bytes}};
  if (!ran) {
    j["why_not"] = why_not;
    return j;
  }
  j["startup_seconds"] = startup_seconds;
  j["real_swift"] = real.to_json();
  j["fake_swift"] = fake.to_json();
  j["ratio_fake_over_real"] = {{"push", push_ratio}, {"pull", pull_ratio}};
  return j;
}

RealStoreResult run_real_store(const Options& options, const std::filesystem::path& work_dir) {
  RealStoreResult res;
  res.image_bytes = options.real_image_size / 4 * 4;
  if (const std::string missing = RealSwift::missing_binaries(); !missing.empty()) {
    res.why_not = "no real Swift: " + missing;
    return res;
  }
  const ImageSpec real_image = bench_image("bench/real-swift", options.real_image_size, 4, 500);
  const ImageSpec fake_image = bench_image("bench/fake-swift-vs-real", options.real_image_size, 4, 500);
  build_image(real_image);  // the layer digests, untimed (both images share them)
  RegistrySpec rspec;
  rspec.binary = options.registry;
  rspec.chunksize = 20ull << 20;
  try {
    RealSwift swift(work_dir / "real-swift");
    swift.start();
    res.startup_seconds = static_cast<double>(swift.startup_time().count()) / 1000.0;
    RegistryLaunch launch;
    launch.binary = options.registry;
    launch.storage = {{"swift",
                       {{"authurl", swift.auth_url()},
                        {"username", RealSwift::kUser},
                        {"password", RealSwift::kKey},
                        {"authversion", 1},
                        {"container", "registry"},
                        {"chunksize", rspec.chunksize}}},
                      {"redirect", {{"disable", true}}}};
    launch.work_dir = work_dir;
    launch.name = "registry-real-swift";
    res.real = push_pull("registry/real swift", launch, real_image, res.image_bytes, nullptr, options.pull_runs);
    swift.stop();
  } catch (const InfrastructureError& e) {
    res.why_not = std::string("the real Swift did not start: ") + e.what();
    return res;
  }
  {
    BackendSpec spec;
    spec.type = "swift";
    FakeBackend backend(spec);
    RegistryLaunch launch;
    launch.binary = options.registry;
    launch.storage = backend.registry_storage(rspec);
    launch.work_dir = work_dir;
    launch.name = "registry-fake-vs-real";
    res.fake = push_pull("registry/fake swift", launch, fake_image, res.image_bytes, &backend, options.pull_runs);
    backend.stop();
  }
  res.ran = true;
  res.push_ratio = res.real.push_mbps > 0 ? res.fake.push_mbps / res.real.push_mbps : 0;
  res.pull_ratio = res.real.pull_mbps > 0 ? res.fake.pull_mbps / res.real.pull_mbps : 0;
  return res;
}

}  // namespace stalemate::bench
