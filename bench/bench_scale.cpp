// Phase (d), `--scale`: the cost curve. Registry pushes through the fake as
// the image grows (64 MiB x4 steps up to --scale-max) and as concurrent
// pushers grow (1 -> 8, one image each), each row on a fresh fake and
// registry, with its time, MB/s, peak RSS (VmHWM reset per row), the store's
// unique payload bytes and its event-log bytes; then the full-size M1
// scenario (the seed's 1,119,805,497-byte layer) run in-process.
#include <iostream>
#include <thread>

#include "bench/bench.h"
#include "harness/fake_backend.h"
#include "harness/history.h"
#include "harness/manifest.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"
#include "harness/runner.h"

namespace stalemate::bench {

using namespace stalemate::harness;

namespace {

constexpr auto kClientTimeout = std::chrono::seconds(1800);

std::uint64_t event_log_bytes(const sim::Store& store, std::uint64_t& events) {
  events = store.events().size();
  return store.events().jsonl_bytes();
}

ScaleRow push_row(const Options& options, const std::filesystem::path& work_dir, const std::string& kind,
                  std::uint64_t image_size, int pushers, int row_index) {
  ScaleRow row;
  row.kind = kind;
  row.backend = "fake " + options.scale_fake;
  row.pushers = pushers;
  row.image_bytes = image_size / 4 * 4;
  std::vector<ImageSpec> images;
  for (int i = 0; i < pushers; ++i)
    images.push_back(bench_image("bench/scale-" + std::to_string(row_index) + "-" + std::to_string(i), image_size, 4,
                                 1000u * static_cast<std::uint64_t>(row_index + 1) + 10u * static_cast<std::uint64_t>(i)));
  for (const auto& image : images) build_image(image);  // layer digests cached: client hashing stays untimed

  BackendSpec spec;
  spec.type = options.scale_fake;
  FakeBackend backend(spec);
  RegistrySpec rspec;
  rspec.binary = options.registry;
  rspec.chunksize = spec.type == "s3" ? 10ull << 20 : 20ull << 20;
  RegistryLaunch launch;
  launch.binary = options.registry;
  launch.storage = backend.registry_storage(rspec);
  launch.work_dir = work_dir;
  launch.name = "registry-scale-" + std::to_string(row_index);
  RegistryProcess registry(launch);

  reset_peak_rss();
  row.start_rss_mib = current_rss_mib();
  std::vector<std::string> errors(static_cast<std::size_t>(pushers));
  Stopwatch sw;
  {
    std::vector<std::thread> threads;
    for (int i = 0; i < pushers; ++i)
      threads.emplace_back([&, i] {
        History history;
        RegistryClient client(registry.base_url(), history, HttpClient(kClientTimeout));
        PushOptions push_options;
        push_options.mode = PushMode::Monolithic;
        const auto pushed = client.push(images[static_cast<std::size_t>(i)], push_options);
        if (!pushed.ok) errors[static_cast<std::size_t>(i)] = pushed.error.empty() ? "push failed" : pushed.error;
      });
    for (auto& t : threads) t.join();
  }
  row.seconds = sw.seconds();
  for (const auto& e : errors)
    if (!e.empty()) throw BenchFailure("scale row " + std::to_string(row_index) + ": " + e + " (registry log: " +
                                       registry.log_path().string() + ")");
  row.total_bytes = row.image_bytes * static_cast<std::uint64_t>(pushers);
  row.mbps = mb_per_s(row.total_bytes, row.seconds);
  row.peak_rss_mib = peak_rss_since_reset_mib();
  row.unique_bytes = backend.store().unique_payload_bytes();
  row.event_log_bytes = event_log_bytes(backend.store(), row.events);
  registry.stop();
  backend.stop();
  return row;
}

}  // namespace

nlohmann::json ScaleRow::to_json() const {
  return {{"kind", kind},
          {"backend", backend},
          {"pushers", pushers},
          {"image_bytes", image_bytes},
          {"total_bytes", total_bytes},
          {"seconds", seconds},
          {"mb_per_s", mbps},
          {"peak_rss_mib", peak_rss_mib},
          {"start_rss_mib", start_rss_mib},
          {"unique_payload_bytes", unique_bytes},
          {"rss_bound_mib", rss_bound_mib()},
          {"event_log_bytes", event_log_bytes},
          {"events", events}};
}

std::vector<ScaleRow> run_scale(const Options& options, const std::filesystem::path& work_dir) {
  std::vector<ScaleRow> rows;
  int index = 0;
  for (std::uint64_t size = 64ull << 20; size <= options.scale_max; size *= 4) {
    rows.push_back(push_row(options, work_dir, "size", size, 1, index++));
    print_scale_row(rows.back());
  }
  for (int pushers = 1; pushers <= 8; pushers *= 2) {
    rows.push_back(push_row(options, work_dir, "pushers", 64ull << 20, pushers, index++));
    print_scale_row(rows.back());
  }
  return rows;
}

void print_scale_row(const ScaleRow& r) {
  std::cout << "  " << r.kind << " " << r.backend << ": " << r.pushers << " x " << human_size(r.image_bytes) << " in "
            << fmt(r.seconds, 2) << " s, " << fmt(r.mbps, 1) << " MB/s, peak RSS " << fmt(r.peak_rss_mib, 1)
            << " MiB (" << fmt(r.start_rss_mib, 0) << " at its start; bound " << fmt(r.rss_bound_mib(), 1)
            << "), unique " << human_size(r.unique_bytes)
            << ", event log " << fmt(static_cast<double>(r.event_log_bytes) / kMiB, 2) << " MiB (" << r.events
            << " events)" << std::endl;
}

M1Result run_m1(const Options& options, const std::filesystem::path& work_dir) {
  M1Result m;
  m.scenario = options.m1_scenario.string();
  Scenario scenario = load_scenario(m.scenario);
  for (const auto& image : scenario.workload.images)
    for (const auto& layer : image.image.layers) m.layer_bytes = std::max(m.layer_bytes, layer.size);
  RunOptions run;
  run.out_dir = (work_dir / "m1-full-size").string();
  run.registry_binary = options.registry;
  reset_peak_rss();
  Stopwatch sw;
  const RunOutcome outcome = run_scenario(std::move(scenario), run);
  m.seconds = sw.seconds();
  m.peak_rss_mib = peak_rss_since_reset_mib();
  m.reproduced = outcome.reproduced;
  m.exit_code = outcome.exit_code;
  return m;
}

nlohmann::json M1Result::to_json() const {
  return {{"scenario", scenario},   {"layer_bytes", layer_bytes}, {"seconds", seconds},
          {"peak_rss_mib", peak_rss_mib}, {"reproduced", reproduced}, {"exit_code", exit_code}};
}

}  // namespace stalemate::bench
