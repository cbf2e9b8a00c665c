#include "harness/run_plan.h"

#include "common/json_reader.h"
#include "common/time_format.h"

namespace stalemate::harness {

std::uint64_t layer_content_seed(std::uint64_t scenario_seed, std::uint64_t layer_seed) {
  // splitmix64 finaliser over the pair
  std::uint64_t z = scenario_seed * 0x9E3779B97F4A7C15ull + layer_seed + 0x632BE59BD9B4E019ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

namespace {

PushProfile push_profile(const std::string& client) {
  if (client == "dockerd") return PushProfile::Dockerd;
  if (client == "buildkit") return PushProfile::Buildkit;
  return PushProfile::Single;
}

PullProfile pull_profile(const std::string& client) {
  if (client == "docker") return PullProfile::Docker;
  if (client == "containerd") return PullProfile::Containerd;
  if (client == "slices") return PullProfile::Slices;
  return PullProfile::Plain;
}

// The backend's consistency knobs and phases must fit the topology (a quorum
// of 999 of three replicas would never acknowledge). Steps are checked as
// they are planned.
void check_consistencies(const Scenario& s) {
  const JsonReader root(s.source, s.file);
  if (!root.has("backend")) return;
  const auto backend = root.at("backend");
  const auto& topology = s.backend.model.topology;
  if (backend.has("consistency")) sim::parse_consistency_patch(backend.at("consistency"), topology);
  if (backend.has("phases")) sim::parse_phases(backend.at("phases"), topology);
}

// Resolves the placeholders of a rule list (digests are final only now) and
// parses it; each rule is checked against the topology.
std::vector<sim::FaultRule> plan_rules(const nlohmann::json& source, const Scenario& s, const std::string& pointer) {
  const JsonReader at(s.source, s.file, pointer);
  nlohmann::json resolved;
  try {
    resolved = resolve_placeholders(source, s.workload.images);
  } catch (const InputError& e) {
    at.fail(e.what());
  }
  return sim::parse_fault_rules(JsonReader(resolved, s.file, pointer), s.backend.model.topology);
}

PlannedStep plan_step(const Step& step, const Scenario& s) {
  PlannedStep p;
  p.kind = step.kind;
  p.where = step.where;
  p.image = step.image;
  p.client = step.client;
  p.by_digest = step.by_digest;
  p.after_push = step.after_push;
  p.slice_size = step.slice_size;
  p.via = step.via;
  p.instance = step.instance;
  p.duration_us = step.duration_us;
  p.delete_untagged = step.delete_untagged;
  p.at_us = step.at_us;
  for (std::size_t i = 0; i < step.branches.size(); ++i) {
    const auto& b = step.branches[i];
    PlannedBranch planned;
    planned.label = !b.label.empty() ? b.label
                                     : (step.where.empty() ? std::string("parallel") : step.where) + " client " +
                                           std::to_string(i + 1);
    for (const auto& sub : b.steps) planned.steps.push_back(plan_step(sub, s));
    p.branches.push_back(std::move(planned));
  }
  if (step.kind == Step::Kind::Push) p.push = push_profile(step.client);
  if (step.kind == Step::Kind::Pull) p.pull = pull_profile(step.client);
  if (step.kind == Step::Kind::Faults) p.rules = plan_rules(step.json, s, step.where + "/faults");
  if (step.kind == Step::Kind::Consistency)
    p.consistency = sim::parse_consistency_patch(JsonReader(step.json, s.file, step.where + "/consistency"),
                                                 s.backend.model.topology);
  return p;
}

// Without explicit steps: push every image, then pull each by tag and/or digest.
std::vector<Step> default_steps(const WorkloadSpec& w) {
  std::vector<Step> steps;
  for (std::size_t i = 0; i < w.images.size(); ++i) {
    Step s;
    s.kind = Step::Kind::Push;
    s.image = i;
    s.client = "single";
    steps.push_back(s);
  }
  for (std::size_t i = 0; i < w.images.size(); ++i) {
    for (bool by_digest : {false, true}) {
      if ((by_digest && !w.pull_by_digest) || (!by_digest && !w.pull_by_tag)) continue;
      Step s;
      s.kind = Step::Kind::Pull;
      s.image = i;
      s.by_digest = by_digest;
      s.client = "plain";
      steps.push_back(s);
    }
  }
  return steps;
}

// The negative control's workload: no fault or consistency changes, also
// none inside parallel steps.
void drop_fault_steps(std::vector<Step>& steps) {
  std::erase_if(steps, [](const Step& st) { return st.kind == Step::Kind::Faults || st.kind == Step::Kind::Consistency; });
  for (auto& st : steps)
    for (auto& b : st.branches) drop_fault_steps(b.steps);
}

// The command line over the scenario: registry, seed, negative control.
void apply_options(Scenario& s, const RunOptions& options) {
  if (options.registry_binary) s.registry.binary = *options.registry_binary;
  if (options.seed) s.seed = s.backend.model.seed = *options.seed;
  for (auto& w : s.workload.images)
    for (auto& layer : w.image.layers) layer.seed = layer_content_seed(s.seed, layer.seed);
  if (options.control) {
    s.backend.faults_source = nlohmann::json::array();
    s.backend.model.phases.clear();
    s.backend.model.consistency = sim::ConsistencyParams{};
    s.backend.model.consistency.always_newest = true;
    s.backend.model.topology.capacity = {};  // roomy disks: a full store is a fault like the others
    if (s.front_control) s.front = s.front_control;
    drop_fault_steps(s.workload.steps);
  }
  if (s.workload.steps.empty()) s.workload.steps = default_steps(s.workload);
}

}  // namespace

std::string PlannedStep::describe() const {
  switch (kind) {
    case Step::Kind::Push: return "push image " + std::to_string(image) + " (" + client + ")";
    case Step::Kind::Pull:
      return "pull image " + std::to_string(image) + (by_digest ? " by digest" : " by tag") + " (" + client + ")" +
             (after_push ? " once pushed" : "");
    case Step::Kind::Delete: return "delete image " + std::to_string(image) + "'s manifest";
    case Step::Kind::Restart:
      return instance < 0 ? std::string("restart every registry instance") : "restart registry " + std::to_string(instance);
    case Step::Kind::Wait: return "wait " + std::to_string(duration_us / 1000) + " ms";
    case Step::Kind::Clock: return "advance the store clock " + std::to_string(duration_us / 1000) + " ms";
    case Step::Kind::Heal: return "heal";
    case Step::Kind::Quiesce: return "quiesce";
    case Step::Kind::FlushCache: return "flush the Redis cache";
    case Step::Kind::Faults: return "add " + std::to_string(rules.size()) + " fault rule(s)";
    case Step::Kind::Consistency: return "change consistency " + sim::consistency_patch_to_json(consistency).dump();
    case Step::Kind::Parallel: return std::to_string(branches.size()) + " clients at once";
    case Step::Kind::GarbageCollect:
      return std::string("registry garbage-collect") + (delete_untagged ? " --delete-untagged" : "");
  }
  return "?";
}

RunPlan make_run_plan(Scenario scenario, const RunOptions& options) {
  apply_options(scenario, options);
  RunPlan plan;
  scenario.backend.model.rules = plan_rules(scenario.backend.faults_source, scenario, "/backend/faults");
  check_consistencies(scenario);
  for (const auto& step : scenario.workload.steps) plan.steps.push_back(plan_step(step, scenario));
  // The checker self-test corrupts the store right after the (first run of) pushes.
  if (scenario.debug.flip_byte_prefix) {
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      if (plan.steps[i].kind != Step::Kind::Push) continue;
      if (i + 1 == plan.steps.size() || plan.steps[i + 1].kind != Step::Kind::Push) {
        plan.steps[i].flip_byte_after = true;
        break;
      }
    }
  }
  plan.out_dir = options.out_dir.empty() ? std::filesystem::path("stalemate-out") / scenario.name
                                         : std::filesystem::path(options.out_dir);
  plan.control = options.control;
  plan.progress = options.progress;
  plan.scenario = std::move(scenario);
  return plan;
}

namespace {

nlohmann::json steps_to_json(const std::vector<PlannedStep>& planned) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& st : planned) {
    nlohmann::json j = {{"where", st.where}, {"step", st.describe()}};
    if (st.at_us >= 0) j["at_ms"] = st.at_us / 1000;
    if (!st.rules.empty()) {
      j["rules"] = nlohmann::json::array();
      for (const auto& r : st.rules) j["rules"].push_back(sim::fault_rule_to_json(r));
    }
    if (!st.branches.empty()) {
      j["clients"] = nlohmann::json::array();
      for (const auto& b : st.branches) j["clients"].push_back({{"label", b.label}, {"steps", steps_to_json(b.steps)}});
    }
    steps.push_back(std::move(j));
  }
  return steps;
}

}  // namespace

nlohmann::json plan_to_json(const RunPlan& plan) {
  const auto& model = plan.scenario.backend.model;
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& r : model.rules) rules.push_back(sim::fault_rule_to_json(r));
  nlohmann::json out = {{"consistency", sim::consistency_to_json(model.consistency)},
                        {"replicas", sim::topology_to_json(model.topology)},
                        {"rules", std::move(rules)},
                        {"steps", steps_to_json(plan.steps)}};
  if (plan.scenario.front) out["front"] = front::to_json(*plan.scenario.front);
  return out;
}

}  // namespace stalemate::harness
