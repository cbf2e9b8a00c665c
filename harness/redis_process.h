// Debian's redis-server on 127.0.0.1 as the registry's descriptor cache
// (storage.cache.blobdescriptor: redis): started, awaited (PING → PONG) and
// always stopped and reaped like the registry itself. Nothing is persisted.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

#include "harness/child_process.h"

namespace stalemate::harness {

class RedisProcess : public ManagedProcess {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout{15'000};
  // Starts it. Throws InfrastructureError (missing binary, no PONG within the timeout).
  explicit RedisProcess(const std::filesystem::path& work_dir, std::string binary = "/usr/bin/redis-server");

  std::string address() const;  // "127.0.0.1:PORT"
  // FLUSHALL: every cached descriptor is gone, as after an eviction or a
  // Redis restart without persistence. Throws InfrastructureError.
  void flush_all();

 protected:
  std::vector<std::string> command() override;
  bool ready(std::string& last) override;
  std::string ready_condition() const override;
  std::string label() const override { return "redis-server"; }

 private:
  std::string binary_;
  unsigned short port_ = 0;
};

// Sends one inline command to 127.0.0.1:port and returns the first reply line
// ("" when there was no answer).
std::string redis_command(unsigned short port, const std::string& command);
bool redis_ping(unsigned short port);

}  // namespace stalemate::harness
