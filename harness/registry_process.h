// Runs a real registry binary (Debian's /usr/bin/docker-registry by default)
// as a child process on 127.0.0.1 with a generated config, waits until /v2/
// answers, captures its log, and always stops and reaps it: on destruction,
// on error, and on SIGINT/SIGTERM of stalemate itself (see child_reaper.h).
#pragma once

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <sys/types.h>

#include <nlohmann/json.hpp>

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
};

class RegistryProcess {
 public:
  explicit RegistryProcess(RegistryLaunch launch);  // throws InfrastructureError
  ~RegistryProcess();
  RegistryProcess(const RegistryProcess&) = delete;
  RegistryProcess& operator=(const RegistryProcess&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:PORT"
  unsigned short port() const;
  pid_t pid() const;
  std::filesystem::path log_path() const;
  std::filesystem::path config_path() const;
  const nlohmann::json& config() const;
  // SIGTERM, then SIGKILL after a grace period; reaps. Idempotent.
  void stop();

  // `binary --version`, e.g. "github.com/docker/distribution 2.8.2+ds1"
  static std::string version_of(const std::string& binary);
  // The generated config (exposed for tests): http on 127.0.0.1:port, the given
  // storage section, health checks off, overrides applied.
  static nlohmann::json make_config(const RegistryLaunch& launch, unsigned short port);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::harness
