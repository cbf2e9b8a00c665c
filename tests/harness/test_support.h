// Helpers shared by the harness tests: a temporary directory and a tiny raw
// TCP server (127.0.0.1 only) that answers each connection with canned bytes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/checkers.h"
#include "harness/history.h"

#include <atomic>
#include <string>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace stalemate::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stalemate-harness-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Accepts connections on 127.0.0.1:<ephemeral> in a thread. For each one it
// reads the request (headers, then a Content-Length or chunked body), hands
// the raw bytes to `respond` and writes what it returns, then closes — unless
// respond returns std::nullopt-like "\x01hang", in which case it keeps the
// connection open without answering until the server is destroyed.
class RawServer {
 public:
  using Responder = std::function<std::string(const std::string& raw_request)>;
  static constexpr const char* kHang = "\x01hang";

  explicit RawServer(Responder respond) : respond_(std::move(respond)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error("RawServer: cannot listen on 127.0.0.1");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~RawServer() {
    stopping_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int c : hung_) {
        ::shutdown(c, SHUT_RDWR);
        ::close(c);
      }
    }
    thread_.join();
  }
  unsigned short port() const { return port_; }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  void run() {
    while (!stopping_) {
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        if (stopping_) return;
        continue;
      }
      std::string raw = read_request(c);
      {
        std::lock_guard<std::mutex> lock(mu_);
        requests_.push_back(raw);
      }
      const std::string out = respond_(raw);
      if (out == kHang) {
        std::lock_guard<std::mutex> lock(mu_);
        hung_.push_back(c);
        continue;
      }
      std::size_t sent = 0;
      while (sent < out.size()) {
        const auto n = ::send(c, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
      }
      ::shutdown(c, SHUT_WR);
      char sink[4096];
      while (::recv(c, sink, sizeof sink, 0) > 0) {
      }
      ::close(c);
    }
  }

  static std::string read_request(int c) {
    std::string raw;
    char buf[65536];
    auto more = [&]() {
      const auto n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return false;
      raw.append(buf, static_cast<std::size_t>(n));
      return true;
    };
    while (raw.find("\r\n\r\n") == std::string::npos)
      if (!more()) return raw;
    const auto header_end = raw.find("\r\n\r\n") + 4;
    std::string lower = raw.substr(0, header_end);
    for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (const auto cl = lower.find("\r\ncontent-length:"); cl != std::string::npos) {
      const std::size_t n = std::stoull(lower.substr(cl + 17));
      while (raw.size() < header_end + n)
        if (!more()) break;
    } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
      while (raw.size() < header_end + 5 || raw.compare(raw.size() - 5, 5, "0\r\n\r\n") != 0)
        if (!more()) break;
    }
    return raw;
  }

  Responder respond_;
  int fd_ = -1;
  unsigned short port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;
  std::vector<int> hung_;
};

// Decodes a chunked body (no trailers).
inline std::string dechunk(const std::string& body) {
  std::string out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const std::size_t n = std::stoull(body.substr(pos, eol - pos), nullptr, 16);
    if (n == 0) break;
    out.append(body, eol + 2, n);
    pos = eol + 2 + n + 2;
  }
  return out;
}

inline std::string body_of(const std::string& raw) {
  const auto p = raw.find("\r\n\r\n");
  return p == std::string::npos ? std::string() : raw.substr(p + 4);
}

// Every request and violation of a history, one per line, for failure messages.
inline std::string describe(const stalemate::harness::History& h) {
  std::string s;
  for (const auto& r : h.requests())
    s += r.operation + " " + r.method + " " + r.url + " [" + r.range + "] " + std::to_string(r.status) + " " +
         std::to_string(r.bytes_received) + " " + r.verdict + " " + r.note + "\n";
  for (const auto& v : violations_of(h)) s += v.invariant + ": " + v.message + "\n";
  return s;
}

}  // namespace stalemate::test
