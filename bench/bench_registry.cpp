// Phase (b): push and pull of one image through the real registry, on the
// fake Swift, on the fake S3 and on the same binary's filesystem driver.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>

#include "bench/bench.h"
#include "harness/fake_backend.h"
#include "harness/checkers.h"
#include "harness/history.h"
#include "harness/manifest.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"

namespace stalemate::bench {

using namespace stalemate::harness;

namespace {

constexpr std::uint64_t kLayerSeedBase = 0x1A7E2000;
constexpr std::uint64_t kConfigSeed = 0xC0F1;
constexpr auto kClientTimeout = std::chrono::seconds(600);


// One timed registry operation: wall seconds, and the CPU seconds the registry
// process and this one (client + fake) spent in it.
struct Timed {
  double seconds = 0, cpu_registry = 0, cpu_bench = 0;
};
template <typename Op>
Timed timed(pid_t registry_pid, Op&& op) {
  const double registry_cpu = process_cpu_seconds(registry_pid), bench_cpu = own_cpu_seconds();
  Stopwatch sw;
  op();
  Timed t;
  t.seconds = sw.seconds();
  t.cpu_registry = process_cpu_seconds(registry_pid) - registry_cpu;
  t.cpu_bench = own_cpu_seconds() - bench_cpu;
  return t;
}

void print_run(const std::string& what, const Timed& t, std::uint64_t bytes, const std::string& note) {
  std::cout << "  " << what << ": " << fmt(t.seconds, 3) << " s  " << fmt(mb_per_s(bytes, t.seconds), 1) << " MB/s  ("
            << note << "CPU s: registry " << fmt(t.cpu_registry, 2) << ", bench process " << fmt(t.cpu_bench, 2) << ")"
            << std::endl;
}

// `runs` pairs of timed runs back to back, the fake first on even rounds and
// the filesystem first on odd ones; per pair, the filesystem run's seconds and
// (filesystem s / fake s).
struct Pairs {
  std::vector<double> fs_seconds, ratios;
};
template <typename FakeRun, typename FsRun>
Pairs run_pairs(int runs, FakeRun&& fake_run, FsRun&& fs_run) {
  Pairs p;
  for (int i = 0; i < runs; ++i) {
    const bool fake_first = i % 2 == 0;
    double fake = fake_first ? fake_run() : 0;
    const double fs = fs_run();
    if (!fake_first) fake = fake_run();
    p.fs_seconds.push_back(fs);
    p.ratios.push_back(fs / fake);
  }
  return p;
}

std::string first_violation(const History& history) {
  const auto v = violations_of(history);
  if (v.empty()) return "";
  return v.front().invariant + ": " + v.front().message;
}

}  // namespace

ImageSpec bench_image(const std::string& repository, std::uint64_t size, int layers, std::uint64_t seed_base) {
  ImageSpec image;
  image.repository = repository;
  image.tag = "bench";
  image.config_seed = kConfigSeed;
  image.format = ManifestFormat::DockerV2;
  const std::uint64_t layer = size / static_cast<std::uint64_t>(layers);
  for (int i = 0; i < layers; ++i) image.layers.push_back({layer, kLayerSeedBase + seed_base + static_cast<std::uint64_t>(i)});
  return image;
}

RegistryRow::RegistryRow(std::string name, const RegistryLaunch& launch, std::uint64_t image_bytes, FakeBackend* fake)
    : registry_(launch), client_(registry_.base_url(), history_, HttpClient(kClientTimeout)), image_bytes_(image_bytes),
      fake_(fake) {  // RegistryProcess throws InfrastructureError
  run_.name = std::move(name);
  run_.log_path = registry_.log_path().string();
  reset_peak_rss();
}

RegistryRow::~RegistryRow() = default;

void RegistryRow::push(const ImageSpec& first_image, int push_runs) {
  for (int k = 0; k < std::max(1, push_runs); ++k) push_once(first_image);
}

double RegistryRow::push_once(const ImageSpec& first_image) {
  const std::size_t k = run_.push_runs_seconds.size();
  image_ = first_image;
  if (k > 0) {
    image_.repository += "-run" + std::to_string(k + 1);
    for (auto& layer : image_.layers) layer.seed += 1000 * static_cast<std::uint64_t>(k);
  }
  build_image(image_);  // layer digests (cached), untimed
  // Untimed: the filesystem rows' earlier pushes are written back now, not by
  // the kernel's flusher during this run (from about the fourth 512 MiB push,
  // writeback doubled the filesystem registry's CPU per push and slowed the
  // fake rows beside it).
  ::sync();
  PushOptions push_options;
  push_options.mode = PushMode::Monolithic;
  PushResult pushed;
  const Timed t = timed(registry_.pid(), [&] { pushed = client_.push(image_, push_options); });
  if (!pushed.ok)
    throw BenchFailure(run_.name + ": push failed: " + pushed.error + " (registry log: " + run_.log_path + ")");
  if (run_.push_runs_seconds.empty() || t.seconds < run_.push_seconds) {
    run_.push_seconds = t.seconds;
    run_.push_cpu_registry = t.cpu_registry;
    run_.push_cpu_bench = t.cpu_bench;
  }
  run_.push_runs_seconds.push_back(t.seconds);
  run_.push_runs_cpu_registry.push_back(t.cpu_registry);
  run_.push_runs_cpu_bench.push_back(t.cpu_bench);
  run_.push_mbps = mb_per_s(image_bytes_, run_.push_seconds);
  print_run(run_.name + " push run " + std::to_string(k + 1), t, image_bytes_, "");
  return t.seconds;
}

double RegistryRow::pull_once() {
  ::sync();  // as for pushes: no writeback during the timed run
  PullResult pulled;
  const Timed t = timed(registry_.pid(), [&] { pulled = client_.pull(image_, PullBy::Digest); });
  if (!pulled.ok) {
    const std::string why = pulled.error.empty() ? first_violation(history_) : pulled.error;
    throw BenchFailure(run_.name + ": pull by digest failed: " + why + " (registry log: " + run_.log_path + ")");
  }
  if (run_.pull_runs_seconds.empty() || t.seconds < run_.pull_seconds) {
    run_.pull_seconds = t.seconds;
    run_.pull_cpu_registry = t.cpu_registry;
    run_.pull_cpu_bench = t.cpu_bench;
  }
  run_.pull_runs_seconds.push_back(t.seconds);
  run_.pull_mbps = mb_per_s(image_bytes_, run_.pull_seconds);
  print_run(run_.name + " pull run " + std::to_string(run_.pull_runs_seconds.size()), t, image_bytes_,
            "every blob sha256-checked; ");
  return t.seconds;
}

void RegistryRow::close_rss_window() { frozen_row_peak_rss_mib_ = peak_rss_since_reset_mib(); }

BackendRun RegistryRow::finish() {
  run_.violations = violations_of(history_).size();
  if (run_.violations != 0)
    throw BenchFailure(run_.name + ": " + std::to_string(run_.violations) +
                       " invariant violation(s), first: " + first_violation(history_));

  const auto requests = history_.requests();
  run_.client_requests = requests.size();
  std::map<std::string, OperationTotal> totals;
  std::vector<std::string> order;
  for (const auto& r : requests) {
    auto [it, inserted] = totals.try_emplace(r.operation);
    if (inserted) order.push_back(r.operation);
    it->second.count += 1;
    it->second.seconds += static_cast<double>(r.end_us - r.start_us) / 1e6;
    it->second.bytes_sent += r.bytes_sent;
    it->second.bytes_received += r.bytes_received;
  }
  for (const auto& op : order) run_.by_operation.emplace_back(op, totals[op]);
  if (fake_) run_.backend_requests = fake_->requests_served();
  if (fake_) run_.unique_bytes = fake_->store().unique_payload_bytes();
  run_.row_peak_rss_mib = frozen_row_peak_rss_mib_ ? *frozen_row_peak_rss_mib_ : peak_rss_since_reset_mib();
  run_.rss_peak_mib = peak_rss_mib();
  run_.rss_now_mib = current_rss_mib();
  registry_.stop();
  return run_;
}

BackendRun push_pull(const std::string& name, const RegistryLaunch& launch, const ImageSpec& first_image,
                     std::uint64_t image_bytes, FakeBackend* fake, int pull_runs, int push_runs) {
  RegistryRow row(name, launch, image_bytes, fake);
  row.push(first_image, push_runs);
  for (int i = 0; i < pull_runs; ++i) row.pull_once();
  return row.finish();
}

nlohmann::json BackendRun::to_json() const {
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& [op, t] : by_operation)
    ops[op] = {{"count", t.count}, {"seconds", t.seconds}, {"bytes_sent", t.bytes_sent},
               {"bytes_received", t.bytes_received}};
  nlohmann::json j = {
      {"push_seconds", push_seconds},
      {"pull_seconds", pull_seconds},
      {"pull_runs_seconds", pull_runs_seconds},
      {"push_runs_seconds", push_runs_seconds},
      {"push_mb_per_s", push_mbps},
      {"pull_mb_per_s", pull_mbps},
      {"push_mib_per_s", push_mbps * kMB / kMiB},
      {"pull_mib_per_s", pull_mbps * kMB / kMiB},
      {"client_requests", client_requests},
      {"violations", violations},
      {"registry_log", log_path},
      {"client_time_by_operation", ops},
      {"rss_peak_mib_after_phase", rss_peak_mib},
      {"rss_now_mib_after_phase", rss_now_mib},
      {"row_peak_rss_mib", row_peak_rss_mib},
      {"push_cpu_seconds", {{"registry", push_cpu_registry}, {"bench_process", push_cpu_bench}}},
      {"pull_cpu_seconds", {{"registry", pull_cpu_registry}, {"bench_process", pull_cpu_bench}}},
  };
  if (unique_bytes) j["unique_payload_bytes"] = unique_bytes;
  if (paired_filesystem_pull_mbps > 0) j["paired_filesystem_pull_mb_per_s"] = paired_filesystem_pull_mbps;
  if (!pull_pair_ratios.empty()) j["pull_pair_ratios"] = pull_pair_ratios;
  if (!push_pair_ratios.empty()) {
    j["push_pair_ratios"] = push_pair_ratios;
    j["paired_filesystem_push_seconds"] = paired_filesystem_push_seconds;
  }
  j["push_runs_cpu_seconds"] = {{"registry", push_runs_cpu_registry}, {"bench_process", push_runs_cpu_bench}};
  if (backend_requests) j["backend_requests"] = backend_requests;
  return j;
}

nlohmann::json RegistryResult::to_json() const {
  nlohmann::json j = {
      {"registry_version", registry_version},
      {"image_layer_bytes", image_bytes},
      {"layers", layers},
      {"layer_bytes", layer_size},
      {"push_mode", "monolithic"},
      {"pull_by", "digest"},
      {"push_runs", filesystem.push_runs_seconds.size()},
      {"pull_runs", filesystem.pull_runs_seconds.size()},
      {"redirect", false},
      {"filesystem_root", fs_root},
      {"filesystem_type", fs_type},
      {"layer_digest_precompute_seconds", digest_seconds},
      {"filesystem", filesystem.to_json()},
  };
  if (fake) {
    j["swift_chunksize"] = chunksize;
    j["fake_swift"] = fake->to_json();
    j["ratio_fake_over_filesystem"] = {{"push", push_ratio}, {"pull", pull_ratio}, {"push_best_against_best", push_ratio_best}, {"pull_best_against_best", pull_ratio_best}};
  }
  if (ceiling_swift) j["ceiling_fake_swift"] = ceiling_swift->to_json();
  if (ceiling_s3) j["ceiling_fake_s3"] = ceiling_s3->to_json();
  if (fake_s3) {
    j["s3_chunksize"] = s3_chunksize;
    j["fake_s3"] = fake_s3->to_json();
    j["ratio_fake_s3_over_filesystem"] = {{"push", s3_push_ratio}, {"pull", s3_pull_ratio}, {"push_best_against_best", s3_push_ratio_best}, {"pull_best_against_best", s3_pull_ratio_best}};
  }
  return j;
}

RegistryResult run_registry(const Options& options, const std::filesystem::path& work_dir) {
  RegistryResult res;
  res.registry_version = RegistryProcess::version_of(options.registry);
  res.layers = options.image_layers;
  res.layer_size = options.image_size / static_cast<std::uint64_t>(options.image_layers);
  res.image_bytes = res.layer_size * static_cast<std::uint64_t>(options.image_layers);

  const ImageSpec fake_image = bench_image("bench/fake-swift", options.image_size, options.image_layers);
  const ImageSpec fs_image = bench_image("bench/filesystem", options.image_size, options.image_layers);
  {
    // The layer digests are cached process-wide by (seed, size): computing
    // them here keeps client-side hashing out of both timed pushes alike.
    Stopwatch sw;
    build_image(fake_image);
    res.digest_seconds = sw.seconds();
  }

  // The filesystem row is pushed first and kept running; each fake row's
  // pulls then alternate with filesystem pulls (fake first on even rounds,
  // filesystem first on odd ones), so that a pull ratio compares runs taken
  // moments apart: load from elsewhere on a shared machine moves both alike.
  // Pushes pair the same way. A ratio is the median over its pairs: best
  // against best let one lucky half-second filesystem pull decide it (0.78
  // against a 0.84 median), and a filesystem pushed minutes before the fake
  // row put a fake without digests at 1.12.
  const auto root = work_dir / "fs-root";
  std::filesystem::create_directories(root);
  res.fs_root = root.string();
  res.fs_type = filesystem_type(root);
  RegistryLaunch fs_launch;
  fs_launch.binary = options.registry;
  fs_launch.storage = {{"filesystem", {{"rootdirectory", root.string()}}}};
  fs_launch.work_dir = work_dir;
  fs_launch.name = "registry-filesystem";
  RegistryRow fs_row("registry/filesystem", fs_launch, res.image_bytes, nullptr);
  fs_row.push_once(fs_image);  // what its pulls pull until the first fake row pushes beside it
  fs_row.close_rss_window();   // the fake rows below are not the filesystem's

  // Each fake backend is torn down before the next.
  auto on_fake = [&](const std::string& type, const ImageSpec& image, std::uint64_t chunksize, bool ceiling = false) {
    BackendSpec spec;
    spec.type = type;
    spec.unhashed_large_bodies = ceiling;
    FakeBackend backend(spec);
    RegistrySpec rspec;
    rspec.binary = options.registry;
    rspec.chunksize = chunksize;
    rspec.redirect = false;
    RegistryLaunch launch;
    launch.binary = options.registry;
    launch.storage = backend.registry_storage(rspec);
    launch.work_dir = work_dir;
    launch.name = std::string(ceiling ? "registry-ceiling-" : "registry-fake-") + type;
    RegistryRow row((ceiling ? "ceiling (no digests) " : "registry/fake ") + type, launch, res.image_bytes, &backend);
    // Each fake push beside a filesystem push of a new image, then each pull
    // beside a filesystem pull.
    auto pushes = run_pairs(options.push_runs, [&] { return row.push_once(image); },
                            [&] { return fs_row.push_once(fs_image); });
    auto pulls = run_pairs(options.pull_runs, [&] { return row.pull_once(); }, [&] { return fs_row.pull_once(); });
    auto run = row.finish();
    if (!pulls.fs_seconds.empty())
      run.paired_filesystem_pull_mbps =
          mb_per_s(res.image_bytes, *std::min_element(pulls.fs_seconds.begin(), pulls.fs_seconds.end()));
    run.pull_pair_ratios = std::move(pulls.ratios);
    run.paired_filesystem_push_seconds = std::move(pushes.fs_seconds);
    run.push_pair_ratios = std::move(pushes.ratios);
    backend.stop();
    return run;
  };
  if (options.run_swift) {
    res.chunksize = 20ull << 20;
    res.fake = on_fake("swift", fake_image, res.chunksize);
  }
  if (options.run_s3) {
    res.s3_chunksize = 10ull << 20;
    res.fake_s3 = on_fake("s3", bench_image("bench/fake-s3", options.image_size, options.image_layers), res.s3_chunksize);
  }
  // Other repositories than the rows above: every blob is pushed again.
  if (options.run_ceiling && options.run_swift)
    res.ceiling_swift = on_fake("swift", bench_image("bench/ceiling-swift", options.image_size, options.image_layers),
                                res.chunksize, true);
  if (options.run_ceiling && options.run_s3)
    res.ceiling_s3 = on_fake("s3", bench_image("bench/ceiling-s3", options.image_size, options.image_layers),
                             res.s3_chunksize, true);
  // Without a fake row the filesystem is still pushed and pulled on its own.
  if (!options.run_swift && !options.run_s3) {
    for (int i = 1; i < options.push_runs; ++i) fs_row.push_once(fs_image);
    for (int i = 0; i < options.pull_runs; ++i) fs_row.pull_once();
  }
  res.filesystem = fs_row.finish();
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0; };
  if (res.fake) {
    res.push_ratio = median(res.fake->push_pair_ratios);
    res.push_ratio_best = ratio(res.fake->push_mbps, res.filesystem.push_mbps);
    res.pull_ratio = median(res.fake->pull_pair_ratios);
    res.pull_ratio_best = ratio(res.fake->pull_mbps, res.fake->paired_filesystem_pull_mbps);
  }
  if (res.fake_s3) {
    res.s3_push_ratio = median(res.fake_s3->push_pair_ratios);
    res.s3_push_ratio_best = ratio(res.fake_s3->push_mbps, res.filesystem.push_mbps);
    res.s3_pull_ratio = median(res.fake_s3->pull_pair_ratios);
    res.s3_pull_ratio_best = ratio(res.fake_s3->pull_mbps, res.fake_s3->paired_filesystem_pull_mbps);
  }
  return res;
}

}  // namespace stalemate::bench
