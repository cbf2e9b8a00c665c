// A real S3 for differential tests: Ceph radosgw (Debian's 16.2 packages) on
// 127.0.0.1 over a throw-away one-node cluster — one monitor, one memstore
// OSD (objects in RAM), no manager, auth off, pools of size 1 — with one S3
// user. Every daemon runs in the foreground as a ManagedProcess: reaped on
// stop, destruction or Ctrl-C. scripts/radosgw-fixture.sh does the same
// from a shell (daemonised, stopped by pid file).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace stalemate::harness {

class ManagedProcess;

class RealRadosgw {
 public:
  static constexpr const char* kAccessKey = "STALEMATERGWACCESS";
  static constexpr const char* kSecretKey = "stalemate/radosgw/secret/0123456789abcdef";
  static constexpr const char* kRegion = "us-east-1";  // radosgw's default zonegroup answers any region

  // Does not start anything; `dir` is created on start() (its contents replaced).
  explicit RealRadosgw(std::filesystem::path dir, std::chrono::milliseconds start_timeout = std::chrono::seconds(120));
  ~RealRadosgw();  // stop()
  RealRadosgw(const RealRadosgw&) = delete;
  RealRadosgw& operator=(const RealRadosgw&) = delete;

  // Configures the cluster, starts monitor, OSD and radosgw, waits until each
  // is ready and creates the S3 user. Throws InfrastructureError naming the
  // step or daemon that failed (with its log tail).
  void start();
  void stop();  // every daemon, reaped; idempotent

  std::string endpoint() const;  // http://127.0.0.1:PORT
  std::chrono::milliseconds startup_time() const { return startup_time_; }
  std::vector<std::filesystem::path> log_files() const;

  // The binaries start() needs that are not installed ("" when all are).
  static std::string missing_binaries();

 private:
  std::vector<std::string> ceph(std::vector<std::string> args) const;  // the `ceph` CLI on this cluster
  void step(const std::string& what, const std::vector<std::string>& command,
            std::chrono::milliseconds timeout) const;

  std::filesystem::path dir_;
  std::chrono::milliseconds start_timeout_;
  unsigned short mon_port_ = 0;
  unsigned short rgw_port_ = 0;
  std::chrono::milliseconds startup_time_{0};
  std::vector<std::unique_ptr<ManagedProcess>> daemons_;  // monitor, OSD, radosgw
};

}  // namespace stalemate::harness
