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

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

struct RegistryProcess::Impl {
  RegistryLaunch launch;
  unsigned short port = 0;
  pid_t pid = -1;
  nlohmann::json config;
  fs::path config_path;
  fs::path log_path;

  // One attempt: returns true when /v2/ answered 200, false when the port was
  // taken (the caller retries); throws otherwise.
  bool start_once(bool may_retry) {
    port = launch.port ? launch.port : pick_free_port();
    config = make_config(launch, port);
    {
      std::ofstream out(config_path, std::ios::trunc);
      out << config.dump(2) << "\n";
      if (!out) throw InfrastructureError("cannot write registry config " + config_path.string());
    }
    const std::uint64_t log_start = file_size_or_zero(log_path);
    pid = spawn_child({launch.binary, "serve", config_path.string()}, log_path, launch.work_dir);

    const HttpClient probe(std::chrono::milliseconds(1000));
    ClientRequest ping;
    ping.url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
    const auto deadline = Clock::now() + launch.start_timeout;
    std::string last_probe;
    while (true) {
      int status = 0;
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        unregister_child(pid);
        pid = -1;
        const std::string log = log_since(log_path, log_start);
        if (may_retry && log.find("address already in use") != std::string::npos) return false;
        throw InfrastructureError("registry " + launch.binary + " " + describe_status(status) +
                                  " before answering on port " + std::to_string(port) + "; last log lines (" +
                                  log_path.string() + "):\n" + last_lines(log, 20));
      }
      const auto resp = probe.send(ping, {}, 4096);
      if (resp.status == 200) return true;
      last_probe = resp.status ? "HTTP " + std::to_string(resp.status) : resp.error;
      if (Clock::now() >= deadline) {
        kill_and_reap();
        throw InfrastructureError("registry " + launch.binary + " did not answer GET /v2/ with 200 within " +
                                  std::to_string(launch.start_timeout.count()) + " s (last: " + last_probe +
                                  "); last log lines (" + log_path.string() + "):\n" +
                                  last_lines(log_since(log_path, log_start), 20));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval, bounded by the deadline
    }
  }

  void kill_and_reap() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    wait_blocking(pid);
    unregister_child(pid);
    pid = -1;
  }

  void stop() {
    if (pid <= 0) return;
    stop_child(pid, std::chrono::seconds(5));
    pid = -1;
  }
};

RegistryProcess::RegistryProcess(RegistryLaunch launch) : impl_(std::make_unique<Impl>()) {
  install_child_reaper();
  impl_->launch = std::move(launch);
  auto& l = impl_->launch;
  if (l.work_dir.empty()) throw InfrastructureError("RegistryLaunch.work_dir is empty");
  std::error_code ec;
  fs::create_directories(l.work_dir, ec);
  if (ec) throw InfrastructureError("cannot create work dir " + l.work_dir.string() + ": " + ec.message());
  l.work_dir = fs::absolute(l.work_dir);
  if (::access(l.binary.c_str(), X_OK) != 0)
    throw InfrastructureError("registry binary " + l.binary + " is not executable: " + errno_text(errno));
  impl_->config_path = l.work_dir / (l.name + ".yml");
  impl_->log_path = l.work_dir / (l.name + ".log");
  if (!impl_->start_once(true) && !impl_->start_once(false))
    throw InfrastructureError("registry could not bind a port");  // not reached: start_once(false) throws
}

RegistryProcess::~RegistryProcess() {
  try {
    stop();
  } catch (...) {
  }
}

std::string RegistryProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }
unsigned short RegistryProcess::port() const { return impl_->port; }
pid_t RegistryProcess::pid() const { return impl_->pid; }
std::filesystem::path RegistryProcess::log_path() const { return impl_->log_path; }
std::filesystem::path RegistryProcess::config_path() const { return impl_->config_path; }
const nlohmann::json& RegistryProcess::config() const { return impl_->config; }
void RegistryProcess::stop() { impl_->stop(); }

std::string RegistryProcess::version_of(const std::string& binary) {
  const std::string cmd = shell_quote(binary) + " --version 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {};
  std::string out;
  char buf[512];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return {};
  return trim(out);
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
