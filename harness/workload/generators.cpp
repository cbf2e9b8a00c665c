#include "harness/workload/generators.h"

#include <algorithm>
#include <cmath>

namespace stalemate::harness::workload {

namespace {

std::uint64_t scaled(std::uint64_t size, double scale) {
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(size) * scale)));
}

// splitmix64: a small, seedable, portable generator (std distributions differ between libraries).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
  double unit() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

const char* kFlavours[] = {"webserver", "web", "cli", "debug"};

}  // namespace

Trace generate_deploy_train(const DeployTrainKnobs& k) {
  Trace t;
  t.source = "generate deploy-train";
  t.id = "deploy-train";
  t.scale = k.scale;
  t.notes = {{"builders", k.builders}, {"images", k.images}, {"push_concurrency", k.push_concurrency},
             {"nodes", k.nodes}};
  const TraceLayer base{"base", scaled(k.base_size, k.scale)};
  std::vector<TraceImage> published;
  for (int b = 0; b < k.builders; ++b) {
    const TraceLayer code{"code-" + std::to_string(b), scaled(k.code_size, k.scale)};
    for (int i = 0; i < k.images; ++i) {
      TraceImage image;
      const std::string flavour = i < 4 ? kFlavours[i] : "flavour" + std::to_string(i);
      image.repository = "train/builder" + std::to_string(b) + "/" + flavour;
      image.tag = "train-1";
      image.layers = {base, code, {"app-" + std::to_string(b) + "-" + std::to_string(i), scaled(k.app_size, k.scale)}};
      // `push_concurrency` lanes per builder; a lane pushes its images one after another.
      const int lane = i % k.push_concurrency;
      TraceEvent e;
      e.op = TraceEvent::Op::Push;
      e.client = "builder" + std::to_string(b) + "-push" + std::to_string(lane);
      e.profile = k.push_profile;
      e.at_us = static_cast<std::int64_t>(i / k.push_concurrency) * k.push_gap_us;
      e.image = image;
      t.events.push_back(e);
      published.push_back(image);
    }
  }
  for (int n = 0; n < k.nodes; ++n) {
    std::int64_t at = k.pull_after_us + n * k.node_spread_us;
    for (const auto& image : published) {
      TraceEvent e;
      e.op = TraceEvent::Op::Pull;
      e.client = "node" + std::to_string(n);
      e.profile = k.pull_profile;
      e.image.repository = image.repository;
      e.image.tag = image.tag;
      e.at_us = at++;  // in order within the node
      t.events.push_back(e);
    }
  }
  sort_events(t);
  validate_trace(t, "deploy-train");
  return t;
}

Trace generate_random(const RandomKnobs& k) {
  Rng rng{k.seed};
  Trace t;
  t.source = "generate random";
  t.id = "random-" + std::to_string(k.seed);
  t.scale = k.scale;
  t.notes = {{"seed", k.seed}};
  // A pool of layers, some shared between images.
  std::vector<TraceImage> images;
  for (int i = 0; i < k.images; ++i) {
    TraceImage image;
    image.repository = "random/app" + std::to_string(i);
    image.tag = "v1";
    image.format = rng.below(2) ? "oci" : "docker";
    const auto layers = 1 + rng.below(static_cast<std::uint64_t>(k.max_layers));
    for (std::uint64_t l = 0; l < layers; ++l) {
      const auto pool = rng.below(static_cast<std::uint64_t>(k.images) * 2);  // same token = shared layer
      const std::string token = "layer" + std::to_string(pool);
      const std::uint64_t size = scaled(1 + Rng{k.seed ^ (pool * 7919 + 1)}.below(k.max_layer_size), k.scale);
      if (std::none_of(image.layers.begin(), image.layers.end(), [&](const TraceLayer& x) { return x.token == token; }))
        image.layers.push_back({token, size});
    }
    images.push_back(std::move(image));
  }
  std::vector<std::int64_t> pushed_at(images.size(), -1);
  std::vector<std::int64_t> times;
  for (int e = 0; e < k.events; ++e) times.push_back(static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(k.duration_us))));
  std::sort(times.begin(), times.end());
  const char* push_profiles[] = {"single", "dockerd", "buildkit"};
  const char* pull_profiles[] = {"plain", "docker", "containerd", "slices"};
  for (const auto at : times) {
    const auto i = rng.below(images.size());
    TraceEvent e;
    e.at_us = at;
    e.client = "client" + std::to_string(rng.below(static_cast<std::uint64_t>(k.clients)));
    const bool pullable = pushed_at[i] >= 0 && at - pushed_at[i] >= k.pull_delay_us;
    if (pullable && rng.unit() < k.pull_fraction) {
      e.op = TraceEvent::Op::Pull;
      e.profile = pull_profiles[rng.below(4)];
      e.image.repository = images[i].repository;
      e.image.tag = images[i].tag;
      e.by_digest = rng.below(2) == 1;
      e.slice_size = scaled(1u << 20, k.scale);
    } else {
      e.op = TraceEvent::Op::Push;
      e.profile = push_profiles[rng.below(3)];
      e.image = images[i];
      if (pushed_at[i] < 0) pushed_at[i] = at;
    }
    t.events.push_back(std::move(e));
  }
  sort_events(t);
  validate_trace(t, "random");
  return t;
}

namespace {

// One knob: "nodes" or "code_size"… from JSON (scenario) or "k=v" (command line).
struct KnobReader {
  const JsonReader& r;
  int count(const char* key, int v, int hi) const {
    if (!r.has(key)) return v;
    const auto n = r.at(key).as_uint();
    if (n < 1 || n > static_cast<std::uint64_t>(hi)) r.at(key).fail("must be 1 to " + std::to_string(hi));
    return static_cast<int>(n);
  }
  std::uint64_t size(const char* key, std::uint64_t v) const {
    if (!r.has(key)) return v;
    const auto n = r.at(key).as_size();
    if (n < 1 || n > (64ull << 30)) r.at(key).fail("1 byte to 64GiB");
    return n;
  }
  std::int64_t duration(const char* key, std::int64_t v) const { return r.get_duration_us(key, v); }
  double fraction(const char* key, double v, double lo, double hi) const {
    if (!r.has(key)) return v;
    const auto x = r.at(key).as_number();
    if (!(x >= lo && x <= hi)) r.at(key).fail("must be " + std::to_string(lo) + " to " + std::to_string(hi));
    return x;
  }
};

}  // namespace

Trace generate_from_json(const JsonReader& r) {
  const auto kind = r.at("kind").as_enum({"deploy-train", "random"});
  const KnobReader k{r};
  if (kind == "deploy-train") {
    r.expect_object({"kind", "builders", "images", "push_concurrency", "nodes", "base_size", "code_size", "app_size",
                     "scale", "pull_after", "node_spread", "push_gap", "push_profile", "pull_profile"});
    DeployTrainKnobs d;
    d.builders = k.count("builders", d.builders, 64);
    d.images = k.count("images", d.images, 64);
    d.push_concurrency = k.count("push_concurrency", d.push_concurrency, 64);
    d.nodes = k.count("nodes", d.nodes, 1000);
    d.base_size = k.size("base_size", d.base_size);
    d.code_size = k.size("code_size", d.code_size);
    d.app_size = k.size("app_size", d.app_size);
    d.scale = k.fraction("scale", d.scale, 1e-9, 1.0);
    d.pull_after_us = k.duration("pull_after", d.pull_after_us);
    d.node_spread_us = k.duration("node_spread", d.node_spread_us);
    d.push_gap_us = k.duration("push_gap", d.push_gap_us);
    if (r.has("push_profile")) d.push_profile = r.at("push_profile").as_enum({"single", "dockerd", "buildkit", "skopeo"});
    if (r.has("pull_profile"))
      d.pull_profile = r.at("pull_profile").as_enum({"plain", "docker", "containerd", "slices", "skopeo"});
    return generate_deploy_train(d);
  }
  r.expect_object({"kind", "seed", "clients", "events", "images", "max_layers", "max_layer_size", "scale", "duration",
                   "pull_fraction", "pull_delay"});
  RandomKnobs x;
  x.seed = r.get_uint("seed", x.seed);
  x.clients = k.count("clients", x.clients, 1000);
  x.events = k.count("events", x.events, static_cast<int>(kMaxTraceEvents));
  x.images = k.count("images", x.images, 1000);
  x.max_layers = k.count("max_layers", x.max_layers, 100);
  x.max_layer_size = k.size("max_layer_size", x.max_layer_size);
  x.scale = k.fraction("scale", x.scale, 1e-9, 1.0);
  x.duration_us = std::max<std::int64_t>(1, k.duration("duration", x.duration_us));
  x.pull_fraction = k.fraction("pull_fraction", x.pull_fraction, 0.0, 1.0);
  x.pull_delay_us = k.duration("pull_delay", x.pull_delay_us);
  return generate_random(x);
}

Trace generate_from_args(const std::string& kind, const std::vector<std::string>& knobs) {
  nlohmann::json spec = {{"kind", kind}};
  for (const auto& knob : knobs) {
    const auto eq = knob.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError("generator knob \"" + knob + "\": expected NAME=VALUE");
    std::string key = knob.substr(0, eq);
    std::replace(key.begin(), key.end(), '-', '_');
    const std::string text = knob.substr(eq + 1);
    // Numbers stay numbers ("nodes=4", "scale=0.01"); sizes and durations stay strings ("1GiB", "30s").
    try {
      std::size_t pos = 0;
      const double number = std::stod(text, &pos);
      if (pos == text.size()) {
        spec[key] = number;
        if (number == std::floor(number) && number >= 0 && number < 9e15) spec[key] = static_cast<std::uint64_t>(number);
        continue;
      }
    } catch (const std::exception&) {
    }
    spec[key] = text;
  }
  return generate_from_json(JsonReader(spec, "generate " + kind));
}

}  // namespace stalemate::harness::workload
