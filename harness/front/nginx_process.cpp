#include "harness/front/nginx_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "common/json_reader.h"
#include "harness/registry_process.h"

namespace stalemate::harness::front {

namespace fs = std::filesystem;

int probe_http_status(unsigned short port, const std::string& path, std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<long long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count()));
  };
  int status = 0;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 || errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, left_ms()) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
      if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size())) {
        std::string reply;
        char buf[512];
        while (reply.find("\r\n") == std::string::npos) {
          pollfd r{fd, POLLIN, 0};
          if (::poll(&r, 1, left_ms()) != 1) break;
          const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
          if (n <= 0) break;
          reply.append(buf, static_cast<std::size_t>(n));
        }
        // "HTTP/1.1 200 OK"
        if (reply.rfind("HTTP/1.", 0) == 0 && reply.size() >= 12) status = std::atoi(reply.c_str() + 9);
      }
    }
  }
  ::close(fd);
  return status;
}

NginxProcess::NginxProcess(FrontSpec spec, FrontLayout layout, std::vector<std::string> upstreams, std::string binary)
    : ManagedProcess("nginx", layout.prefix, layout.prefix / "nginx.stderr.log", kStartTimeout),
      spec_(std::move(spec)),
      layout_(std::move(layout)),
      upstreams_(std::move(upstreams)),
      binary_(std::move(binary)) {
  if (::access(binary_.c_str(), X_OK) != 0)
    throw InfrastructureError("nginx binary " + binary_ + " is not executable (install nginx-light): " +
                              errno_text(errno));
  if (upstreams_.empty()) throw InfrastructureError("nginx front without an upstream registry");
  port_ = pick_free_port();
  start();
}

std::string NginxProcess::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<fs::path> NginxProcess::log_files() const {
  return {log_path(), layout_.error_log, layout_.access_log};
}

void NginxProcess::write_and_check_config() {
  std::error_code ec;
  for (const auto& dir : {layout_.prefix, layout_.spool_dir, layout_.temp_dir}) fs::create_directories(dir, ec);
  if (spec_.cache) fs::create_directories(layout_.cache_dir, ec);
  {
    std::ofstream out(layout_.conf, std::ios::trunc);
    out << nginx_conf(spec_, layout_, port_, upstreams_);
    if (!out) throw InfrastructureError("cannot write " + layout_.conf.string());
  }
  const auto check = run_bounded({binary_, "-t", "-q", "-p", layout_.prefix.string(), "-c", layout_.conf.string(), "-e",
                                  layout_.error_log.string()},
                                 kCheckTimeout);
  if (check.timed_out)
    throw InfrastructureError("nginx -t on " + layout_.conf.string() + " did not finish within " +
                              seconds_text(kCheckTimeout));
  if (!check.ok()) {
    const std::string msg = "nginx -t rejected " + layout_.conf.string() + " (" + describe_status(check.wait_status) +
                            "): " + last_lines(check.output, 10);
    // A directive error points into our config: the scenario's front section (exit 2).
    if (check.output.find("in " + layout_.conf.string() + ":") != std::string::npos) throw InputError(msg);
    throw InfrastructureError(msg);
  }
}

std::vector<std::string> NginxProcess::command() {
  write_and_check_config();
  return {binary_, "-p", layout_.prefix.string(), "-c", layout_.conf.string(), "-e", layout_.error_log.string()};
}

bool NginxProcess::ready(std::string& last) {
  const int status = probe_http_status(port_, kHealthPath, std::chrono::milliseconds(500));
  last = status ? "HTTP " + std::to_string(status) : "no answer";
  return status == 200;
}

bool NginxProcess::retry_after_exit(const std::string& log) {
  std::ifstream in(layout_.error_log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (log.find("Address already in use") == std::string::npos &&
      text.find("Address already in use") == std::string::npos)
    return false;
  port_ = pick_free_port();
  return true;
}

std::string NginxProcess::ready_condition() const {
  return std::string("answer GET ") + kHealthPath + " with 200 on 127.0.0.1:" + std::to_string(port_);
}

}  // namespace stalemate::harness::front
