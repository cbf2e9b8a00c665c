#include "harness/registry_fleet.h"

#include <algorithm>

namespace stalemate::harness {

RegistryFleet::RegistryFleet(RegistryLaunch launch, int instances) : launch_(std::move(launch)), count_(instances) {
  for (int i = 0; i < instances; ++i) {
    instances_.push_back(std::make_unique<RegistryProcess>(launch_for(static_cast<std::size_t>(i))));
    restarts_.push_back(0);
  }
}

RegistryFleet::~RegistryFleet() { stop(); }

RegistryLaunch RegistryFleet::launch_for(std::size_t i) const {
  RegistryLaunch l = launch_;
  if (count_ > 1) l.name = launch_.name + "-" + std::to_string(i);
  return l;
}

std::vector<std::string> RegistryFleet::base_urls() const {
  std::vector<std::string> urls;
  for (const auto& p : instances_) urls.push_back(p->base_url());
  return urls;
}

std::string RegistryFleet::base_url(std::size_t i) const { return instances_.at(i)->base_url(); }

void RegistryFleet::restart(int which) {
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    if (which >= 0 && static_cast<std::size_t>(which) != i) continue;
    instances_[i]->restart();  // same port, same log, a cold descriptor cache
    ++restarts_[i];
  }
}

void RegistryFleet::reset_restart_counts() { std::fill(restarts_.begin(), restarts_.end(), 0); }

void RegistryFleet::stop() {
  for (auto& p : instances_)
    if (p) p->stop();
}

std::vector<ManagedProcess*> RegistryFleet::processes() const {
  std::vector<ManagedProcess*> out;
  for (const auto& p : instances_) out.push_back(p.get());
  return out;
}

nlohmann::json RegistryFleet::describe() const {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < instances_.size(); ++i) {
    out.push_back({{"url", instances_[i]->base_url()},
                   {"config", instances_[i]->config_path().string()},
                   {"log", instances_[i]->log_path().string()},
                   {"pid", instances_[i]->pid()},
                   {"restarts", restarts_[i]}});
  }
  return out;
}

}  // namespace stalemate::harness
