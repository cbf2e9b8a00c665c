#include "harness/scenario.h"

#include "common/json_reader.h"

namespace stalemate::harness {

namespace {

void parse_backend(const JsonReader& r, BackendSpec& b) {
  r.expect_object({"type", "container", "replicas", "swift", "consistency", "phases", "faults"});
  b.type = r.has("type") ? r.at("type").as_enum({"swift"}) : "swift";
  b.container = r.get_string("container", b.container);
  if (b.container.empty() || b.container.find('/') != std::string::npos)
    r.at("container").fail("container name must be non-empty and contain no '/'");
  if (r.has("replicas")) {
    auto rep = r.at("replicas");
    rep.expect_object({"objects", "containers"});
    b.model.topology.object_replicas = static_cast<int>(rep.get_uint("objects", 3));
    b.model.topology.container_replicas = static_cast<int>(rep.get_uint("containers", 3));
    if (b.model.topology.object_replicas < 1 || b.model.topology.object_replicas > 16) rep.at("objects").fail("must be 1..16");
    if (b.model.topology.container_replicas < 1 || b.model.topology.container_replicas > 16)
      rep.at("containers").fail("must be 1..16");
  }
  if (r.has("consistency")) b.model.consistency = sim::parse_consistency(r.at("consistency"));
  if (r.has("phases")) b.model.phases = sim::parse_phases(r.at("phases"));
  if (r.has("faults")) b.model.rules = sim::parse_fault_rules(r.at("faults"));
  if (r.has("swift")) {
    auto s = r.at("swift");
    s.expect_object({"version", "tempurl", "bulk_delete", "max_deletes_per_request", "account", "user", "key"});
    b.swift.version = s.get_string("version", b.swift.version);
    b.swift.tempurl = s.get_bool("tempurl", b.swift.tempurl);
    b.swift.bulk_delete = s.get_bool("bulk_delete", b.swift.bulk_delete);
    b.swift.max_deletes_per_request =
        static_cast<int>(s.get_uint("max_deletes_per_request", static_cast<std::uint64_t>(b.swift.max_deletes_per_request)));
    b.swift.account = s.get_string("account", b.swift.account);
    b.swift.user = s.get_string("user", b.swift.user);
    b.swift.key = s.get_string("key", b.swift.key);
  }
}

void parse_registry(const JsonReader& r, RegistrySpec& reg) {
  r.expect_object({"binary", "chunksize", "redirect", "config"});
  reg.binary = r.get_string("binary", reg.binary);
  reg.chunksize = r.get_size("chunksize", reg.chunksize);
  if (reg.chunksize < (1u << 20)) r.at("chunksize").fail("the swift driver requires chunksize >= 1MiB");
  reg.redirect = r.get_bool("redirect", reg.redirect);
  if (r.has("config")) {
    auto c = r.at("config");
    if (!c.value().is_object()) c.fail("expected an object (merged into the registry config)");
    reg.config = c.value();
  }
}

PushOptions parse_push(const JsonReader& r, PushOptions base) {
  r.expect_object({"mode", "chunk_size"});
  if (r.has("mode")) base.mode = r.at("mode").as_enum({"monolithic", "chunked"}) == "chunked" ? PushMode::Chunked : PushMode::Monolithic;
  base.chunk_size = r.get_size("chunk_size", base.chunk_size);
  if (base.chunk_size == 0) r.at("chunk_size").fail("must be > 0");
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
  for (std::size_t i = 0; i < layers.size(); ++i) {
    auto l = layers.at(i);
    l.expect_object({"size", "seed"});
    LayerSpec spec;
    spec.size = l.at("size").as_size();
    if (spec.size == 0) l.at("size").fail("layers must not be empty");
    spec.seed = l.get_uint("seed", (index + 1) * 1000 + i);
    w.image.layers.push_back(spec);
  }
  w.push = r.has("push") ? parse_push(r.at("push"), default_push) : default_push;
  return w;
}

void parse_workload(const JsonReader& r, WorkloadSpec& w) {
  r.expect_object({"images", "push", "pull", "verify_acknowledged", "converge_check"});
  PushOptions default_push;
  if (r.has("push")) default_push = parse_push(r.at("push"), default_push);
  auto images = r.at("images");
  if (images.size() == 0) images.fail("the workload needs at least one image");
  for (std::size_t i = 0; i < images.size(); ++i) w.images.push_back(parse_image(images.at(i), default_push, i));
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

}  // namespace

Scenario parse_scenario(const nlohmann::json& json, const std::string& file) {
  JsonReader r(json, file);
  r.expect_object({"name", "description", "seed", "backend", "registry", "workload", "debug", "fail_on_errors"});
  Scenario s;
  s.file = file;
  s.source = json;
  s.name = r.at("name").as_string();
  if (s.name.empty()) r.at("name").fail("must not be empty");
  s.description = r.get_string("description", "");
  s.seed = r.get_uint("seed", 1);
  s.backend.model.seed = s.seed;
  if (r.has("backend")) parse_backend(r.at("backend"), s.backend);
  if (r.has("registry")) parse_registry(r.at("registry"), s.registry);
  parse_workload(r.at("workload"), s.workload);
  if (r.has("debug")) parse_debug(r.at("debug"), s.debug);
  s.fail_on_errors = r.get_bool("fail_on_errors", true);
  return s;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(read_json_file(path), path); }

}  // namespace stalemate::harness
