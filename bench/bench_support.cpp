// Options and measurement helpers of stalemate_bench.
#include <malloc.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

#include "bench/bench.h"
#include "common/crypto.h"
#include "common/json_reader.h"
#include "harness/layer_content.h"

namespace stalemate::bench {

const char* const kUsage =
    "usage: stalemate_bench [--raw-size SIZE] [--image-size SIZE] [--registry PATH]\n"
    "                       [--out DIR] [--json PATH] [--only raw|registry|hostile|scale|real|properties]\n"
    "                       [--fake swift|s3|both] [--hostile-connections N] [--push-runs N] [--pull-runs N] [--ceiling]\n"
    "                       [--scale [--scale-max SIZE] [--scale-fake swift|s3]\n"
    "                       [--m1 PATH | --no-m1]] [--no-real] [--real-image-size SIZE]\n"
    "                       [--no-properties] [--property-tests PATH] [--property-cases N]\n"
    "  --raw-size SIZE    object for the raw PUT/GET on the fake Swift and fake S3 (default 256MiB)\n"
    "  --image-size SIZE  image pushed/pulled through the registry, as 4 equal layers (default 512MiB)\n"
    "  --registry PATH    registry binary (default /usr/bin/docker-registry)\n"
    "  --out DIR          registry configs and logs (default: a temp dir, removed at the end;\n"
    "                     the filesystem driver's blobs go to DIR/fs-root and are always removed)\n"
    "  --json PATH        also write the figures as JSON to PATH\n"
    "  --hostile-connections N  idle and as many slowloris connections held in the hostile phase (default 1000)\n"
    "  --fake swift|s3|both  which fake backend(s) to measure (default both; filesystem rows always)\n"
    "  --push-runs N      registry pushes per backend, each a new image, each fake's paired with a filesystem push;\n"
    "                     ratio: median of the pairs (default 3)\n"
    "  --pull-runs N      registry pulls per backend, each fake's paired with a filesystem pull; ratio: median of the pairs (default 5)\n"
    "  --ceiling          the registry rows again on a fake that skips its per-byte MD5/SHA-256 (made-up\n"
    "                     ETags): what is left of the gap to the filesystem without the digests real stores compute\n"
    "  --scale            also the cost curve: image 64MiB x4 up to --scale-max (default 1GiB; 4GiB needs\n"
    "                     ~6 GiB free), 1..8 concurrent pushers of 64 MiB, and the full-size M1 scenario\n"
    "  --scale-fake swift|s3  the fake of the scale rows (default swift)\n"
    "  --m1 PATH          the full-size M1 scenario (default scenarios/incidents/full-size/m1-dlo-splice-full-size.json)\n"
    "  --no-real          skip the real-store row (a real Swift all-in-one, when installed)\n"
    "  --real-image-size SIZE  image of the real-store row (default 256MiB)\n"
    "  --no-properties    skip the property-test rates (cases/s of each model-level property)\n"
    "  --property-tests PATH  the property_tests binary (default tests/property_tests beside this one)\n"
    "  --property-cases N     cases per property, rapidcheck's max_success (default 2000; seed 1)\n"
    "  --only raw|registry|hostile|scale|real|properties  run one phase only\n"
    "SIZE: 1048576, 256MiB, 1.5GiB, 100MB (decimal units too).\n"
    "Throughput is in MB/s with 1 MB = 10^6 bytes; sizes and RSS in MiB.\n";

namespace {

std::uint64_t parse_size(const std::string& option, const std::string& text) {
  try {
    // Numbers without a unit arrive as strings; JsonReader takes "" as bytes.
    const auto v = JsonReader(nlohmann::json(text), option).as_size();
    if (v == 0) throw UsageError(option + ": the size must be positive");
    return v;
  } catch (const InputError&) {
    throw UsageError(option + ": expected a size such as 256MiB, 1GiB or 1048576, got \"" + text + "\"");
  }
}

// A count from 1 to `max`.
std::uint64_t parse_count(const std::string& option, const std::string& text, unsigned long max) {
  try {
    std::size_t used = 0;
    const unsigned long n = std::stoul(text, &used);
    if (used != text.size() || n == 0 || n > max) throw std::out_of_range(text);
    return n;
  } catch (const std::exception&) {
    throw UsageError(option + ": expected a count from 1 to " + std::to_string(max) + ", got \"" + text + "\"");
  }
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError("option " + arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--raw-size") {
      o.raw_size = parse_size(arg, value());
    } else if (arg == "--image-size") {
      o.image_size = parse_size(arg, value());
    } else if (arg == "--registry") {
      o.registry = value();
    } else if (arg == "--out") {
      o.out = value();
    } else if (arg == "--json") {
      o.json = value();
    } else if (arg == "--only") {
      const std::string v = value();
      o.run_raw = v == "raw";
      o.run_registry = v == "registry";
      o.run_hostile = v == "hostile";
      o.run_scale = v == "scale";
      o.run_real = v == "real";
      o.run_properties = v == "properties";
      if (!o.run_raw && !o.run_registry && !o.run_hostile && !o.run_scale && !o.run_real && !o.run_properties)
        throw UsageError("--only: expected raw, registry, hostile, scale, real or properties, got \"" + v + "\"");
    } else if (arg == "--hostile-connections") {
      o.hostile_connections = parse_count(arg, value(), 100000);
    } else if (arg == "--fake") {
      const std::string v = value();
      if (v != "swift" && v != "s3" && v != "both")
        throw UsageError("--fake: expected swift, s3 or both, got \"" + v + "\"");
      o.run_swift = v != "s3";
      o.run_s3 = v != "swift";
    } else if (arg == "--push-runs" || arg == "--pull-runs") {
      const std::string v = value();
      if (v.size() != 1 || v[0] < '1' || v[0] > '9') throw UsageError(arg + ": expected 1 to 9, got \"" + v + "\"");
      (arg == "--push-runs" ? o.push_runs : o.pull_runs) = v[0] - '0';
    } else if (arg == "--ceiling") {
      o.run_ceiling = true;
    } else if (arg == "--scale") {
      o.run_scale = true;
    } else if (arg == "--scale-max") {
      o.scale_max = parse_size(arg, value());
      if (o.scale_max < (64ull << 20)) throw UsageError("--scale-max: at least 64MiB");
    } else if (arg == "--scale-fake") {
      o.scale_fake = value();
      if (o.scale_fake != "swift" && o.scale_fake != "s3")
        throw UsageError("--scale-fake: expected swift or s3, got \"" + o.scale_fake + "\"");
    } else if (arg == "--m1") {
      o.m1_scenario = value();
    } else if (arg == "--no-m1") {
      o.run_m1 = false;
    } else if (arg == "--no-real") {
      o.run_real = false;
    } else if (arg == "--real-image-size") {
      o.real_image_size = parse_size(arg, value());
    } else if (arg == "--no-properties") {
      o.run_properties = false;
    } else if (arg == "--property-tests") {
      o.property_tests = value();
    } else if (arg == "--property-cases") {
      o.property_cases = parse_count(arg, value(), 1000000);
    } else if (arg == "--help" || arg == "-h") {
      throw UsageError("");
    } else {
      throw UsageError("unknown argument " + arg);
    }
  }
  if (o.run_registry && o.image_size < static_cast<std::uint64_t>(o.image_layers))
    throw UsageError("--image-size: at least " + std::to_string(o.image_layers) + " bytes (one per layer)");
  return o;
}

namespace {
double peak_before_resets_mib = 0;  // resetting VmHWM resets ru_maxrss too: the overall peak is kept here
}  // namespace

double peak_rss_mib() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return std::max(peak_before_resets_mib, static_cast<double>(ru.ru_maxrss) * 1024.0 / kMiB);  // Linux: KiB
}

double own_cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  // Fields after the ")" that closes the command name; utime and stime are
  // the 14th and 15th of the whole line, in clock ticks.
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 1));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double current_rss_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      std::istringstream s(line.substr(6));
      double kib = 0;
      s >> kib;
      return kib * 1024.0 / kMiB;
    }
  }
  return 0;
}

void reset_peak_rss() {
  peak_before_resets_mib = peak_rss_mib();
  // Memory freed by the rows before (a torn-down store) stays resident in
  // malloc's free lists until trimmed, and would count against this row
  // (the bench runs with one arena, whose free memory malloc_trim returns whole).
  ::malloc_trim(0);
  std::ofstream f("/proc/self/clear_refs");
  f << "5\n";  // Linux: resets VmHWM to the current RSS
}

double peak_rss_since_reset_mib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream s(line.substr(6));
      double kib = 0;
      s >> kib;
      return kib * 1024.0 / kMiB;
    }
  }
  return peak_rss_mib();
}

double mb_per_s(std::uint64_t bytes, double seconds) {
  return seconds > 0 ? static_cast<double>(bytes) / kMB / seconds : 0;
}

std::string fmt(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string human_size(std::uint64_t bytes) {
  const double mib = static_cast<double>(bytes) / kMiB;
  if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (mib >= 1) return fmt(mib, 2) + " MiB";
  return std::to_string(bytes) + " B";
}

std::string filesystem_type(const std::filesystem::path& p) {
  struct statfs s {};
  if (::statfs(p.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53: return "ext2/3/4";
    case 0x01021994: return "tmpfs";
    case 0x58465342: return "xfs";
    case 0x9123683E: return "btrfs";
    case 0x794C7630: return "overlayfs";
    case 0x6969: return "nfs";
    case 0x65735546: return "fuse";
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "0x%lx", static_cast<unsigned long>(s.f_type));
      return buf;
    }
  }
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

int online_cpus() { return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)); }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

bool cpu_has_flag(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) {
      std::istringstream s(line);
      std::string word;
      while (s >> word)
        if (word == flag) return true;
      return false;
    }
  }
  return false;
}

ClientCeilings measure_client_ceilings(std::uint64_t bytes) {
  constexpr std::size_t kPiece = 256u << 10;  // the HTTP client's piece size
  harness::LayerContent content(0xCE11, bytes);
  std::vector<char> buf(kPiece);
  ClientCeilings c;
  c.bytes = bytes;
  // MB/s of one pass over `bytes` in kPiece pieces.
  auto timed_pass = [&](const std::function<void(std::uint64_t offset, std::size_t n)>& piece) {
    Stopwatch sw;
    for (std::uint64_t off = 0; off < bytes; off += kPiece)
      piece(off, static_cast<std::size_t>(std::min<std::uint64_t>(kPiece, bytes - off)));
    return mb_per_s(bytes, sw.seconds());
  };
  c.fill_mbps = timed_pass([&](std::uint64_t off, std::size_t n) { content.fill(off, buf.data(), n); });
  StreamingDigest sha("sha256"), md5("md5");
  c.sha256_mbps = timed_pass([&](std::uint64_t, std::size_t n) { sha.update(buf.data(), n); });
  sha.hex_final();
  c.md5_mbps = timed_pass([&](std::uint64_t, std::size_t n) { md5.update(buf.data(), n); });
  md5.hex_final();
  return c;
}

}  // namespace stalemate::bench
