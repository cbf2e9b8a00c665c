#include "harness/registry_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/http_client.h"

namespace stalemate::harness {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

fs::path prepared_work_dir(const RegistryLaunch& l) {
  if (l.work_dir.empty()) throw InfrastructureError("RegistryLaunch.work_dir is empty");
  std::error_code ec;
  fs::create_directories(l.work_dir, ec);
  if (ec) throw InfrastructureError("cannot create work dir " + l.work_dir.string() + ": " + ec.message());
  return fs::absolute(l.work_dir);
}

}  // namespace

RegistryProcess::RegistryProcess(RegistryLaunch launch)
    : ManagedProcess(launch.name, prepared_work_dir(launch), prepared_work_dir(launch) / (launch.name + ".log"),
                     launch.start_timeout),
      launch_(std::move(launch)) {
  launch_.work_dir = work_dir_;
  if (::access(launch_.binary.c_str(), X_OK) != 0)
    throw InfrastructureError("registry binary " + launch_.binary + " is not executable: " + errno_text(errno));
  config_path_ = work_dir_ / (launch_.name + ".yml");
  start();
  if (launch_.max_purge_delay_minutes >= 0) settle_purge_delay();
}

namespace {

// The purger's first delay in minutes from the log written since `from`
// ("Starting upload purge in 42m0s", "… in 0s"); -1 while not logged yet.
int logged_purge_delay(const fs::path& log, std::uint64_t from) {
  const std::string text = log_since(log, from);
  const std::string key = "Starting upload purge in ";
  const auto at = text.find(key);
  if (at == std::string::npos) return -1;
  const char* p = text.c_str() + at + key.size();
  char* end = nullptr;
  const long n = std::strtol(p, &end, 10);
  if (end == p) return -1;
  return *end == 'm' ? static_cast<int>(n) : 0;  // "0s": no minutes
}

}  // namespace

void RegistryProcess::settle_purge_delay() {
  constexpr int kMaxStarts = 400;  // P(no draw <= 0m in 400) = (59/60)^400 < 0.2 %; <= 2m: 1e-9
  std::uint64_t from = 0;
  for (int start = 1;; ++start) {
    int minutes = -1;
    // The line is written as the registry starts, before it answers /v2/.
    for (int i = 0; i < 100 && minutes < 0; ++i) {
      minutes = logged_purge_delay(log_path(), from);
      if (minutes < 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (minutes < 0)
      throw InfrastructureError("registry " + launch_.binary +
                                ": max_purge_delay is set but the log has no \"Starting upload purge in\" line "
                                "(is storage.maintenance.uploadpurging enabled?)");
    if (minutes <= launch_.max_purge_delay_minutes) return;
    if (start >= kMaxStarts)
      throw InfrastructureError("registry " + launch_.binary + ": no upload purge delay <= " +
                                std::to_string(launch_.max_purge_delay_minutes) + "m in " +
                                std::to_string(kMaxStarts) + " starts");
    // The seed is the Unix second: the next start must be in a later one.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    std::this_thread::sleep_for(std::chrono::seconds(1) - (now % std::chrono::seconds(1)) +
                                std::chrono::milliseconds(5));
    std::error_code ec;
    from = fs::file_size(log_path(), ec);
    restart();
  }
}

std::vector<std::string> RegistryProcess::command() {
  // A restart keeps the port it had (clients and the front know it).
  port_ = launch_.port ? launch_.port : port_ ? port_ : pick_free_port();
  config_ = make_config(launch_, port_);
  std::ofstream out(config_path_, std::ios::trunc);
  out << config_.dump(2) << "\n";
  if (!out) throw InfrastructureError("cannot write registry config " + config_path_.string());
  return {launch_.binary, "serve", config_path_.string()};
}

bool RegistryProcess::ready(std::string& last) {
  const HttpClient probe(std::chrono::milliseconds(1000));
  ClientRequest ping;
  ping.url = base_url() + "/v2/";
  const auto resp = probe.send(ping, {}, 4096);
  last = resp.status ? "HTTP " + std::to_string(resp.status) : resp.error;
  return resp.status == 200;
}

bool RegistryProcess::retry_after_exit(const std::string& log) {
  if (launch_.port != 0 || log.find("address already in use") == std::string::npos) return false;
  port_ = 0;  // a new one
  return true;
}

std::string RegistryProcess::ready_condition() const {
  return "answer GET /v2/ with 200 on port " + std::to_string(port_);
}

std::string RegistryProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string RegistryProcess::version_of(const std::string& binary, std::chrono::milliseconds timeout) {
  if (::access(binary.c_str(), X_OK) != 0) return {};
  BoundedRun run;
  try {
    run = run_bounded({binary, "--version"}, timeout);
  } catch (const InfrastructureError&) {
    return {};  // cannot be executed: the start reports it
  }
  if (run.timed_out)
    throw InfrastructureError("registry " + binary + " --version did not finish within " + seconds_text(timeout) +
                              " (killed)");
  if (!run.ok()) return {};
  return trim(run.output);
}

nlohmann::json RegistryProcess::make_config(const RegistryLaunch& launch, unsigned short port) {
  nlohmann::json storage = launch.storage.is_object() ? launch.storage : nlohmann::json::object();
  if (!storage.contains("delete")) storage["delete"] = {{"enabled", true}};
  if (!storage.contains("maintenance")) storage["maintenance"] = {{"uploadpurging", {{"enabled", false}}}};
  if (!storage.contains("cache")) storage["cache"] = {{"blobdescriptor", "inmemory"}};
  nlohmann::json config = {
      {"version", "0.1"},
      {"log", {{"level", "info"}, {"formatter", "text"}, {"accesslog", {{"disabled", false}}}}},
      {"storage", std::move(storage)},
      {"http", {{"addr", "127.0.0.1:" + std::to_string(port)}, {"secret", "stalemate-fixed-secret"}}},
      {"health", {{"storagedriver", {{"enabled", false}}}}},
  };
  if (launch.overrides.is_object() && !launch.overrides.empty()) config.merge_patch(launch.overrides);
  return config;
}

}  // namespace stalemate::harness
