// Synthetic traces. deploy-train: the shape of a MediaWiki deployment (the
// seed's scap runs) — builders push images that share a base and a ~1 GiB
// code layer, several pushes at once, then many nodes pull them. random: a
// seeded mix of pushes and pulls over a few clients.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/workload/trace.h"

namespace stalemate::harness::workload {

struct DeployTrainKnobs {
  int builders = 2;                 // each publishes its own flavours (and its own code layer)
  int images = 4;                   // flavours per builder (webserver, web app, cli, debug)
  int push_concurrency = 4;         // pushes of one builder in flight at once (scap: all of them)
  int nodes = 8;                    // pulling nodes: each pulls every image
  std::uint64_t base_size = 100ull << 20;
  std::uint64_t code_size = 1ull << 30;  // shared by every flavour of a builder
  std::uint64_t app_size = 20ull << 20;  // one per image
  double scale = 1.0;                    // multiplies every size (CI: 0.001)
  std::int64_t pull_after_us = 30'000'000;  // first pulls this long after the first push
  std::int64_t node_spread_us = 2'000'000;  // successive nodes start this much apart
  std::int64_t push_gap_us = 5'000'000;     // between waves of pushes of one builder
  std::string push_profile = "dockerd";
  std::string pull_profile = "containerd";
};

struct RandomKnobs {
  std::uint64_t seed = 1;
  int clients = 4;
  int events = 40;
  int images = 6;
  int max_layers = 4;
  std::uint64_t max_layer_size = 8ull << 20;
  double scale = 1.0;
  std::int64_t duration_us = 20'000'000;
  double pull_fraction = 0.6;
  // A pull comes at least this long after the first push of its image: clients do not wait for
  // each other, so only the offsets keep a pull behind the push it needs.
  std::int64_t pull_delay_us = 2'000'000;
};

Trace generate_deploy_train(const DeployTrainKnobs& knobs);
Trace generate_random(const RandomKnobs& knobs);

// A generator named in a scenario: {"kind": "deploy-train", "nodes": 4, "scale": 0.01, ...}
// (keys are the knob names with - or _). Throws InputError naming the pointer.
Trace generate_from_json(const JsonReader& spec);
// The same knobs from the command line: "nodes=4", "scale=0.01"…
Trace generate_from_args(const std::string& kind, const std::vector<std::string>& knobs);

}  // namespace stalemate::harness::workload
