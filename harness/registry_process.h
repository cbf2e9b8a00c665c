// Runs a real registry binary (Debian's /usr/bin/docker-registry by default)
// as a child process on 127.0.0.1 with a generated config, waits until /v2/
// answers, captures its log, and always stops and reaps it: on destruction,
// on error, and on SIGINT/SIGTERM of stalemate itself (see child_reaper.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>
#include <sys/types.h>

#include <nlohmann/json.hpp>

#include "harness/child_process.h"

namespace stalemate::harness {

// The registry would not start, a port was taken, a binary is missing…:
// stalemate exits 3 on this.
struct InfrastructureError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RegistryLaunch {
  std::string binary = "/usr/bin/docker-registry";
  // The config's "storage" section, e.g. {"swift": {...}, "redirect": {"disable": true}}.
  nlohmann::json storage;
  // Merge-patched (RFC 7386) onto the whole generated config last.
  nlohmann::json overrides = nlohmann::json::object();
  std::filesystem::path work_dir;  // config.yml and registry.log go here (created if missing)
  std::string name = "registry";   // file name stem: <name>.yml, <name>.log
  unsigned short port = 0;         // 0: a free port (a restart passes the old one)
  std::chrono::seconds start_timeout{30};
  // >= 0: after the first start, restart until the upload purger's first
  // delay is at most this many minutes. 2.8's startUploadPurger seeds
  // math/rand with time.Now().Unix() and sleeps rand.Int()%60 minutes
  // (logged as "Starting upload purge in Nm0s"); no setting shortens it, and
  // Go reads the clock through the vDSO (no libfaketime), so each start in a
  // new wall-clock second is a new draw: P(<= m) = (m+1)/60 per start.
  int max_purge_delay_minutes = -1;
};

// The registry as a ManagedProcess: ready when GET /v2/ answers 200; a start
// that loses its port to another process is retried once on a new one.
class RegistryProcess : public ManagedProcess {
 public:
  explicit RegistryProcess(RegistryLaunch launch);  // starts it; throws InfrastructureError

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  unsigned short port() const { return port_; }
  std::filesystem::path config_path() const { return config_path_; }
  const nlohmann::json& config() const { return config_; }

  // `binary --version`, e.g. "github.com/docker/distribution 2.8.2+ds1"; ""
  // when it cannot be run or fails. Throws InfrastructureError (naming the
  // binary) when it does not answer within `timeout`.
  static std::string version_of(const std::string& binary,
                                std::chrono::milliseconds timeout = kVersionTimeout);
  static constexpr std::chrono::milliseconds kVersionTimeout{10'000};
  // The generated config (exposed for tests): http on 127.0.0.1:port, the given
  // storage section, health checks off, overrides applied.
  static nlohmann::json make_config(const RegistryLaunch& launch, unsigned short port);

 protected:
  std::vector<std::string> command() override;
  bool ready(std::string& last) override;
  bool retry_after_exit(const std::string& log) override;
  std::string ready_condition() const override;
  std::string label() const override { return "registry " + launch_.binary; }

 private:
  // Restarts (bounded) until the purger's first delay fits; see RegistryLaunch.
  void settle_purge_delay();


  RegistryLaunch launch_;
  unsigned short port_ = 0;
  nlohmann::json config_;
  std::filesystem::path config_path_;
};

}  // namespace stalemate::harness
