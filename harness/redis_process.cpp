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

namespace {
std::filesystem::path absolute_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InfrastructureError("cannot create work dir " + dir.string() + ": " + ec.message());
  return std::filesystem::absolute(dir);
}
}  // namespace

RedisProcess::RedisProcess(const std::filesystem::path& work_dir, std::string binary)
    : ManagedProcess("redis", absolute_dir(work_dir), absolute_dir(work_dir) / "redis.log", kStartTimeout),
      binary_(std::move(binary)) {
  if (::access(binary_.c_str(), X_OK) != 0)
    throw InfrastructureError("redis binary " + binary_ + " is not executable (install redis-server): " +
                              errno_text(errno));
  start();
}

std::vector<std::string> RedisProcess::command() {
  port_ = pick_free_port();
  return {binary_, "--bind", "127.0.0.1", "--port", std::to_string(port_), "--save", "", "--appendonly", "no",
          "--protected-mode", "yes", "--dir", work_dir_.string()};
}

bool RedisProcess::ready(std::string& last) {
  const auto reply = redis_command(port_, "PING");
  last = reply.empty() ? "no answer" : reply;
  return reply == "+PONG";
}

std::string RedisProcess::ready_condition() const {
  return "answer PING on 127.0.0.1:" + std::to_string(port_);
}

void RedisProcess::flush_all() {
  const auto reply = redis_command(port_, "FLUSHALL");
  if (reply != "+OK") throw InfrastructureError("redis FLUSHALL answered \"" + reply + "\"");
}

std::string RedisProcess::address() const { return "127.0.0.1:" + std::to_string(port_); }

}  // namespace stalemate::harness
