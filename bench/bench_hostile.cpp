// Phase (c): the HTTP server under hostile clients. N idle connections and N
// slowloris connections (a header that never ends, one more byte per round)
// are held open while normal PUTs keep being served on fresh connections;
// reports how many were held, the normal requests' latency and the RSS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "sim/server/http_server.h"

namespace stalemate::bench {

namespace {

// A loopback client socket with a 10 s receive timeout (a hang guard).
class Client {
 public:
  explicit Client(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw BenchFailure("socket: out of descriptors?");
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      throw BenchFailure("connect to 127.0.0.1:" + std::to_string(port) + " failed");
    }
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  bool send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  std::string read_to_eof() {
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd_, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  bool open_and_quiet() const {  // nothing to read and no EOF: still held
    pollfd pfd{fd_, POLLIN, 0};
    return ::poll(&pfd, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
};

double quantile(const std::vector<double>& sorted, double q) {
  return sorted.empty() ? 0 : sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

nlohmann::json HostileResult::to_json() const {
  return {{"idle_connections", idle},           {"slowloris_connections", slowloris},
          {"connections_held_at_end", held},    {"normal_requests", requests},
          {"failed_requests", failures},        {"latency_p50_ms", p50_ms},
          {"latency_p99_ms", p99_ms},           {"latency_max_ms", max_ms},
          {"rss_before_mib", rss_before_mib},   {"rss_with_connections_mib", rss_loaded_mib},
          {"rss_peak_mib", rss_peak_mib}};
}

HostileResult run_hostile(const Options& options) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  const std::size_t per_kind = options.hostile_connections;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < 4 * per_kind + 200)
    throw UsageError("--hostile-connections " + std::to_string(per_kind) + " needs " + std::to_string(4 * per_kind + 200) +
                     " descriptors; the hard limit is " + std::to_string(lim.rlim_max));

  HostileResult r;
  r.rss_before_mib = current_rss_mib();
  sim::HttpServer server([](const HttpRequest& req) {
    HttpResponse res;
    res.headers["X-Body-Size"] = std::to_string(req.body.size());
    res.set_text("ok\n");
    return res;
  });
  std::vector<std::unique_ptr<Client>> idle, slow;
  for (std::size_t i = 0; i < per_kind; ++i) idle.push_back(std::make_unique<Client>(server.port()));
  for (std::size_t i = 0; i < per_kind; ++i) {
    slow.push_back(std::make_unique<Client>(server.port()));
    slow.back()->send("GET / HTTP/1.1\r\nHost: x\r\n");
  }
  std::vector<double> latencies;
  const int rounds = 20;
  for (int round = 0; round < rounds; ++round) {
    for (auto& s : slow) s->send("X");
    for (int i = 0; i < options.hostile_requests / rounds; ++i) {
      const Stopwatch watch;
      Client c(server.port());
      c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
      const auto out = c.read_to_eof();
      latencies.push_back(watch.seconds() * 1000.0);
      if (out.rfind("HTTP/1.1 200 ", 0) != 0) ++r.failures;
    }
  }
  r.rss_loaded_mib = current_rss_mib();
  for (auto* group : {&idle, &slow})
    for (auto& c : *group) r.held += c->open_and_quiet() ? 1 : 0;
  std::sort(latencies.begin(), latencies.end());
  r.idle = idle.size();
  r.slowloris = slow.size();
  r.requests = latencies.size();
  r.p50_ms = quantile(latencies, 0.5);
  r.p99_ms = quantile(latencies, 0.99);
  r.max_ms = latencies.empty() ? 0 : latencies.back();
  r.rss_peak_mib = std::max(peak_rss_mib(), r.rss_loaded_mib);  // VmRSS and ru_maxrss round differently
  if (r.failures) throw BenchFailure(std::to_string(r.failures) + " normal requests failed under hostile clients");
  return r;
}

}  // namespace stalemate::bench
