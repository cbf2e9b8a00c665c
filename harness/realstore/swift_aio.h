// A real OpenStack Swift all-in-one (Debian's swift 2.30 packages) on
// 127.0.0.1, for differential tests, the bench's real-store row and the
// calibration of degraded-store presets: rings built into `dir` (plain
// directories as devices, mount_check = false), tempauth (test:tester /
// testing → AUTH_test, the fake's defaults), the proxy pipeline with bulk,
// tempurl, slo, dlo and copy, memcached on a loopback port. Every server is a
// ManagedProcess: reaped on stop, destruction or Ctrl-C.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace stalemate::harness {

class ManagedProcess;

struct RealSwiftOptions {
  // Object (and container) replicas; each object replica is a device of its
  // own object server, so one can be stopped (swift-degraded calibration).
  int replicas = 1;
  unsigned short proxy_port = 0;  // 0: a free port
  std::chrono::milliseconds start_timeout{90'000};  // per server; python start-up is slow on a busy machine
  // Also run the object replicator and updater and the container updater
  // (what repairs a replica that was down); off for differential tests.
  bool background_daemons = false;
  std::string python = "/usr/bin/python3";  // Debian's: the swift modules live in its dist-packages
  std::string bin_dir = "/usr/bin";
};

class RealSwift {
 public:
  static constexpr const char* kUser = "test:tester";
  static constexpr const char* kKey = "testing";
  static constexpr const char* kAccount = "AUTH_test";

  // Does not start anything. `dir` is created (and may be reused: its
  // contents are replaced on start()).
  RealSwift(std::filesystem::path dir, RealSwiftOptions options = {});
  ~RealSwift();  // stop()
  RealSwift(const RealSwift&) = delete;
  RealSwift& operator=(const RealSwift&) = delete;

  // Writes the configs and rings, starts memcached and the servers, and waits
  // until each answers GET /healthcheck. Throws InfrastructureError naming
  // what is missing or which server failed (with its log tail).
  void start();
  void stop();  // every server, reaped; idempotent

  std::string base_url() const;     // http://127.0.0.1:PORT
  std::string auth_url() const;     // base_url() + "/auth/v1.0"
  std::string storage_url() const;  // base_url() + "/v1/AUTH_test"
  unsigned short proxy_port() const { return proxy_port_; }
  // How long the last start() took (configs, rings, servers ready).
  std::chrono::milliseconds startup_time() const { return startup_time_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::vector<std::filesystem::path> log_files() const;

  // The object server holding replica i (0-based) stops or starts again
  // (its data stays). Throws std::out_of_range for a bad i.
  void stop_object_server(int i);
  void start_object_server(int i);

  // The binaries start() needs that are not installed ("" when all are),
  // e.g. "swift-proxy-server (apt-get install swift-proxy)".
  static std::string missing_binaries(const RealSwiftOptions& options = {});

 private:
  void write_configs();
  void build_rings() const;

  std::filesystem::path dir_;
  RealSwiftOptions options_;
  unsigned short proxy_port_ = 0;
  unsigned short memcached_port_ = 0;
  unsigned short account_port_ = 0;
  unsigned short container_port_ = 0;
  std::vector<unsigned short> object_ports_;
  std::chrono::milliseconds startup_time_{0};
  std::unique_ptr<ManagedProcess> memcached_;
  std::vector<std::unique_ptr<ManagedProcess>> servers_;  // account, container, proxy, then daemons
  std::vector<std::unique_ptr<ManagedProcess>> object_servers_;
};

}  // namespace stalemate::harness
