#include "harness/workload/trace_compile.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "harness/workload/generators.h"

namespace stalemate::harness::workload {

std::uint64_t token_seed(const std::string& trace_id, const std::string& token) {
  // FNV-1a over "id\0token": stable across builds and platforms.
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ull;
  };
  for (unsigned char c : trace_id) mix(c);
  mix(0);
  for (unsigned char c : token) mix(c);
  return h;
}

namespace {

std::uint64_t scaled(std::uint64_t size, double scale) {
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::llround(static_cast<double>(size) * scale)));
}

nlohmann::json image_json(const Trace& t, const TraceImage& image, double scale) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : image.layers) layers.push_back({{"size", scaled(l.size, scale)}, {"seed", token_seed(t.id, l.token)}});
  const std::string config = image.config.empty() ? "config:" + image.repository + ":" + image.tag : image.config;
  return {{"repository", image.repository}, {"tag", image.tag},         {"format", image.format},
          {"layers", std::move(layers)},    {"config_seed", token_seed(t.id, config)}};
}

}  // namespace

nlohmann::json compile_trace(const Trace& trace, const ReplayOptions& options) {
  nlohmann::json images = nlohmann::json::array();
  nlohmann::json steps = nlohmann::json::array();
  std::map<std::string, std::size_t> latest;  // repository:tag -> image index of its latest push
  std::map<std::string, std::size_t> image_index;  // image JSON -> its index
  std::vector<std::string> client_order;
  std::map<std::string, nlohmann::json> branches;  // client -> its steps
  std::size_t skipped_deletes = 0, timed = 0;
  for (const auto& e : trace.events) {
    nlohmann::json step;
    const std::string ref = e.image.repository + ":" + e.image.tag;
    switch (e.op) {
      case TraceEvent::Op::Push: {
        // The same image pushed again (a retry, another builder) is one scenario image.
        auto image = image_json(trace, e.image, options.scale);
        const auto [it, fresh] = image_index.emplace(image.dump(), images.size());
        if (fresh) images.push_back(std::move(image));
        latest[ref] = it->second;
        step = {{"push", latest[ref]}, {"client", e.profile}};
        break;
      }
      case TraceEvent::Op::Pull:
        step = {{"pull", latest.at(ref)}, {"client", e.profile}, {"by", e.by_digest ? "digest" : "tag"}};
        if (e.profile == "slices") step["slice_size"] = scaled(e.slice_size, options.scale);
        break;
      case TraceEvent::Op::Delete: ++skipped_deletes; continue;  // the runner has no delete step yet
      case TraceEvent::Op::Restart:
        step = {{"restart", e.instance < 0 ? nlohmann::json("all") : nlohmann::json(e.instance)}};
        break;
      case TraceEvent::Op::Faults: step = {{"faults", e.rules}}; break;
    }
    if (e.setup) {
      steps.push_back(std::move(step));
      continue;
    }
    ++timed;
    if (!options.as_fast_as_possible)
      step["at"] = std::to_string(static_cast<std::int64_t>(static_cast<double>(e.at_us) / options.speed)) + "us";
    if (!branches.count(e.client)) {
      client_order.push_back(e.client);
      branches[e.client] = nlohmann::json::array();
    }
    branches[e.client].push_back(std::move(step));
  }
  if (!client_order.empty()) {
    nlohmann::json parallel = nlohmann::json::array();
    for (const auto& c : client_order) parallel.push_back({{"name", c}, {"steps", branches[c]}});
    steps.push_back({{"parallel", std::move(parallel)}});
  }
  nlohmann::json replay = {{"trace_id", trace.id},
                           {"source", trace.source},
                           {"events", trace.events.size()},
                           {"timed_events", timed},
                           {"clients", client_order},
                           {"speed", options.as_fast_as_possible ? nlohmann::json("max") : nlohmann::json(options.speed)},
                           {"scale", options.scale}};
  if (skipped_deletes) replay["skipped_deletes"] = skipped_deletes;
  return {{"images", std::move(images)}, {"steps", std::move(steps)}, {"replay", std::move(replay)}};
}

bool has_workload_source(const JsonReader& w) { return w.has("trace") || w.has("generator"); }

nlohmann::json expand_workload_source(const JsonReader& w, const std::string& scenario_file) {
  if (w.has("trace") == w.has("generator")) w.fail("give one of \"trace\" or \"generator\"");
  if (w.has("images") || w.has("steps"))
    w.fail("a workload with a \"" + std::string(w.has("trace") ? "trace" : "generator") +
           "\" has no \"images\" or \"steps\" of its own");
  ReplayOptions options;
  if (w.has("speed")) {
    const auto s = w.at("speed");
    if (s.value().is_string() && s.as_string() == "max") {
      options.as_fast_as_possible = true;
    } else {
      options.speed = s.as_number();
      if (!(options.speed >= 0.001 && options.speed <= 1e6)) s.fail("a speed factor is 0.001 to 1000000, or \"max\"");
    }
  }
  if (w.has("scale")) {
    options.scale = w.at("scale").as_number();
    if (!(options.scale > 0 && options.scale <= 1000)) w.at("scale").fail("a scale factor is > 0 and at most 1000");
  }
  Trace trace;
  if (w.has("trace")) {
    namespace fs = std::filesystem;
    const fs::path given = w.at("trace").as_string();
    const fs::path path = given.is_absolute() ? given : fs::path(scenario_file).parent_path() / given;
    if (!fs::exists(path)) w.at("trace").fail("no trace file " + path.string());
    trace = load_trace(path.string());
  } else {
    trace = generate_from_json(w.at("generator"));
  }
  auto compiled = compile_trace(trace, options);
  // The runner's limits, said in the trace's terms (not as a pointer into the compiled steps).
  const auto clients = compiled["replay"]["clients"].size();
  if (clients > 256)
    w.fail("the trace has " + std::to_string(clients) + " clients; at most 256 replay at once (split the trace)");
  std::int64_t last = 0;
  for (const auto& e : trace.events) last = std::max(last, e.at_us);
  const double span_us = options.as_fast_as_possible ? 0 : static_cast<double>(last) / options.speed;
  if (span_us > 600e6)
    w.fail("the trace spans " + std::to_string(last / 1'000'000) + " s; offsets replay up to 10 minutes: give a \"speed\" of at least " +
           std::to_string(static_cast<double>(last) / 600e6) + " (or \"max\")");
  if (w.has("trace")) compiled["replay"]["trace"] = w.at("trace").as_string();
  nlohmann::json out = w.value();
  for (const char* key : {"trace", "generator", "speed", "scale"}) out.erase(key);
  out["images"] = std::move(compiled["images"]);
  out["steps"] = std::move(compiled["steps"]);
  out["replay"] = std::move(compiled["replay"]);
  return out;
}

}  // namespace stalemate::harness::workload
