// stalemate_bench: throughput and memory figures for the fake Swift and the
// fake S3, and for the real registry on each versus the same registry on its
// filesystem driver.
// Not a test: it prints figures and ratios (and optionally writes them as
// JSON). It still fails (exit 1) when a transfer fails, a body hashes wrong or
// the registry client records an invariant violation, since figures from a
// broken run mean nothing.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <sstream>

#include "bench/bench.h"
#include "harness/child_reaper.h"
#include "harness/registry_process.h"

using namespace stalemate;
using namespace stalemate::bench;

namespace {

std::string pad(const std::string& s, std::size_t width) { return s.size() >= width ? s : s + std::string(width - s.size(), ' '); }
std::string lpad(const std::string& s, std::size_t width) { return s.size() >= width ? s : std::string(width - s.size(), ' ') + s; }

std::filesystem::path make_temp_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/stalemate-bench-XXXXXX";
  if (!::mkdtemp(tmpl.data())) throw harness::InfrastructureError("cannot create a temp dir from " + tmpl);
  return tmpl;
}

void print_raw(const RawResult& r, const ClientCeilings& c) {
  std::cout << "\n  " << pad("op", 5) << lpad("best s", 9) << lpad("MB/s", 10) << lpad("MiB/s", 10) << "   all runs (s)\n";
  auto row = [&](const char* op, const std::vector<double>& secs, double mbps) {
    std::ostringstream all;
    for (std::size_t i = 0; i < secs.size(); ++i) all << (i ? " " : "") << fmt(secs[i], 3);
    const double best = *std::min_element(secs.begin(), secs.end());
    std::cout << "  " << pad(op, 5) << lpad(fmt(best, 3), 9) << lpad(fmt(mbps, 1), 10) << lpad(fmt(mbps * kMB / kMiB, 1), 10)
              << "   " << all.str() << "\n";
  };
  row("PUT", r.put_seconds, r.put_best_mbps);
  row("GET", r.get_seconds, r.get_best_mbps);
  std::cout << "  in-process ceilings (no network, " << human_size(c.bytes) << "): generator fill "
            << fmt(c.fill_mbps, 0) << " MB/s, SHA-256 " << fmt(c.sha256_mbps, 0) << " MB/s (client side); MD5 "
            << fmt(c.md5_mbps, 0) << " MB/s (the fake's ETag on PUT)\n";
  std::cout << "  store: " << r.replicas_present << " object replicas present, " << r.replica_refs
            << " store references to one " << human_size(r.size) << " buffer (logical " << human_size(r.logical_bytes)
            << ", physical payload " << human_size(r.physical_bytes) << ")\n";
  std::cout << "  RSS after phase: peak " << fmt(r.rss_peak_mib, 1) << " MiB ("
            << fmt(r.rss_peak_mib * kMiB / static_cast<double>(r.size), 2) << " x raw object size), now "
            << fmt(r.rss_now_mib, 1) << " MiB\n";
}

void print_registry(const RegistryResult& r) {
  std::vector<const BackendRun*> runs;
  if (r.fake) runs.push_back(&*r.fake);
  if (r.fake_s3) runs.push_back(&*r.fake_s3);
  if (r.ceiling_swift) runs.push_back(&*r.ceiling_swift);
  if (r.ceiling_s3) runs.push_back(&*r.ceiling_s3);
  runs.push_back(&r.filesystem);
  std::cout << "\n  " << pad("backend", 30) << lpad("push s", 9) << lpad("push MB/s", 11) << lpad("pull s", 9)
            << lpad("pull MB/s", 11) << lpad("requests", 10) << lpad("push CPU s reg/bench", 22) << "\n";
  for (const BackendRun* b : runs) {
    std::cout << "  " << pad(b->name, 30) << lpad(fmt(b->push_seconds, 3), 9) << lpad(fmt(b->push_mbps, 1), 11)
              << lpad(fmt(b->pull_seconds, 3), 9) << lpad(fmt(b->pull_mbps, 1), 11)
              << lpad(std::to_string(b->client_requests), 10)
              << lpad(fmt(b->push_cpu_registry, 2) + " / " + fmt(b->push_cpu_bench, 2), 22) << "\n";
  }
  auto push_ratio = [&](const BackendRun& b) { return fmt(median(b.push_pair_ratios), 2); };
  if (r.ceiling_swift)
    std::cout << "  " << pad("ratio ceiling swift/fs", 30) << lpad(push_ratio(*r.ceiling_swift), 20) << "\n";
  if (r.ceiling_s3)
    std::cout << "  " << pad("ratio ceiling s3/fs", 30) << lpad(push_ratio(*r.ceiling_s3), 20) << "\n";
  if (r.fake)
    std::cout << "  " << pad("ratio fake swift/fs", 26) << lpad(fmt(r.push_ratio, 2), 20) << lpad(fmt(r.pull_ratio, 2), 20)
              << "\n";
  if (r.fake_s3)
    std::cout << "  " << pad("ratio fake s3/fs", 26) << lpad(fmt(r.s3_push_ratio, 2), 20)
              << lpad(fmt(r.s3_pull_ratio, 2), 20) << "\n";
  if (r.fake && r.fake->backend_requests)
    std::cout << "  the fake Swift served " << r.fake->backend_requests << " requests from the registry\n";
  if (r.fake_s3 && r.fake_s3->backend_requests)
    std::cout << "  the fake S3 served " << r.fake_s3->backend_requests << " requests from the registry\n";
  for (const BackendRun* b : {r.fake ? &*r.fake : nullptr, r.fake_s3 ? &*r.fake_s3 : nullptr})
    if (b)
      std::cout << "  " << b->name << ": pull ratio = median over the pairs of (filesystem pull s / this pull s), each "
                << "pair run back to back; the best filesystem pull among them: " << fmt(b->paired_filesystem_pull_mbps, 1)
                << " MB/s\n";
  std::cout << "  filesystem driver root: " << r.fs_root << " (" << r.fs_type << ")\n";

  // Where the client's time went, per operation (sum of request durations).
  std::vector<std::string> ops;
  std::set<std::string> seen;
  for (const BackendRun* b : runs)
    for (const auto& [op, t] : b->by_operation)
      if (seen.insert(op).second) ops.push_back(op);
  auto find = [](const BackendRun& b, const std::string& op) -> OperationTotal {
    for (const auto& [o, t] : b.by_operation)
      if (o == op) return t;
    return {};
  };
  std::cout << "\n  client time by operation   ";
  for (const BackendRun* b : runs) {
    std::string n = b->name.substr(b->name.find('/') + 1);
    if (n.rfind("ceiling", 0) == 0) n = "ceiling " + n.substr(n.rfind(' ') + 1);  // "ceiling (no digests) s3"
    std::cout << lpad(n + " (n, s)", 20);
  }
  std::cout << "\n";
  for (const auto& op : ops) {
    std::cout << "  " << pad(op, 26);
    for (const BackendRun* b : runs) {
      const auto t = find(*b, op);
      std::cout << lpad(std::to_string(t.count) + "  " + fmt(t.seconds, 3), 20);
    }
    std::cout << "\n";
  }
  for (const BackendRun* b : {r.fake ? &*r.fake : nullptr, r.fake_s3 ? &*r.fake_s3 : nullptr})
    if (b)
      std::cout << "  RSS (bench process) after " << b->name << " run: peak " << fmt(b->rss_peak_mib, 1) << " MiB ("
                << fmt(b->rss_peak_mib * kMiB / static_cast<double>(r.image_bytes * b->push_runs_seconds.size()), 2)
                << " x the " << b->push_runs_seconds.size() << " images pushed)\n";
}

}  // namespace

int main(int argc, char** argv) {
  // One malloc arena: malloc_trim (at each row's start) returns all of it.
  // glibc's per-thread arenas keep their freed top resident (malloc_trim does
  // not shrink it): ~60-110 MiB of an earlier row would count in the next
  // row's peak RSS. Mapping every large buffer on its own instead
  // (M_MMAP_THRESHOLD) cost the raw PUT 12 % in page faults.
  ::mallopt(M_ARENA_MAX, 1);
  Options options;
  try {
    options = parse_options(argc, argv);
  } catch (const UsageError& e) {
    const std::string what = e.what();
    if (what.empty()) {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "stalemate_bench: " << what << "\n" << kUsage;
    return kExitUsage;
  }
  harness::install_child_reaper();

  nlohmann::json report;
  report["units"] = {{"throughput", "MB/s, 1 MB = 1e6 bytes"}, {"rss", "MiB"}};
  report["parameters"] = {{"raw_size", options.raw_size},     {"raw_runs", options.raw_runs},
                          {"image_size", options.image_size}, {"image_layers", options.image_layers},
                          {"registry", options.registry},     {"phases", {{"raw", options.run_raw}, {"registry", options.run_registry}, {"hostile", options.run_hostile}, {"properties", options.run_properties}}},
                          {"fakes", {{"swift", options.run_swift}, {"s3", options.run_s3}}}};
  report["environment"] = {{"online_cpus", online_cpus()}, {"cpu_sha_ni", cpu_has_flag("sha_ni")}, {"load_average", load_average()}};
  const double rss_start = current_rss_mib();
  report["rss_at_start_mib"] = rss_start;

  std::filesystem::path out_dir;
  bool temp_out = false;
  int exit_code = 0;
  std::optional<RawResult> raw, raw_s3;
  std::optional<RegistryResult> reg;
  std::optional<ClientCeilings> ceilings;
  std::optional<HostileResult> hostile;
  AllResults all;

  try {
    if (options.out) {
      out_dir = *options.out;
      std::filesystem::create_directories(out_dir);
    } else {
      out_dir = make_temp_dir();
      temp_out = true;
    }
    std::cout << "stalemate_bench: throughput and memory figures (not a test)\n"
              << "  1 MB = 10^6 bytes; cores online: " << online_cpus()
              << "; CPU SHA extensions: " << (cpu_has_flag("sha_ni") ? "yes" : "no") << "; load average "
              << load_average() << "\n"
              << "  out: " << out_dir.string() << (temp_out ? " (temp, removed at the end)" : "") << "\n";

    // The MD5 rate is the raw PUT's yardstick and part of the Swift push's bound.
    if (options.run_raw || options.run_registry)
      ceilings = measure_client_ceilings(std::min<std::uint64_t>(options.raw_size, 256ull << 20));
    if (options.run_raw) {
      if (options.run_swift) {
        std::cout << "\n== (a) raw PUT/GET on the fake Swift: " << human_size(options.raw_size)
                  << " object, 3 replicas, best of " << options.raw_runs << " runs each ==\n";
        raw = run_raw(options, "swift");
        print_raw(*raw, *ceilings);
        report["raw"] = raw->to_json();
        report["raw"]["client_ceilings"] = {{"bytes", ceilings->bytes},
                                            {"generator_fill_mb_per_s", ceilings->fill_mbps},
                                            {"sha256_mb_per_s", ceilings->sha256_mbps},
                                            {"md5_mb_per_s", ceilings->md5_mbps}};
      }
      if (options.run_s3) {
        std::cout << "\n== (a') raw PUT/GET on the fake S3: " << human_size(options.raw_size)
                  << " object, 3 replicas, SigV4 (PUT body UNSIGNED-PAYLOAD), best of " << options.raw_runs
                  << " runs each ==\n";
        raw_s3 = run_raw(options, "s3");
        print_raw(*raw_s3, *ceilings);
        report["raw_s3"] = raw_s3->to_json();
      }
    }
    if (options.run_hostile) {
      std::cout << "\n== (c) HTTP server under hostile clients: " << options.hostile_connections << " idle + "
                << options.hostile_connections << " slowloris connections held while " << options.hostile_requests
                << " normal PUTs are served ==\n";
      hostile = run_hostile(options);
      std::cout << "  connections held at the end: " << hostile->held << " of " << hostile->idle + hostile->slowloris
                << "\n  normal requests: " << hostile->requests << ", latency p50 " << fmt(hostile->p50_ms, 2)
                << " ms, p99 " << fmt(hostile->p99_ms, 2) << " ms, max " << fmt(hostile->max_ms, 2) << " ms\n"
                << "  RSS: " << fmt(hostile->rss_before_mib, 1) << " MiB before, " << fmt(hostile->rss_loaded_mib, 1)
                << " MiB with the connections held, peak " << fmt(hostile->rss_peak_mib, 1) << " MiB\n";
      report["hostile"] = hostile->to_json();
    }
    if (options.run_registry) {
      std::cout << "\n== (b) registry push/pull: " << human_size(options.image_size) << " image as "
                << options.image_layers << " layers, " << options.push_runs << " monolithic pushes and "
                << options.pull_runs << " pulls by digest per fake, each run beside a filesystem run ==\n"
                << "  registry: " << harness::RegistryProcess::version_of(options.registry) << "\n";
      if (options.run_swift) std::cout << "  fake swift: chunksize 20 MiB, redirect off\n";
      if (options.run_s3) std::cout << "  fake s3: chunksize 10 MiB, path style, v4auth, redirect off\n";
      std::cout << "  layer digests pre-computed (not timed)\n";
      reg = run_registry(options, out_dir);
      print_registry(*reg);
      report["registry"] = reg->to_json();
      for (const BackendRun* b : {reg->fake ? &*reg->fake : nullptr, reg->fake_s3 ? &*reg->fake_s3 : nullptr})
        if (b)
          std::cout << "  " << b->name << ": row peak RSS " << fmt(b->row_peak_rss_mib, 1) << " MiB, store holds "
                    << human_size(b->unique_bytes) << " of unique payload\n";
    }
    if (options.run_real) {
      std::cout << "\n== (e) real-store row: " << human_size(options.real_image_size)
                << " image through a real Swift all-in-one (1 replica) and the fake Swift, same registry ==\n";
      all.real = run_real_store(options, out_dir);
      report["real_store"] = all.real->to_json();
      if (!all.real->ran) {
        std::cout << "  real-store row skipped: " << all.real->why_not << "\n";
      } else {
        std::cout << "  real Swift started in " << fmt(all.real->startup_seconds, 1) << " s\n"
                  << "  " << pad("registry/real swift", 26) << "push " << fmt(all.real->real.push_mbps, 1) << " MB/s   pull "
                  << fmt(all.real->real.pull_mbps, 1) << " MB/s\n"
                  << "  " << pad("registry/fake swift", 26) << "push " << fmt(all.real->fake.push_mbps, 1) << " MB/s   pull "
                  << fmt(all.real->fake.pull_mbps, 1) << " MB/s\n"
                  << "  " << pad("ratio fake/real swift", 26) << "push " << fmt(all.real->push_ratio, 2) << "  pull "
                  << fmt(all.real->pull_ratio, 2) << "\n";
      }
    }
    if (options.run_scale) {
      std::cout << "\n== (d) cost curve: registry push through the fake " << options.scale_fake
                << ", image 64 MiB x4 up to " << human_size(options.scale_max)
                << ", then 1..8 concurrent pushers of 64 MiB; each row a fresh fake and registry ==\n";
      all.scale = run_scale(options, out_dir);
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& row : all.scale) rows.push_back(row.to_json());
      report["scale"] = rows;
      if (options.run_m1) {
        std::cout << "\n== (d') the full-size M1 scenario, in-process: " << options.m1_scenario.string() << " ==\n";
        all.m1 = run_m1(options, out_dir);
        report["m1_full_size"] = all.m1->to_json();
        std::cout << "  " << human_size(all.m1->layer_bytes) << " layer: " << fmt(all.m1->seconds, 1) << " s, peak RSS "
                  << fmt(all.m1->peak_rss_mib, 0) << " MiB ("
                  << fmt(all.m1->peak_rss_mib * kMiB / static_cast<double>(all.m1->layer_bytes), 2)
                  << " x the layer), incident " << (all.m1->reproduced ? "reproduced" : "NOT reproduced") << "\n";
      }
    }
    if (options.run_properties) {
      std::cout << "\n== (f) property tests: cases/s of each model-level property, " << options.property_cases
                << " cases each ==\n";
      all.properties = run_properties(options);
      print_properties(*all.properties);
      report["properties"] = all.properties->to_json();
    }
  } catch (const BenchFailure& e) {
    std::cerr << "\nstalemate_bench: FAILED: " << e.what() << "\n";
    report["error"] = e.what();
    exit_code = kExitFailed;
  } catch (const harness::InfrastructureError& e) {
    std::cerr << "\nstalemate_bench: infrastructure failure: " << e.what() << "\n";
    report["error"] = std::string("infrastructure: ") + e.what();
    exit_code = kExitInfra;
  } catch (const std::exception& e) {
    std::cerr << "\nstalemate_bench: error: " << e.what() << "\n";
    report["error"] = e.what();
    exit_code = kExitInfra;
  }

  const double peak = peak_rss_mib();
  report["rss_peak_mib"] = peak;
  if (raw) report["rss_peak_over_raw_size_after_raw_phase"] = raw->rss_peak_mib * kMiB / static_cast<double>(raw->size);
  if (raw_s3)
    report["rss_peak_over_raw_size_after_raw_s3_phase"] = raw_s3->rss_peak_mib * kMiB / static_cast<double>(raw_s3->size);
  report["ok"] = exit_code == 0;

  if (exit_code == 0) {
    std::cout << "\n== summary ==\n";
    for (const RawResult* r : {raw ? &*raw : nullptr, raw_s3 ? &*raw_s3 : nullptr})
      if (r)
        std::cout << "  " << pad("raw " + r->backend, 22) << "PUT  " << lpad(fmt(r->put_best_mbps, 1), 7)
                  << " MB/s   GET  " << lpad(fmt(r->get_best_mbps, 1), 7) << " MB/s   (" << human_size(r->size)
                  << " object, best of " << r->runs << ")\n";
    if (hostile)
      std::cout << "  " << pad("hostile clients", 22) << hostile->held << " connections held, normal requests p50 "
                << fmt(hostile->p50_ms, 2) << " ms, p99 " << fmt(hostile->p99_ms, 2) << " ms\n";
    if (reg) {
      auto line = [&](const std::string& label, const BackendRun& b, const std::string& tail) {
        std::cout << "  " << pad(label, 22) << "push " << lpad(fmt(b.push_mbps, 1), 7) << " MB/s   pull "
                  << lpad(fmt(b.pull_mbps, 1), 7) << " MB/s" << tail << "\n";
      };
      const std::string tail = "   (" + human_size(reg->image_bytes) + " image, " + std::to_string(reg->layers) +
                               " layers, push best of " + std::to_string(options.push_runs) + ", pull best of " + std::to_string(options.pull_runs) + ")";
      if (reg->fake) line("registry/fake swift", *reg->fake, tail);
      if (reg->fake_s3) line("registry/fake s3", *reg->fake_s3, reg->fake ? "" : tail);
      line("registry/filesystem", reg->filesystem, "");
      if (reg->fake)
        std::cout << "  ratio fake swift/fs   push " << fmt(reg->push_ratio, 2) << "  pull " << fmt(reg->pull_ratio, 2)
                  << " (medians of pairs; best against best " << fmt(reg->push_ratio_best, 2) << " and "
                  << fmt(reg->pull_ratio_best, 2) << ")\n";
      if (reg->fake_s3)
        std::cout << "  ratio fake s3/fs      push " << fmt(reg->s3_push_ratio, 2) << "  pull " << fmt(reg->s3_pull_ratio, 2)
                  << " (medians of pairs; best against best " << fmt(reg->s3_push_ratio_best, 2) << " and "
                  << fmt(reg->s3_pull_ratio_best, 2) << ")\n";
      for (const auto* c : {reg->ceiling_swift ? &*reg->ceiling_swift : nullptr, reg->ceiling_s3 ? &*reg->ceiling_s3 : nullptr})
        if (c)
          std::cout << "  " << pad(c->name + "/fs", 30) << "push " << fmt(median(c->push_pair_ratios), 2)
                    << "  (the fake without its per-byte digests: the most any fake can reach)\n";
    }
    if (all.properties && all.properties->ran)
      std::cout << "  " << pad("property tests", 22) << fmt(all.properties->rate(), 0) << " cases/s over "
                << all.properties->rows.size() << " properties (slowest "
                << fmt(std::min_element(all.properties->rows.begin(), all.properties->rows.end(),
                                        [](const PropertyRate& a, const PropertyRate& b) { return a.rate() < b.rate(); })
                           ->rate(),
                       0)
                << " cases/s)\n";
    all.ceilings = ceilings;
    all.raw = raw;
    all.raw_s3 = raw_s3;
    all.reg = reg;
    const auto checks = check_targets(all);
    report["targets"] = targets_json(checks);
    if (!checks.empty()) {
      std::cout << "\n== targets (issue 13), measured in this run ==\n";
      for (const auto& c : checks) {
        std::cout << "  " << (c.met ? "met     " : "NOT MET ") << pad(c.what, 62) << lpad(c.measured, 12) << "  goal "
                  << c.goal << "\n";
        if (!c.detail.empty()) std::cout << "          (" << c.detail << ")\n";
      }
    }
    if (const RawResult* last = raw_s3 ? &*raw_s3 : raw ? &*raw : nullptr) {
      std::cout << "  peak RSS " << fmt(last->rss_peak_mib, 1) << " MiB after the raw phase"
                << (raw && raw_s3 ? "s" : "") << " ("
                << fmt(last->rss_peak_mib * kMiB / static_cast<double>(last->size), 2) << " x raw object size)";
      if (reg) std::cout << "; " << fmt(peak, 1) << " MiB overall";
    } else {
      std::cout << "  peak RSS " << fmt(peak, 1) << " MiB";
    }
    if (reg)
      std::cout << " (" << fmt(peak * kMiB / static_cast<double>(reg->image_bytes * static_cast<std::uint64_t>(options.push_runs)), 2)
                << " x the images one fake holds)";
    std::cout << "\n";
  }

  if (options.json) {
    std::ofstream f(*options.json);
    f << report.dump(2) << "\n";
    if (!f) {
      std::cerr << "stalemate_bench: cannot write " << options.json->string() << "\n";
      if (exit_code == 0) exit_code = kExitInfra;
    } else {
      std::cout << "  figures written to " << options.json->string() << "\n";
    }
  }

  // The filesystem driver's blobs are always removed; logs stay in a
  // user-given --out, and in the temp dir when the run failed.
  std::error_code ec;
  if (!out_dir.empty()) {
    std::filesystem::remove_all(out_dir / "fs-root", ec);
    if (temp_out && exit_code == 0) {
      std::filesystem::remove_all(out_dir, ec);
    } else if (temp_out) {
      if (std::filesystem::is_empty(out_dir, ec))
        std::filesystem::remove(out_dir, ec);
      else
        std::cerr << "stalemate_bench: registry logs kept in " << out_dir.string() << "\n";
    }
  }
  return exit_code;
}
