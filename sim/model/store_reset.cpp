// One store reused by consecutive runs (stalemate explore runs many small
// cases against one registry process): back to the state a fresh store is in
// once the registry has started, with the next run's seed and fault plan.
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "sim/model/store.h"

namespace stalemate::sim {

void Store::mark_baseline() {
  std::lock_guard lock(mu_);
  baseline_.time_us = time_locked();
  baseline_.request_seq = request_seq_;
  baseline_.occurrences = occurrences_;
  baseline_.name_ordinals = name_ordinals_;
}

void Store::reset(const ModelConfig& config) {
  if (config.virtual_time != virtual_time_)
    throw std::invalid_argument("store reset: the time mode differs from the store's");
  if (topology_to_json(config.topology) != topology_to_json(topology_))
    throw std::invalid_argument("store reset: the replica topology differs from the store's");
  {
    std::lock_guard lock(mu_);
    for (auto& [account_name, account] : accounts_)
      for (auto& [container_name, c] : account.containers) {
        for (auto& r : c.object_replicas) r.clear();
        for (auto& r : c.handoff_replicas) r.clear();
        for (auto& r : c.listing_replicas) r.clear();
      }
    for (auto* disks : {&object_disks_, &handoff_disks_, &container_disks_})
      for (auto& d : *disks) d.used = d.rows = 0;
    pending_.clear();
    negative_cache_.clear();
    rules_.clear();
    phases_.clear();
    rng_ = DecisionRng(config.seed);
    // Store time goes back to the baseline's (lag due times and phases count
    // from there, as in a fresh run); wall-clock timestamps go on.
    const auto now = time_locked();
    clock_offset_us_ += baseline_.time_us - now;
    if (!virtual_time_) wall_at_start_us_ += now - baseline_.time_us;
    auth_epoch_us_ = -1;
    request_seq_ = baseline_.request_seq;
    occurrences_ = baseline_.occurrences;
    name_ordinals_ = baseline_.name_ordinals;
    name_ordinals_.set_digests(config.digest_ordinals);
    events_.clear();
  }
  set_consistency(config.consistency);
  set_phases(config.phases);
  add_rules(config.rules);
}

}  // namespace stalemate::sim
