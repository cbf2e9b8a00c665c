#include "harness/redis_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/registry_process.h"

namespace stalemate::harness {

std::string redis_command(unsigned short port, const std::string& command) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  const std::string line = command + "\r\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
    char buf[256];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) reply.assign(buf, static_cast<std::size_t>(n));
    const auto end = reply.find("\r\n");
    if (end != std::string::npos) reply.resize(end);
  }
  ::close(fd);
  return reply;
}

bool redis_ping(unsigned short port) { return redis_command(port, "PING") == "+PONG"; }

RedisProcess::RedisProcess(const std::filesystem::path& work_dir, std::string binary) {
  install_child_reaper();
  std::filesystem::create_directories(work_dir);
  if (::access(binary.c_str(), X_OK) != 0)
    throw InfrastructureError("redis binary " + binary + " is not executable (install redis-server): " +
                              errno_text(errno));
  log_ = std::filesystem::absolute(work_dir) / "redis.log";
  port_ = pick_free_port();
  pid_ = spawn_child({binary, "--bind", "127.0.0.1", "--port", std::to_string(port_), "--save", "", "--appendonly",
                      "no", "--protected-mode", "yes", "--dir", std::filesystem::absolute(work_dir).string()},
                     log_, work_dir);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!redis_ping(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      unregister_child(pid_);
      pid_ = -1;
      throw InfrastructureError("redis-server " + describe_status(status) + "; last log lines:\n" +
                                last_lines(log_since(log_, 0), 10));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      throw InfrastructureError("redis-server did not answer PING within 15 s on 127.0.0.1:" + std::to_string(port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval, bounded by the deadline
  }
}

RedisProcess::~RedisProcess() { stop(); }

void RedisProcess::flush_all() {
  const auto reply = redis_command(port_, "FLUSHALL");
  if (reply != "+OK") throw InfrastructureError("redis FLUSHALL answered \"" + reply + "\"");
}

std::string RedisProcess::address() const { return "127.0.0.1:" + std::to_string(port_); }

void RedisProcess::stop() {
  stop_child(pid_, std::chrono::seconds(5));
  pid_ = -1;
}

}  // namespace stalemate::harness
