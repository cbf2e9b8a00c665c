// stalemate_bench: throughput and memory figures (not a test). Shared
// declarations of the benchmark's options, measurement helpers and phases.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/history.h"
#include "harness/registry_client.h"
#include "harness/registry_process.h"

namespace stalemate::harness {
struct RegistryLaunch;
class FakeBackend;
}  // namespace stalemate::harness

namespace stalemate::bench {

constexpr double kMB = 1e6;          // throughput unit: 1 MB = 10^6 bytes
constexpr double kMiB = 1048576.0;   // sizes and RSS

// Exit codes: 0 figures printed, 1 a transfer failed / a hash or invariant
// broke, 2 bad command line, 3 infrastructure (registry would not start...).
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitInfra = 3;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A transfer that did not succeed, a digest mismatch, an invariant violation.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::uint64_t raw_size = 256ull << 20;
  std::uint64_t image_size = 512ull << 20;
  int image_layers = 4;
  int raw_runs = 3;
  int pull_runs = 5;  // pulls are repeatable (a second push would skip every blob); fake pulls pair with filesystem ones
  int push_runs = 3;  // each push run its own image (new layer bytes); fake pushes pair with filesystem ones
  std::string registry = "/usr/bin/docker-registry";
  std::optional<std::filesystem::path> out;   // unset: a temp dir, removed at the end
  std::optional<std::filesystem::path> json;  // where to write the figures as JSON
  bool run_raw = true;
  bool run_registry = true;
  bool run_hostile = true;
  std::size_t hostile_connections = 1000;  // idle ones, and as many slowloris ones
  int hostile_requests = 1000;              // normal requests served meanwhile
  bool run_swift = true;  // --fake: which fake backends get rows
  bool run_s3 = true;
  // --ceiling: the registry rows again on a fake that skips its per-byte
  // digests (wrong ETags; a measurement of what is left, never a scenario)
  bool run_ceiling = false;
  // --scale: the cost-curve rows and the full-size M1 scenario (off by default: minutes)
  bool run_scale = false;
  std::uint64_t scale_max = 1ull << 30;  // largest image of the size rows (--scale-max 4GiB)
  std::string scale_fake = "swift";
  std::filesystem::path m1_scenario = "scenarios/incidents/full-size/m1-dlo-splice-full-size.json";
  bool run_m1 = true;  // with --scale, unless --no-m1
  // The real-store row (a real Swift all-in-one); --no-real skips it.
  bool run_real = true;
  std::uint64_t real_image_size = 256ull << 20;
  // The property-test rates (bench_properties.cpp); --no-properties skips them.
  bool run_properties = true;
  std::filesystem::path property_tests;  // "": tests/property_tests beside this binary
  std::uint64_t property_cases = 2000;   // rapidcheck's max_success per property
};

Options parse_options(int argc, char** argv);  // throws UsageError
extern const char* const kUsage;

// ---- measurement helpers (bench_support.cpp)

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

double peak_rss_mib();     // getrusage(RUSAGE_SELF).ru_maxrss
double current_rss_mib();  // VmRSS from /proc/self/status (0 if unreadable)
// Per-row peaks: VmHWM is reset through /proc/self/clear_refs (Linux).
void reset_peak_rss();
double peak_rss_since_reset_mib();
double mb_per_s(std::uint64_t bytes, double seconds);
// CPU seconds (user + system) used so far: by this process (all its threads:
// the client, the fake's servers and digest workers) and by a child pid.
double own_cpu_seconds();
double process_cpu_seconds(pid_t pid);  // 0 if /proc/<pid>/stat is unreadable
std::string fmt(double value, int decimals);
std::string human_size(std::uint64_t bytes);  // "256 MiB", "1.5 GiB", "123456 B"
std::string filesystem_type(const std::filesystem::path& p);  // "ext4", "tmpfs", ...
int online_cpus();
double median(std::vector<double> values);  // 0 when empty
std::string load_average();  // /proc/loadavg: "1m 5m 15m" (other work on the machine skews figures)
bool cpu_has_flag(const std::string& flag);  // from /proc/cpuinfo

// In-process ceilings (no network): how fast the LayerContent generator
// fills and SHA-256 hashes, in the same 256 KiB pieces the HTTP client uses,
// and how fast MD5 runs (the fake hashes every object PUT body with it).
struct ClientCeilings {
  double fill_mbps = 0;
  double sha256_mbps = 0;
  double md5_mbps = 0;  // what the fake spends per object PUT on the ETag
  std::uint64_t bytes = 0;
};
ClientCeilings measure_client_ceilings(std::uint64_t bytes);

// ---- phase (a): raw PUT/GET on the fake Swift and the fake S3 (bench_raw.cpp)

struct RawResult {
  std::string backend;  // "fake-swift", "fake-s3"
  std::uint64_t size = 0;
  int runs = 0;
  std::vector<double> put_seconds, get_seconds;
  double put_best_mbps = 0, get_best_mbps = 0;
  double digest_seconds = 0;      // client-side SHA-256 of the content (untimed for PUT/GET)
  std::uint64_t replica_refs = 0;  // store references to the stored body buffer
  int replicas_present = 0;       // object replicas holding the newest version
  std::uint64_t logical_bytes = 0;   // replicas x size: what 3 independent copies would take
  std::uint64_t physical_bytes = 0;  // distinct payload bytes actually held
  std::uint64_t backend_requests = 0;
  double rss_peak_mib = 0, rss_now_mib = 0;  // right after the phase (backend still alive)
  // This row's own peak (VmHWM reset at its start) and the bytes live at that
  // peak: the stored version plus the next one arriving (2 x size from run 2 on).
  double row_peak_rss_mib = 0;
  std::uint64_t live_bytes = 0;
  nlohmann::json to_json() const;
};
// type: "swift" (TempAuth) or "s3" (SigV4; the PUT body is UNSIGNED-PAYLOAD,
// the bucket is created first). Throws BenchFailure.
RawResult run_raw(const Options& options, const std::string& type);

// ---- phase (b): registry push/pull, fake Swift vs filesystem (bench_registry.cpp)

struct OperationTotal {
  std::uint64_t count = 0;
  double seconds = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
};

struct BackendRun {
  std::string name;  // "registry/fake swift", "registry/fake s3", "registry/filesystem"
  double push_seconds = 0, pull_seconds = 0;  // pull: the best run
  std::vector<double> pull_runs_seconds;
  std::vector<double> push_runs_seconds;
  std::vector<double> push_runs_cpu_registry, push_runs_cpu_bench;  // beside push_runs_seconds
  double push_mbps = 0, pull_mbps = 0;
  std::uint64_t client_requests = 0;
  std::uint64_t backend_requests = 0;  // requests the fake served (fake only)
  std::size_t violations = 0;
  std::string log_path;
  std::vector<std::pair<std::string, OperationTotal>> by_operation;  // from the History
  double rss_peak_mib = 0, rss_now_mib = 0;
  double row_peak_rss_mib = 0;      // this row's own peak (VmHWM reset at its start)
  std::uint64_t unique_bytes = 0;   // distinct payload bytes the fake holds at the end (fake only)
  // CPU seconds spent during the push: the registry process, and this one
  // (client + fake; with the filesystem driver, the client alone).
  double push_cpu_registry = 0, push_cpu_bench = 0;
  double pull_cpu_registry = 0, pull_cpu_bench = 0;  // of the best pull run
  // Fake rows: the best filesystem pull among the runs interleaved with this
  // row's pulls, and per interleaved pair, the filesystem pull's seconds over
  // this row's pull beside it (the pull ratio is their median).
  double paired_filesystem_pull_mbps = 0;
  std::vector<double> pull_pair_ratios;
  // Fake rows, pushes alike: the filesystem push run back to back with each of
  // this row's pushes, and (filesystem s / this push s) per pair.
  std::vector<double> paired_filesystem_push_seconds, push_pair_ratios;
  nlohmann::json to_json() const;
};

struct RegistryResult {
  std::string registry_version;
  std::uint64_t image_bytes = 0;  // layer bytes (config and manifest are a few hundred bytes)
  std::uint64_t layer_size = 0;
  int layers = 0;
  std::uint64_t chunksize = 0;
  std::string fs_root, fs_type;
  double digest_seconds = 0;  // pre-computing the layer digests (excluded from push time)
  std::uint64_t s3_chunksize = 0;
  std::optional<BackendRun> fake;     // fake Swift (unless --fake s3)
  std::optional<BackendRun> fake_s3;  // fake S3 (unless --fake swift)
  std::optional<BackendRun> ceiling_swift, ceiling_s3;  // --ceiling: fakes without per-byte digests
  BackendRun filesystem;              // shared by every ratio
  // The median of the interleaved pairs' ratios (one quiet filesystem run, or
  // a slow minute on a shared machine, would otherwise set a ratio); *_best:
  // best against best, printed beside it.
  double push_ratio = 0, push_ratio_best = 0, pull_ratio = 0, pull_ratio_best = 0;              // fake Swift / fs
  double s3_push_ratio = 0, s3_push_ratio_best = 0, s3_pull_ratio = 0, s3_pull_ratio_best = 0;  // fake S3 / fs
  nlohmann::json to_json() const;
};
// work_dir: registry logs and configs; the filesystem driver's root goes in
// work_dir/fs-root (removed by the caller). Throws BenchFailure or
// harness::InfrastructureError.
RegistryResult run_registry(const Options& options, const std::filesystem::path& work_dir);

// One registry row, driven in steps so that rows can interleave: a registry
// process started from `launch`, pushed `push_runs` times — run k > 0 an
// image of other layer bytes in another repository, so nothing is skipped as
// already there; the best run counts — then pulled by digest one run at a
// time. fake: the backend whose requests are counted. Throws BenchFailure or
// harness::InfrastructureError.
class RegistryRow {
 public:
  RegistryRow(std::string name, const harness::RegistryLaunch& launch, std::uint64_t image_bytes,
              harness::FakeBackend* fake);
  ~RegistryRow();
  RegistryRow(const RegistryRow&) = delete;
  RegistryRow& operator=(const RegistryRow&) = delete;

  void push(const harness::ImageSpec& first_image, int push_runs);
  double push_once(const harness::ImageSpec& first_image);  // the next run's image; its seconds
  double pull_once();      // one timed pull of the last image pushed; its seconds
  void close_rss_window(); // the row's peak RSS is what it is now, whatever runs later
  BackendRun finish();     // checks the history, totals the operations, stops the registry

 private:
  BackendRun run_;
  harness::History history_;
  harness::RegistryProcess registry_;
  harness::RegistryClient client_;
  harness::ImageSpec image_;
  std::uint64_t image_bytes_;
  harness::FakeBackend* fake_;
  std::optional<double> frozen_row_peak_rss_mib_;
};

// A registry image of `layers` equal layers (seeds from seed_base).
harness::ImageSpec bench_image(const std::string& repository, std::uint64_t size, int layers, std::uint64_t seed_base = 0);
// A RegistryRow pushed, then pulled `pull_runs` times on its own.
BackendRun push_pull(const std::string& name, const harness::RegistryLaunch& launch, const harness::ImageSpec& image,
                     std::uint64_t image_bytes, harness::FakeBackend* fake, int pull_runs, int push_runs = 1);

// ---- phase (d): the cost curve, --scale (bench_scale.cpp)

struct ScaleRow {
  std::string kind;     // "size" (one pusher, growing image) or "pushers" (64 MiB each, growing count)
  std::string backend;  // "fake swift", "fake s3"
  int pushers = 1;
  std::uint64_t image_bytes = 0, total_bytes = 0;
  double seconds = 0, mbps = 0, peak_rss_mib = 0;
  double start_rss_mib = 0;        // resident when the row began (after malloc_trim): what earlier rows left
  std::uint64_t unique_bytes = 0;  // distinct payload bytes the store holds at the end
  std::uint64_t event_log_bytes = 0, events = 0;
  double rss_bound_mib() const { return 1.2 * static_cast<double>(unique_bytes) / kMiB + 64; }
  nlohmann::json to_json() const;
};
std::vector<ScaleRow> run_scale(const Options& options, const std::filesystem::path& work_dir);
void print_scale_row(const ScaleRow& row);

struct M1Result {
  std::string scenario;
  std::uint64_t layer_bytes = 0;
  double seconds = 0, peak_rss_mib = 0;
  bool reproduced = false;
  int exit_code = 0;
  nlohmann::json to_json() const;
};
M1Result run_m1(const Options& options, const std::filesystem::path& work_dir);

// ---- phase (e): the real-store row (bench_real.cpp)

struct RealStoreResult {
  bool ran = false;
  std::string why_not;  // when !ran
  std::uint64_t image_bytes = 0;
  double startup_seconds = 0;
  BackendRun real, fake;
  double push_ratio = 0, pull_ratio = 0;  // fake / real
  nlohmann::json to_json() const;
};
RealStoreResult run_real_store(const Options& options, const std::filesystem::path& work_dir);

// ---- phase (f): the property tests' rate (bench_properties.cpp)

struct PropertyRate {
  std::string test_case, property;
  double seconds = 0;
  std::uint64_t cases = 0;
  bool passed = true;
  double rate() const { return seconds > 0 ? static_cast<double>(cases) / seconds : 0; }
};
struct PropertiesResult {
  bool ran = false;
  std::string why_not;  // when !ran
  std::filesystem::path binary;
  std::string rc_params;
  std::vector<PropertyRate> rows;
  double total_seconds = 0;
  std::uint64_t total_cases = 0;
  double rate() const { return total_seconds > 0 ? static_cast<double>(total_cases) / total_seconds : 0; }
  nlohmann::json to_json() const;
};
// Each property of Catch's XML report (-r xml -d yes), `cases` cases each.
std::vector<PropertyRate> parse_property_xml(const std::string& xml, std::uint64_t cases);
// Throws BenchFailure when the tests fail or time out; not run (why_not) when
// the binary is not built.
PropertiesResult run_properties(const Options& options);
void print_properties(const PropertiesResult& result);

// ---- the targets, met or not, from one run (bench_targets.cpp)

struct AllResults {
  std::optional<ClientCeilings> ceilings;
  std::optional<RawResult> raw, raw_s3;
  std::optional<RegistryResult> reg;
  std::vector<ScaleRow> scale;
  std::optional<M1Result> m1;
  std::optional<RealStoreResult> real;
  std::optional<PropertiesResult> properties;
};
struct TargetCheck {
  std::string what, measured, goal;
  bool met = false;
  std::string detail;  // how it was measured, or what stands in the way: figures of this run
};
std::vector<TargetCheck> check_targets(const AllResults& results);
nlohmann::json targets_json(const std::vector<TargetCheck>& checks);

// ---- phase (c): the HTTP server under hostile clients (bench_hostile.cpp)

struct HostileResult {
  std::size_t idle = 0, slowloris = 0;  // connections opened of each kind
  std::size_t held = 0;                 // of those, still open at the end
  std::size_t requests = 0, failures = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // normal requests, connect to close
  double rss_before_mib = 0, rss_loaded_mib = 0, rss_peak_mib = 0;
  nlohmann::json to_json() const;
};
// Throws BenchFailure when a normal request fails, UsageError when the
// descriptor limit is too low for the connections asked for.
HostileResult run_hostile(const Options& options);

}  // namespace stalemate::bench
