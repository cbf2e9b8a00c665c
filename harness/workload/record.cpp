#include "harness/workload/record.h"

#include <algorithm>
#include <map>
#include <set>

namespace stalemate::harness::workload {

namespace {

std::string layer_token(const LayerSpec& l) { return "seed-" + std::to_string(l.seed) + "-" + std::to_string(l.size); }

TraceImage trace_image(const ImageSpec& image) {
  TraceImage t;
  t.repository = image.repository;
  t.tag = image.tag;
  t.format = image.format == ManifestFormat::OCI ? "oci" : "docker";
  for (const auto& l : image.layers) t.layers.push_back({layer_token(l), l.size});
  t.config = "config-" + std::to_string(image.config_seed);
  return t;
}

// The event a step is, or nothing for the steps a trace does not carry.
std::optional<TraceEvent> event_of(const PlannedStep& step, const RunPlan& plan) {
  TraceEvent e;
  e.profile = step.client;
  switch (step.kind) {
    case Step::Kind::Push:
      e.op = TraceEvent::Op::Push;
      e.image = trace_image(plan.scenario.workload.images[step.image].image);
      return e;
    case Step::Kind::Pull:
    case Step::Kind::Delete: {
      // Both name the image by repository:tag (the trace resolves it to the latest push of that name).
      const auto& image = plan.scenario.workload.images[step.image].image;
      e.op = step.kind == Step::Kind::Pull ? TraceEvent::Op::Pull : TraceEvent::Op::Delete;
      e.image.repository = image.repository;
      e.image.tag = image.tag;
      e.by_digest = step.by_digest;
      e.slice_size = step.slice_size;
      return e;
    }
    case Step::Kind::Restart:
      e.op = TraceEvent::Op::Restart;
      e.instance = step.instance;
      return e;
    case Step::Kind::Faults:
      e.op = TraceEvent::Op::Faults;
      e.rules = nlohmann::json::array();
      for (const auto& r : step.rules) e.rules.push_back(sim::fault_rule_to_json(r));
      return e;
    default: return std::nullopt;
  }
}

}  // namespace

Trace record_trace(const RunPlan& plan, const std::vector<StepStart>& starts) {
  std::map<std::pair<std::string, std::size_t>, std::int64_t> started;
  std::int64_t origin = INT64_MAX;
  for (const auto& s : starts) {
    started[{s.client, s.step}] = s.started_us;
    origin = std::min(origin, s.started_us);
  }
  Trace trace;
  trace.source = "record " + plan.scenario.name;
  trace.id = trace.source;
  std::size_t unrecorded = 0;
  auto add = [&](const PlannedStep& step, const std::string& client, std::size_t index) {
    const auto it = started.find({client, index});
    if (it == started.end()) return;  // never started (the run stopped early)
    auto e = event_of(step, plan);
    if (!e) {
      ++unrecorded;
      return;
    }
    e->client = client;
    e->at_us = it->second - origin;
    trace.events.push_back(std::move(*e));
  };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    if (step.kind != Step::Kind::Parallel) {
      add(step, "main", i);
      continue;
    }
    for (const auto& b : step.branches)
      for (std::size_t j = 0; j < b.steps.size(); ++j) add(b.steps[j], b.label, j);
  }
  sort_events(trace);
  // A pull of an image this run never pushed (it was expected to fail) needs a setup push to replay.
  std::set<std::string> pushed;
  std::vector<TraceEvent> setup;
  for (const auto& e : trace.events) {
    const auto ref = e.image.repository + ":" + e.image.tag;
    if (e.op == TraceEvent::Op::Push) pushed.insert(ref);
    if (e.op != TraceEvent::Op::Pull || pushed.count(ref)) continue;
    for (const auto& w : plan.scenario.workload.images)
      if (w.image.repository == e.image.repository && w.image.tag == e.image.tag) {
        TraceEvent s;
        s.op = TraceEvent::Op::Push;
        s.setup = true;
        s.client = "setup";
        s.profile = "single";
        s.image = trace_image(w.image);
        setup.push_back(std::move(s));
        pushed.insert(ref);
        break;
      }
  }
  trace.events.insert(trace.events.begin(), setup.begin(), setup.end());
  trace.notes = {{"scenario", plan.scenario.file}, {"seed", plan.scenario.seed}, {"unrecorded_steps", unrecorded}};
  return trace;
}

nlohmann::json replay_report(const RunPlan& plan, const History& history, const std::vector<StepStart>& starts) {
  std::int64_t window_start = INT64_MAX;
  for (const auto& s : starts)
    if (s.client != "main") window_start = std::min(window_start, s.origin_us);
  std::size_t requests = 0;
  std::uint64_t bytes = 0;
  std::int64_t window_end = window_start;
  if (window_start != INT64_MAX) {
    const auto& ops = history.operations();
    for (const auto& r : history.requests()) {
      if (r.start_us < window_start) continue;
      if (r.op < ops.size() && ops[r.op].f.rfind("verify-", 0) == 0) continue;  // the final re-reads
      ++requests;
      bytes += r.bytes_sent + r.bytes_received;
      window_end = std::max(window_end, r.end_us);
    }
  }
  return replay_fidelity(plan.scenario.workload.replay, starts, requests, bytes,
                         window_start == INT64_MAX ? 0 : window_end - window_start);
}

}  // namespace stalemate::harness::workload
