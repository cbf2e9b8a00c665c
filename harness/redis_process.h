// Debian's redis-server on 127.0.0.1 as the registry's descriptor cache
// (storage.cache.blobdescriptor: redis): started, awaited (PING → PONG) and
// always stopped and reaped like the registry itself. Nothing is persisted.
#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

namespace stalemate::harness {

class RedisProcess {
 public:
  // Throws InfrastructureError (missing binary, no PONG within the timeout).
  explicit RedisProcess(const std::filesystem::path& work_dir, std::string binary = "/usr/bin/redis-server");
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"
  std::filesystem::path log_path() const { return log_; }
  // FLUSHALL: every cached descriptor is gone, as after an eviction or a
  // Redis restart without persistence. Throws InfrastructureError.
  void flush_all();
  void stop();

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::filesystem::path log_;
};

// Sends one inline command to 127.0.0.1:port and returns the first reply line
// ("" when there was no answer).
std::string redis_command(unsigned short port, const std::string& command);
bool redis_ping(unsigned short port);

}  // namespace stalemate::harness
