// What the nginx front tests drive: an in-process upstream that imitates
// distribution's blob server (ETag "<digest>", Docker-Content-Digest,
// Content-Length, Cache-Control max-age=31536000, single-range 206s, 202 for
// upload PATCH/PUT) with knobs to misbehave, and a raw-socket upload client
// that keeps sending while it watches for an early answer (nginx answers a
// full spool with 500 while the client is still uploading).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/http_types.h"
#include "sim/server/http_server.h"

namespace stalemate::test::front {

// Deterministic blob bytes: every 8-byte word names its own offset, so a
// shifted or spliced body shows where its bytes came from.
inline std::string blob_bytes(std::uint64_t size, std::uint64_t seed = 1) {
  std::string s(size, '\0');
  for (std::uint64_t i = 0; i < size; i += 8) {
    const std::uint64_t word = (seed << 56) ^ i;
    for (std::uint64_t b = 0; b < 8 && i + b < size; ++b) s[i + b] = static_cast<char>((word >> (8 * b)) & 0xff);
  }
  return s;
}

inline std::string blob_path(const std::string& digest) { return "/v2/front/test/blobs/" + digest; }

// What reached the upstream.
struct UpstreamRequest {
  std::string method, path, range, request_id;
  std::uint64_t body_bytes = 0;
};

class BlobUpstream {
 public:
  struct Blob {
    Payload data;
    std::string digest;  // "sha256:…"
  };

  BlobUpstream() : server_([this](const HttpRequest& r) { return handle(r); }) {}

  // Adds a blob and returns its digest.
  std::string add(std::string bytes) {
    Blob b{make_payload(std::move(bytes)), ""};
    b.digest = "sha256:" + sha256_hex(*b.data);
    std::lock_guard<std::mutex> lock(mu_);
    blobs_[blob_path(b.digest)] = b;
    return b.digest;
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_.port()); }

  // Knobs. A full GET is cut after K body bytes (Content-Length still N).
  void cut_full_gets_after(std::optional<std::uint64_t> k) { std::lock_guard<std::mutex> l(mu_); cut_ = k; }
  // A range request starting at `start` gets right headers but the bytes from start + shift.
  void shift_range_at(std::optional<std::uint64_t> start, std::uint64_t shift) {
    std::lock_guard<std::mutex> l(mu_);
    shift_at_ = start;
    shift_ = shift;
  }
  // A range request starting at `start` announces its full length but sends only `deliver` bytes, then closes.
  void short_range_at(std::optional<std::uint64_t> start, std::uint64_t deliver) {
    std::lock_guard<std::mutex> l(mu_);
    short_at_ = start;
    short_deliver_ = deliver;
  }
  void heal() {
    cut_full_gets_after(std::nullopt);
    shift_range_at(std::nullopt, 0);
    short_range_at(std::nullopt, 0);
  }

  std::vector<UpstreamRequest> requests() const {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }
  std::size_t count(const std::string& method) const {
    std::size_t n = 0;
    for (const auto& r : requests()) n += r.method == method;
    return n;
  }

 private:
  HttpResponse handle(const HttpRequest& req) {
    std::lock_guard<std::mutex> l(mu_);
    requests_.push_back({req.method, req.path, req.header("Range"), req.header("X-Request-Id"), req.body.size()});
    HttpResponse res;
    if (req.method == "PATCH" || req.method == "PUT" || req.method == "POST") {
      res.status = 202;
      res.headers["Range"] = "0-" + std::to_string(req.body.size() ? req.body.size() - 1 : 0);
      res.headers["Docker-Upload-UUID"] = "front-test";
      return res;
    }
    const auto it = blobs_.find(req.path);
    if (it == blobs_.end()) {
      res.status = 404;
      res.set_text("{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}\n", "application/json");
      return res;
    }
    const Blob& b = it->second;
    const std::uint64_t n = b.data->size();
    res.headers["ETag"] = "\"" + b.digest + "\"";
    res.headers["Docker-Content-Digest"] = b.digest;
    res.headers["Cache-Control"] = "max-age=31536000";
    res.headers["Content-Type"] = "application/octet-stream";
    res.headers["Accept-Ranges"] = "bytes";
    const std::string range = req.header("Range");
    std::uint64_t first = 0, last = n - 1;
    if (range.rfind("bytes=", 0) == 0) {
      const auto dash = range.find('-');
      first = std::stoull(range.substr(6, dash - 6));
      if (dash + 1 < range.size()) last = std::min<std::uint64_t>(n - 1, std::stoull(range.substr(dash + 1)));
      if (first >= n) {
        res.status = 416;
        res.headers["Content-Range"] = "bytes */" + std::to_string(n);
        return res;
      }
      res.status = 206;
      res.headers["Content-Range"] = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(n);
      const std::uint64_t len = last - first + 1;
      std::uint64_t from = first;
      if (shift_at_ && *shift_at_ == first) from = std::min(first + shift_, n - len);
      res.append(b.data, from, len);
      if (short_at_ && *short_at_ == first) res.cut_after = short_deliver_;
      return res;
    }
    res.append(b.data, 0, n);
    if (cut_) res.cut_after = *cut_;
    return res;
  }

  mutable std::mutex mu_;
  std::map<std::string, Blob> blobs_;
  std::vector<UpstreamRequest> requests_;
  std::optional<std::uint64_t> cut_, shift_at_, short_at_;
  std::uint64_t shift_ = 0, short_deliver_ = 0;
  sim::HttpServer server_;  // last: its threads stop before the state above goes
};

// One upload's fate.
struct UploadResult {
  int status = 0;                     // 0: no answer
  std::uint64_t sent_when_answered = 0;  // body bytes sent when the answer arrived
  bool answered_early = false;        // before the whole body was sent
  std::string head;                   // status line and headers
  std::string error;
};

// Uploads `bodies.size()` bodies to 127.0.0.1:port at once, interleaving
// 64 KiB pieces round-robin so that they overlap deterministically, each on
// its own connection (Content-Length or chunked). Bounded by `timeout`.
inline std::vector<UploadResult> upload_interleaved(unsigned short port, const std::string& path,
                                                    const std::vector<std::string>& bodies, bool chunked,
                                                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  constexpr std::size_t kPiece = 64 << 10;
  struct Conn {
    int fd = -1;
    std::string out;        // what still has to go (headers + framed body)
    std::size_t out_pos = 0;
    std::uint64_t body_sent = 0;
    std::vector<std::uint64_t> body_mark;  // out offset → body bytes sent by then
    std::string in;
    bool done = false;
    bool send_closed = false;  // the peer stopped taking the body
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Conn> conns(bodies.size());
  std::vector<UploadResult> results(bodies.size());
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    Conn& c = conns[i];
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      results[i].error = "connect failed";
      c.done = true;
      continue;
    }
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    std::string head = "PATCH " + path + "?client=" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                       "Content-Type: application/octet-stream\r\nConnection: close\r\n";
    head += chunked ? "Transfer-Encoding: chunked\r\n\r\n" : "Content-Length: " + std::to_string(bodies[i].size()) + "\r\n\r\n";
    c.out = head;
    for (std::size_t off = 0; off < bodies[i].size(); off += kPiece) {
      const std::size_t n = std::min(kPiece, bodies[i].size() - off);
      if (chunked) {
        char size_line[32];
        std::snprintf(size_line, sizeof size_line, "%zx\r\n", n);
        c.out += size_line;
      }
      c.out.append(bodies[i], off, n);
      if (chunked) c.out += "\r\n";
    }
    if (chunked) c.out += "0\r\n\r\n";
  }
  // body bytes sent ≈ out bytes sent minus framing; good enough for "how far it got".
  auto body_sent = [&](std::size_t i) {
    const Conn& c = conns[i];
    const std::size_t head_end = c.out.find("\r\n\r\n") + 4;
    const std::uint64_t raw = c.out_pos > head_end ? c.out_pos - head_end : 0;
    return std::min<std::uint64_t>(raw, bodies[i].size());
  };
  while (std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = conns[i];
      if (c.done) continue;
      any = true;
      // An answer first: nginx may refuse while we are still sending.
      char buf[16384];
      while (true) {
        const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
        if (n > 0) {
          if (results[i].status == 0 && c.in.empty()) {
            results[i].sent_when_answered = body_sent(i);
            results[i].answered_early = c.out_pos < c.out.size();
          }
          c.in.append(buf, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.done = true;
        break;
      }
      if (!c.in.empty() && c.in.find("\r\n\r\n") != std::string::npos && results[i].status == 0) {
        results[i].status = std::atoi(c.in.c_str() + 9);
        results[i].head = c.in.substr(0, c.in.find("\r\n\r\n"));
      }
      if (results[i].status != 0 && c.out_pos < c.out.size()) {
        // Answered before the body was sent: stop sending, as curl does.
        c.done = true;
      }
      if (c.done) continue;
      if (c.out_pos < c.out.size() && !c.send_closed) {
        const std::size_t n = std::min(kPiece + 16, c.out.size() - c.out_pos);
        const ssize_t w = ::send(c.fd, c.out.data() + c.out_pos, n, MSG_NOSIGNAL);
        if (w > 0) c.out_pos += static_cast<std::size_t>(w);
        else if (errno != EAGAIN && errno != EWOULDBLOCK) {
          results[i].error = std::string("send: ") + std::strerror(errno);
          c.send_closed = true;  // the answer may still be readable
        }
      } else if (results[i].status != 0 && c.in.size() >= results[i].head.size() + 4) {
        c.done = true;  // headers are all we need
      }
    }
    if (!any) break;
    std::vector<pollfd> fds;
    for (const auto& c : conns)
      if (!c.done)
        fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out_pos < c.out.size() && !c.send_closed ? POLLOUT : 0)), 0});
    if (!fds.empty()) ::poll(fds.data(), fds.size(), 50);
  }
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (conns[i].fd >= 0) ::close(conns[i].fd);
    if (results[i].status == 0 && results[i].error.empty()) results[i].error = "no answer within the deadline";
  }
  return results;
}

}  // namespace stalemate::test::front
