#include "harness/scenario.h"

#include <algorithm>
#include <regex>

#include "common/json_reader.h"
#include "harness/manifest.h"
#include "harness/workload/trace_compile.h"

namespace stalemate::harness {

namespace {

// An optional count, checked before it is narrowed (4294967297 must not pass as 1).
int bounded_int(const JsonReader& r, const std::string& key, std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi) {
  const auto v = r.get_uint(key, fallback);
  if (v < lo || v > hi) r.at(key).fail("must be " + std::to_string(lo) + " to " + std::to_string(hi));
  return static_cast<int>(v);
}

std::uint64_t bounded_size(const JsonReader& r, const std::string& key, std::uint64_t fallback, std::uint64_t lo,
                           std::uint64_t hi, const std::string& why = "") {
  const auto v = r.get_size(key, fallback);
  if (v < lo || v > hi)
    r.at(key).fail("must be " + std::to_string(lo) + " to " + std::to_string(hi) + " bytes (" +
                   (hi % kGiB == 0 ? std::to_string(hi / kGiB) + "GiB" : std::to_string(hi) + "B") + ")" +
                   (why.empty() ? "" : ": " + why));
  return v;
}

std::int64_t bounded_duration(const JsonReader& r, std::int64_t lo, std::int64_t hi, const std::string& what) {
  const auto v = r.as_duration_us();
  if (v < lo || v > hi) r.fail(what);
  return v;
}

void parse_backend(const JsonReader& r, BackendSpec& b) {
  r.expect_object({"type", "container", "replicas", "swift", "s3", "consistency", "phases", "faults", "body_budget",
                   "digest_ordinals"});
  b.type = r.has("type") ? r.at("type").as_enum({"swift", "s3"}) : "swift";
  if (r.has("s3")) {
    auto s = r.at("s3");
    s.expect_object({"access_key", "secret_key", "region", "consistency"});
    if (b.type != "s3") s.fail("an \"s3\" section needs \"type\": \"s3\"");
    if (s.has("consistency"))
      b.model.consistency = sim::s3_consistency_preset(s.at("consistency").as_enum({"strong", "legacy", "multisite"}));
    b.s3.access_key = s.get_string("access_key", b.s3.access_key);
    b.s3.secret_key = s.get_string("secret_key", b.s3.secret_key);
    b.s3.region = s.get_string("region", b.s3.region);
  }
  if (r.has("swift") && r.at("swift").has("consistency")) {
    if (b.type != "swift") r.at("swift").fail("a \"swift\" section needs \"type\": \"swift\"");
    b.model.consistency =
        sim::swift_consistency_preset(r.at("swift").at("consistency").as_enum({"healthy", "degraded"}));
  }
  // Explicit knobs refine the preset a consistency mode chose.
  if (r.has("consistency")) b.model.consistency = sim::parse_consistency(r.at("consistency"), b.model.consistency);
  b.container = r.get_string("container", b.container);
  if (b.container.empty() || b.container.find('/') != std::string::npos)
    r.at("container").fail("container name must be non-empty and contain no '/'");
  // Replica counts, handoffs and capacities (sim/model/topology.h).
  if (r.has("replicas")) b.model.topology = sim::parse_topology(r.at("replicas"));

  if (r.has("body_budget")) {
    b.body_budget = r.at("body_budget").as_size();
    if (b.body_budget < (1u << 20) || b.body_budget > (1ull << 40))
      r.at("body_budget").fail("body_budget must be between 1MiB and 1TiB");
  }
  if (r.has("phases")) b.model.phases = sim::parse_phases(r.at("phases"));
  // Draws keyed by digest ordinals (sim/model/store.h): explore's salted layers.
  b.model.digest_ordinals = r.get_bool("digest_ordinals", false);
  if (r.has("faults")) b.faults_source = r.at("faults").value();  // parsed once the images are known
  if (r.has("swift")) {
    auto s = r.at("swift");
    s.expect_object({"version", "tempurl", "bulk_delete", "max_deletes_per_request", "account", "user", "key",
                     "consistency"});
    b.swift.version = s.get_string("version", b.swift.version);
    b.swift.tempurl = s.get_bool("tempurl", b.swift.tempurl);
    b.swift.bulk_delete = s.get_bool("bulk_delete", b.swift.bulk_delete);
    b.swift.max_deletes_per_request = bounded_int(s, "max_deletes_per_request",
                                                  static_cast<std::uint64_t>(b.swift.max_deletes_per_request), 1, 100000);
    b.swift.account = s.get_string("account", b.swift.account);
    b.swift.user = s.get_string("user", b.swift.user);
    b.swift.key = s.get_string("key", b.swift.key);
  }
}

void parse_registry(const JsonReader& r, RegistrySpec& reg, const std::string& backend_type) {
  r.expect_object({"binary", "chunksize", "redirect", "config", "instances", "routing", "cache", "max_purge_delay"});
  if (r.has("cache")) reg.cache = r.at("cache").as_enum({"inmemory", "redis"});
  reg.binary = r.get_string("binary", reg.binary);
  reg.instances = bounded_int(r, "instances", 1, 1, 4);
  if (r.has("routing")) reg.round_robin = r.at("routing").as_enum({"round-robin", "active-passive"}) == "round-robin";
  reg.chunksize = r.get_size("chunksize", reg.chunksize);
  if (reg.chunksize < (1u << 20)) r.at("chunksize").fail("the swift driver requires chunksize >= 1MiB");
  // The driver buffers a whole chunk in memory (and Swift's and S3's own
  // limit on one segment or part is 5 GiB).
  bounded_size(r, "chunksize", reg.chunksize, 1u << 20, kMaxChunkSize, "the driver holds a chunk in memory");
  if (backend_type == "s3" && reg.chunksize < (5u << 20))
    r.at("chunksize").fail("the s3 driver requires chunksize >= 5MiB (the S3 minimum part size)");
  reg.redirect = r.get_bool("redirect", reg.redirect);
  if (r.has("config")) {
    auto c = r.at("config");
    if (!c.value().is_object()) c.fail("expected an object (merged into the registry config)");
    reg.config = c.value();
  }
  if (r.has("max_purge_delay")) {
    const auto us = r.at("max_purge_delay").as_duration_us();
    if (us % 60'000'000 != 0 || us > 59ll * 60'000'000)
      r.at("max_purge_delay").fail("whole minutes from \"0m\" to \"59m\" (the purger draws whole minutes 0-59)");
    reg.max_purge_delay_minutes = static_cast<int>(us / 60'000'000);
  }
}

PushOptions parse_push(const JsonReader& r, PushOptions base) {
  r.expect_object({"mode", "chunk_size", "second_writer", "cancel_failed_uploads"});
  if (r.has("mode")) base.mode = r.at("mode").as_enum({"monolithic", "chunked"}) == "chunked" ? PushMode::Chunked : PushMode::Monolithic;
  base.chunk_size = bounded_size(r, "chunk_size", base.chunk_size, 1, kMaxChunkSize, "a chunk is held in memory");
  if (r.has("second_writer")) {
    const auto w = r.at("second_writer").as_enum({"none", "other-bytes", "same-bytes"});
    base.second_writer = w == "other-bytes" ? SecondWriter::OtherBytes
                         : w == "same-bytes" ? SecondWriter::SameBytes
                                             : SecondWriter::None;
    if (base.second_writer != SecondWriter::None && base.mode != PushMode::Monolithic)
      r.at("second_writer").fail("a second writer needs \"mode\": \"monolithic\" (one PATCH with the whole layer)");
  }
  base.cancel_failed_uploads = r.get_bool("cancel_failed_uploads", base.cancel_failed_uploads);
  return base;
}

ImageWorkload parse_image(const JsonReader& r, const PushOptions& default_push, std::size_t index) {
  r.expect_object({"repository", "tag", "format", "layers", "push", "config_seed"});
  ImageWorkload w;
  w.image.repository = r.at("repository").as_string();
  if (w.image.repository.empty()) r.at("repository").fail("must not be empty");
  for (char c : w.image.repository) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.';
    if (!ok) r.at("repository").fail("repository names use lowercase letters, digits and . _ - /");
  }
  w.image.tag = r.get_string("tag", "latest");
  if (r.has("format"))
    w.image.format = r.at("format").as_enum({"docker", "oci"}) == "oci" ? ManifestFormat::OCI : ManifestFormat::DockerV2;
  w.image.config_seed = r.get_uint("config_seed", 1000 + index);
  auto layers = r.at("layers");
  if (layers.size() == 0) layers.fail("an image needs at least one layer");
  if (layers.size() > kMaxLayersPerImage) layers.fail("at most " + std::to_string(kMaxLayersPerImage) + " layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto l = layers.at(i);
    l.expect_object({"size", "seed"});
    LayerSpec spec;
    spec.size = l.at("size").as_size();
    if (spec.size == 0) l.at("size").fail("layers must not be empty");
    if (spec.size > kMaxLayerSize)
      l.at("size").fail("at most 64GiB per layer (" + std::to_string(kMaxLayerSize) + " bytes); the run generates and hashes every byte");
    spec.seed = l.get_uint("seed", (index + 1) * 1000 + i);
    w.image.layers.push_back(spec);
  }
  w.push = r.has("push") ? parse_push(r.at("push"), default_push) : default_push;
  return w;
}

std::size_t parse_image_ref(const JsonReader& r, const std::vector<ImageWorkload>& images) {
  if (r.value().is_string()) {
    const auto name = r.as_string();
    for (std::size_t i = 0; i < images.size(); ++i)
      if (images[i].image.repository == name) return i;
    r.fail("no image with repository \"" + name + "\"");
  }
  const auto index = r.as_uint();
  if (index >= images.size()) r.fail("image index out of range (the workload has " + std::to_string(images.size()) + ")");
  return static_cast<std::size_t>(index);
}

// What every step of a workload is checked against.
struct StepContext {
  const std::vector<ImageWorkload>& images;
  int instances = 1;
  const sim::StoreTopology& topology;
};

// The keys a step of this kind may have: its own, "at" inside a parallel
// step, "clients" on a push or pull outside one.
std::vector<std::string> step_keys(std::initializer_list<const char*> own, bool in_parallel, bool can_fan_out) {
  std::vector<std::string> keys(own.begin(), own.end());
  if (in_parallel) keys.push_back("at");
  if (can_fan_out && !in_parallel) keys.push_back("clients");
  return keys;
}

Step parse_step(const JsonReader& r, const StepContext& ctx, bool in_parallel);

// {"parallel": [step | {"steps": [...], "name": "..."}, ...]}: every element
// is started at once by a client of its own.
Step parse_parallel(const JsonReader& r, const StepContext& ctx) {
  r.expect_object({"parallel"});
  Step st;
  st.where = r.pointer();
  st.kind = Step::Kind::Parallel;
  const auto elements = r.at("parallel");
  if (!elements.value().is_array() || elements.size() == 0) elements.fail("must be a non-empty list of steps or branches");
  if (elements.size() > kMaxParallelClients)
    elements.fail("at most " + std::to_string(kMaxParallelClients) + " clients run at once");
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const auto e = elements.at(i);
    StepBranch branch;
    if (e.has("steps")) {
      e.expect_object({"steps", "name"});
      branch.label = e.has("name") ? e.at("name").as_string() : "";
      const auto steps = e.at("steps");
      if (steps.size() > kMaxSteps) steps.fail("at most " + std::to_string(kMaxSteps) + " steps");
      for (std::size_t j = 0; j < steps.size(); ++j) branch.steps.push_back(parse_step(steps.at(j), ctx, true));
    } else {
      branch.steps.push_back(parse_step(e, ctx, true));
    }
    st.branches.push_back(std::move(branch));
  }
  return st;
}

// "clients": N on a push or pull: N clients each doing it, at once.
Step fan_out(const JsonReader& r, Step one) {
  const auto n = r.at("clients").as_uint();
  if (n < 1 || n > kMaxParallelClients)
    r.at("clients").fail("1 to " + std::to_string(kMaxParallelClients) + " clients");
  Step st;
  st.where = one.where;
  st.kind = Step::Kind::Parallel;
  for (std::uint64_t i = 0; i < n; ++i) st.branches.push_back({"", {one}});
  return st;
}

Step parse_step(const JsonReader& r, const StepContext& ctx, bool in_parallel) {
  if (r.has("parallel")) {
    if (in_parallel) r.at("parallel").fail("a parallel step cannot be nested in another");
    return parse_parallel(r, ctx);
  }
  Step st;
  st.where = r.pointer();
  auto via = [&]() {
    if (!r.has("via")) return -1;
    const auto v = r.at("via").as_uint();
    if (v >= static_cast<std::uint64_t>(ctx.instances)) r.at("via").fail("no such registry instance (numbered from 0)");
    return static_cast<int>(v);
  };
  if (r.has("push")) {
    r.expect_object(step_keys({"push", "client", "via"}, in_parallel, true));
    st.kind = Step::Kind::Push;
    st.image = parse_image_ref(r.at("push"), ctx.images);
    st.client = r.has("client") ? r.at("client").as_enum({"single", "dockerd", "buildkit", "skopeo"}) : "single";
    st.via = via();
  } else if (r.has("pull")) {
    r.expect_object(step_keys({"pull", "by", "client", "slice_size", "via", "after_push"}, in_parallel, true));
    st.kind = Step::Kind::Pull;
    st.image = parse_image_ref(r.at("pull"), ctx.images);
    st.by_digest = r.has("by") && r.at("by").as_enum({"tag", "digest"}) == "digest";
    st.client = r.has("client") ? r.at("client").as_enum({"plain", "docker", "containerd", "slices", "skopeo"}) : "plain";
    st.slice_size = bounded_size(r, "slice_size", st.slice_size, 1, kMaxChunkSize, "a slice is held in memory");
    st.via = via();
    st.after_push = r.get_bool("after_push", false);
    if (st.after_push && !in_parallel) r.at("after_push").fail("only a pull inside a parallel step waits for a push");
  } else if (r.has("delete")) {
    r.expect_object(step_keys({"delete", "via"}, in_parallel, false));
    st.kind = Step::Kind::Delete;
    st.image = parse_image_ref(r.at("delete"), ctx.images);
    st.via = via();
  } else if (r.has("restart")) {
    r.expect_object(step_keys({"restart"}, in_parallel, false));
    st.kind = Step::Kind::Restart;
    const auto& v = r.at("restart").value();
    if (v.is_string() && v.get<std::string>() == "all") {
      st.instance = -1;
    } else {
      const auto i = r.at("restart").as_uint();
      if (i >= static_cast<std::uint64_t>(ctx.instances))
        r.at("restart").fail("no such registry instance (numbered from 0)");
      st.instance = static_cast<int>(i);
    }
  } else if (r.has("wait")) {
    r.expect_object(step_keys({"wait"}, in_parallel, false));
    st.kind = Step::Kind::Wait;
    st.duration_us = bounded_duration(r.at("wait"), 0, kMaxWaitUs, "waits are 0 to 10 minutes");
  } else if (r.has("clock")) {
    r.expect_object(step_keys({"clock"}, in_parallel, false));
    st.kind = Step::Kind::Clock;
    st.duration_us = bounded_duration(r.at("clock"), 0, kMaxClockAdvanceUs, "the clock advances 0 to 365 days");
  } else if (r.has("flush_cache")) {
    r.expect_object(step_keys({"flush_cache"}, in_parallel, false));
    st.kind = Step::Kind::FlushCache;
  } else if (r.has("heal")) {
    r.expect_object(step_keys({"heal"}, in_parallel, false));
    st.kind = Step::Kind::Heal;
  } else if (r.has("quiesce")) {
    r.expect_object(step_keys({"quiesce"}, in_parallel, false));
    st.kind = Step::Kind::Quiesce;
  } else if (r.has("garbage_collect")) {
    // {"garbage_collect": {"delete_untagged": true}}: run `<registry> garbage-collect` once, to its end.
    r.expect_object(step_keys({"garbage_collect"}, in_parallel, false));
    st.kind = Step::Kind::GarbageCollect;
    const auto gc = r.at("garbage_collect");
    gc.expect_object({"delete_untagged"});
    st.delete_untagged = gc.get_bool("delete_untagged", false);
  } else if (r.has("faults")) {
    r.expect_object(step_keys({"faults"}, in_parallel, false));
    st.kind = Step::Kind::Faults;
    st.json = r.at("faults").value();
    nlohmann::json resolved;
    try {
      resolved = resolve_placeholders(st.json, ctx.images);
    } catch (const InputError& e) {
      r.at("faults").fail(e.what());
    }
    sim::parse_fault_rules(JsonReader(resolved, r.file(), r.at("faults").pointer()), ctx.topology);
  } else if (r.has("consistency")) {
    r.expect_object(step_keys({"consistency"}, in_parallel, false));
    st.kind = Step::Kind::Consistency;
    sim::parse_consistency(r.at("consistency"));
    st.json = r.at("consistency").value();
  } else {
    r.fail("a step is one of push, pull, delete, restart, wait, clock, heal, quiesce, faults, consistency, "
           "flush_cache, parallel, garbage_collect");
  }
  if (in_parallel && r.has("at"))
    st.at_us = bounded_duration(r.at("at"), 0, kMaxWaitUs, "a start offset is 0 to 10 minutes");
  if (r.has("clients")) return fan_out(r, std::move(st));
  return st;
}

// A pull that waits for its image's push must have one to wait for: an
// earlier step, another client of its parallel step, or an earlier step of
// its own branch (a later one would never come).
void check_after_push(const std::vector<Step>& steps, const JsonReader& at) {
  std::set<std::size_t> pushed;
  for (const auto& st : steps) {
    if (st.kind == Step::Kind::Push) pushed.insert(st.image);
    if (st.kind != Step::Kind::Parallel) continue;
    for (std::size_t b = 0; b < st.branches.size(); ++b) {
      std::set<std::size_t> others;  // pushed by the other clients of this step
      for (std::size_t o = 0; o < st.branches.size(); ++o)
        for (const auto& sub : st.branches[o].steps)
          if (o != b && sub.kind == Step::Kind::Push) others.insert(sub.image);
      std::set<std::size_t> own;
      for (const auto& sub : st.branches[b].steps) {
        if (sub.kind == Step::Kind::Push) own.insert(sub.image);
        if (sub.kind == Step::Kind::Pull && sub.after_push && !pushed.count(sub.image) && !others.count(sub.image) &&
            !own.count(sub.image))
          JsonReader(at.value(), at.file(), sub.where + "/after_push")
              .fail("no step before it or beside it pushes image " + std::to_string(sub.image));
      }
    }
    for (const auto& b : st.branches)
      for (const auto& sub : b.steps)
        if (sub.kind == Step::Kind::Push) pushed.insert(sub.image);
  }
}

// Every step, also those inside parallel steps.
std::size_t count_steps(const std::vector<Step>& steps) {
  std::size_t n = 0;
  for (const auto& st : steps) {
    n += 1;
    for (const auto& b : st.branches) n += count_steps(b.steps);
  }
  return n;
}

void parse_workload(const JsonReader& r, WorkloadSpec& w, int instances, const sim::StoreTopology& topology) {
  // A trace or a generator compiles to images and steps (harness/workload/).
  if (workload::has_workload_source(r)) {
    auto expanded = workload::expand_workload_source(r, r.file());
    w.replay = expanded["replay"];
    expanded.erase("replay");
    parse_workload(JsonReader(expanded, r.file() + " (workload compiled from its trace)", r.pointer()), w, instances,
                   topology);
    return;
  }
  r.expect_object({"images", "push", "pull", "verify_acknowledged", "converge_check", "steps"});
  PushOptions default_push;
  if (r.has("push")) default_push = parse_push(r.at("push"), default_push);
  auto images = r.at("images");
  if (images.size() == 0) images.fail("the workload needs at least one image");
  if (images.size() > kMaxImages) images.fail("at most " + std::to_string(kMaxImages) + " images");
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    w.images.push_back(parse_image(images.at(i), default_push, i));
    for (const auto& l : w.images.back().image.layers) total += l.size;  // each <= 64 GiB: no overflow
    if (total > kMaxWorkloadBytes)
      images.at(i).fail("the workload's layers add up to more than 256GiB (" + std::to_string(kMaxWorkloadBytes) +
                        " bytes)");
  }
  if (r.has("pull")) {
    auto p = r.at("pull");
    p.expect_object({"by"});
    auto by = p.at("by");
    w.pull_by_tag = w.pull_by_digest = false;
    for (std::size_t i = 0; i < by.size(); ++i) {
      if (by.at(i).as_enum({"tag", "digest"}) == "tag")
        w.pull_by_tag = true;
      else
        w.pull_by_digest = true;
    }
  }
  if (r.has("steps")) {
    auto steps = r.at("steps");
    if (steps.size() > kMaxSteps) steps.fail("at most " + std::to_string(kMaxSteps) + " steps");
    const StepContext ctx{w.images, instances, topology};
    for (std::size_t i = 0; i < steps.size(); ++i) w.steps.push_back(parse_step(steps.at(i), ctx, false));
    check_after_push(w.steps, steps);
    if (count_steps(w.steps) > kMaxSteps)
      steps.fail("at most " + std::to_string(kMaxSteps) + " steps in all (parallel steps and their clients count)");
  }
  w.verify_acknowledged = r.get_bool("verify_acknowledged", true);
  w.converge_check = r.get_bool("converge_check", true);
}

void parse_debug(const JsonReader& r, DebugSpec& d) {
  r.expect_object({"flip_byte"});
  if (r.has("flip_byte")) {
    auto f = r.at("flip_byte");
    f.expect_object({"object_prefix", "offset"});
    d.flip_byte_prefix = f.at("object_prefix").as_string();
    d.flip_byte_offset = f.get_uint("offset", 0);
  }
}

// `front`, and `front.control`: a merge patch onto it for --control runs (its
// errors name /front/control/…, the patched section as a whole).
void parse_front(const JsonReader& r, Scenario& s) {
  nlohmann::json spec = r.value();
  if (spec.is_object() && spec.contains("control")) {
    const auto c = r.at("control");
    if (!c.value().is_object()) c.fail("expected an object (merged into the front section for --control runs)");
    spec.erase("control");
    nlohmann::json patched = spec;
    patched.merge_patch(c.value());
    s.front_control = front::parse_front_spec(JsonReader(patched, s.file, r.pointer() + "/control"));
  }
  s.front = front::parse_front_spec(JsonReader(spec, s.file, r.pointer()));
  if (!s.front_control) s.front_control = s.front;
}

}  // namespace

Scenario parse_scenario(const nlohmann::json& json, const std::string& file) {
  JsonReader r(json, file);
  r.expect_object({"name", "description", "kind", "seed", "backend", "registry", "workload", "debug", "fail_on_errors",
                   "expect", "front"});
  Scenario s;
  s.file = file;
  s.source = json;
  s.name = r.at("name").as_string();
  if (s.name.empty()) r.at("name").fail("must not be empty");
  s.description = r.get_string("description", "");
  s.seed = r.get_uint("seed", 1);
  s.backend.model.seed = s.seed;
  if (r.has("backend")) parse_backend(r.at("backend"), s.backend);
  if (r.has("registry")) parse_registry(r.at("registry"), s.registry, s.backend.type);
  if (s.backend.type == "s3" && !r.has("registry")) s.registry.chunksize = std::max<std::uint64_t>(s.registry.chunksize, 10u << 20);
  parse_workload(r.at("workload"), s.workload, s.registry.instances, s.backend.model.topology);
  // Rules may name blobs by placeholder: validate them with the placeholders
  // resolved (the run resolves them again once the seed is final).
  if (r.has("backend") && r.at("backend").has("faults")) {
    nlohmann::json resolved;
    try {
      resolved = resolve_placeholders(s.backend.faults_source, s.workload.images);
    } catch (const InputError& e) {
      r.at("backend").at("faults").fail(e.what());
    }
    s.backend.model.rules = sim::parse_fault_rules(JsonReader(resolved, file, "/backend/faults"), s.backend.model.topology);
  }
  for_each_step(s.workload.steps, [&](const Step& st) {
    if (st.kind == Step::Kind::FlushCache && s.registry.cache != "redis")
      JsonReader(json, file, st.where).fail("flush_cache needs \"registry\": {\"cache\": \"redis\"}");
  });
  if (r.has("debug")) parse_debug(r.at("debug"), s.debug);
  if (r.has("front")) parse_front(r.at("front"), s);
  s.fail_on_errors = r.get_bool("fail_on_errors", true);
  s.kind = r.has("kind") ? r.at("kind").as_enum({"check", "targeted", "stochastic", "calibration", "long"}) : "check";
  if (r.has("expect")) {
    auto e = r.at("expect");
    e.expect_object({"violations", "errors", "error_text", "operations"});
    if (e.has("violations")) {
      auto v = e.at("violations");
      for (std::size_t i = 0; i < v.size(); ++i)
        s.expect_violations.push_back(v.at(i).as_enum({"blob-digest", "blob-length", "content-length", "range-bytes",
                                                       "docker-content-digest", "head-size", "manifest-digest",
                                                       "acknowledged-readable"}));
    }
    s.expect_errors = e.get_bool("errors", false);
    s.expect_error_text = e.get_string("error_text", "");
    if (e.has("operations")) {
      auto o = e.at("operations");
      for (std::size_t i = 0; i < o.size(); ++i) s.expect_operations.push_back(o.at(i).as_string());
    }
  }
  // Placeholders must name images and layers that exist.
  try {
    resolve_placeholders(json, s.workload.images);
  } catch (const InputError& e) {
    r.fail(e.what());
  }
  return s;
}

nlohmann::json resolve_placeholders(const nlohmann::json& json, const std::vector<ImageWorkload>& images) {
  if (json.is_object()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, v] : json.items()) out[k] = resolve_placeholders(v, images);
    return out;
  }
  if (json.is_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& v : json) out.push_back(resolve_placeholders(v, images));
    return out;
  }
  if (!json.is_string()) return json;
  static const std::regex pattern(R"(\{\{(layer|layer-path|layer-key|config):(\d+)(?::(\d+))?\}\})");
  const std::string text = json.get<std::string>();
  std::string out;
  std::size_t last = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), pattern); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    out += text.substr(last, static_cast<std::size_t>(m.position()) - last);
    last = static_cast<std::size_t>(m.position() + m.length());
    const std::string kind = m[1];
    const std::size_t image = std::stoul(m[2]);
    if (image >= images.size()) throw InputError("placeholder " + m.str() + ": no image " + std::to_string(image));
    std::string hex;
    if (kind == "config") {
      hex = build_image(images[image].image).config_descriptor.digest.substr(7);
    } else {
      if (!m[3].matched) throw InputError("placeholder " + m.str() + " needs {{" + kind + ":IMAGE:LAYER}}");
      const std::size_t layer = std::stoul(m[3]);
      const auto& layers = images[image].image.layers;
      if (layer >= layers.size()) throw InputError("placeholder " + m.str() + ": image " + std::to_string(image) + " has " + std::to_string(layers.size()) + " layers");
      hex = LayerContent(layers[layer].seed, layers[layer].size).digest().substr(7);
    }
    const std::string key = "docker/registry/v2/blobs/sha256/" + hex.substr(0, 2) + "/" + hex + "/data";
    out += kind == "layer-path" ? "files/" + key : kind == "layer-key" ? key : hex;
  }
  out += text.substr(last);
  return out;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(read_json_file(path), path); }

}  // namespace stalemate::harness
