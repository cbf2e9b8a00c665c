// The registry instances of a run: one, or several processes of the same
// binary sharing the fake store (as behind a load balancer). An instance can
// be restarted mid-scenario — on the same port, with a cold descriptor cache.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/registry_process.h"

namespace stalemate::harness {

class RegistryFleet {
 public:
  // Starts `instances` processes; files are <name>.yml/.log for one instance,
  // <name>-<i>.yml/.log for several. Throws InfrastructureError.
  RegistryFleet(RegistryLaunch launch, int instances);
  ~RegistryFleet();

  std::size_t size() const { return instances_.size(); }
  std::vector<std::string> base_urls() const;
  std::string base_url(std::size_t i) const;
  // Stops and starts instance i (-1: every instance) on its old port.
  void restart(int i);
  // A reused fleet's next run counts its own restarts from zero.
  void reset_restart_counts();
  void stop();
  nlohmann::json describe() const;  // per instance: url, config path, log path, pid, restarts
  // Every instance, for the run's liveness checks and log scans.
  std::vector<ManagedProcess*> processes() const;

 private:
  RegistryLaunch launch_for(std::size_t i) const;

  RegistryLaunch launch_;
  int count_ = 1;
  std::vector<std::unique_ptr<RegistryProcess>> instances_;
  std::vector<int> restarts_;
};

}  // namespace stalemate::harness
