// The server under hostile clients: every malformed request gets its status
// before the close, slow clients get 408 on a deadline they cannot extend,
// `100 Continue` waits for the precheck, request bodies share a global budget,
// descriptor exhaustion does not spin the accept loop, and idle and slowloris
// connections by the thousand do not stop normal requests being served.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sim/server/http_server.h"
#include "tests/sim/raw_connection.h"

using namespace stalemate;
using namespace stalemate::sim;
using stalemate::test::RawConnection;
using stalemate::test::status_of;
using namespace std::chrono_literals;

namespace {

HttpResponse ok_with_size(const HttpRequest& req) {
  HttpResponse res;
  res.headers["X-Body-Size"] = std::to_string(req.body.size());
  res.set_text("ok\n");
  return res;
}

// Sends `request`, reads to EOF and returns the status; the server must close.
int status_then_close(unsigned short port, const std::string& request) {
  RawConnection c(port);
  c.try_send(request);  // the server may answer and close before all of it is sent
  const auto out = c.read_to_eof();
  CHECK(c.saw_eof());
  INFO(out.substr(0, 200));
  CHECK(out.find("Connection: close\r\n") != std::string::npos);
  return status_of(out);
}

std::string headers_of(std::size_t count) {
  std::string h;
  for (std::size_t i = 0; i < count; ++i) h += "a:b\r\n";
  return h;
}

HttpServerOptions fast_timeouts() {
  HttpServerOptions o;
  o.idle_timeout = 300ms;
  o.header_timeout = 300ms;
  o.body_timeout = 300ms;
  o.linger_timeout = 200ms;
  return o;
}

}  // namespace

TEST_CASE("malformed requests get their status before the close", "[hostile]") {
  HttpServerOptions options;
  options.body_limit = 10;
  HttpServer server(ok_with_size, options);
  const auto port = server.port();
  CHECK(status_then_close(port, "this is not http\r\n\r\n") == 400);
  CHECK(status_then_close(port, "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n") == 400);
  CHECK(status_then_close(port, "PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n") == 400);
  CHECK(status_then_close(port, "PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                "5\r\nhello\r\n0\r\n\r\n") == 400);
  CHECK(status_then_close(port, "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") == 414);
  CHECK(status_then_close(port, "GET /" + std::string(kMaxTargetBytes, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n") == 414);
  CHECK(status_then_close(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 * 1024, 'b') + "\r\n\r\n") == 431);
  CHECK(status_then_close(port, "GET / HTTP/1.1\r\nHost: x\r\n" + headers_of(10000) + "\r\n") == 431);
  CHECK(status_then_close(port, "GET / HTTP/1.1\r\nHost: x\r\n" + headers_of(kMaxHeaderFields) + "\r\n") == 431);
  CHECK(status_then_close(port, "PUT /o HTTP/1.1\r\nHost: x\r\n\r\n") == 411);
  CHECK(status_then_close(port, "PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890") == 413);
  CHECK(status_then_close(port, "PUT /o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n01234567890\r\n0\r\n\r\n") == 413);
  // At the limits a request is served.
  RawConnection c(port);
  c.send("GET /" + std::string(kMaxTargetBytes - 1, 'a') + " HTTP/1.1\r\nHost: x\r\n" +
         headers_of(kMaxHeaderFields - 2) + "Connection: close\r\n\r\n");
  CHECK(status_of(c.read_to_eof()) == 200);
  CHECK(server.requests_served() == 1);
}

TEST_CASE("the error renderer writes the server's own error answers", "[hostile]") {
  HttpServerOptions options;
  options.error_renderer = [](int status, const std::string& message) {
    HttpResponse res;
    res.set_text("<Error><Code>" + std::to_string(status) + "</Code><Message>" + message + "</Message></Error>",
                 "application/xml");
    return res;
  };
  HttpServer server(ok_with_size, options);
  RawConnection c(server.port());
  c.send("PUT /o HTTP/1.1\r\nHost: x\r\n\r\n");
  const auto out = c.read_to_eof();
  CHECK(status_of(out) == 411);
  CHECK(out.find("Content-Type: application/xml\r\n") != std::string::npos);
  CHECK(out.find("<Error><Code>411</Code>") != std::string::npos);
}

TEST_CASE("slow clients get 408 on deadlines they cannot extend; idle ones are closed", "[hostile]") {
  HttpServer server(ok_with_size, fast_timeouts());
  SECTION("a header trickled a byte at a time still has one deadline") {
    RawConnection c(server.port());
    const std::string header = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'z');
    const auto start = std::chrono::steady_clock::now();
    // 100 bytes at 20 ms (2 s) would keep an inactivity timer of 300 ms alive forever.
    std::size_t sent = 0;
    for (; sent < 100 && c.try_send(header.substr(sent, 1)); ++sent) std::this_thread::sleep_for(20ms);
    const auto out = c.read_to_eof();
    CHECK(status_of(out) == 408);
    CHECK(sent < 100);  // cut off mid-trickle
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
  SECTION("a body with no progress") {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    CHECK(status_of(c.read_to_eof()) == 408);
  }
  SECTION("a 100-continue whose body never comes") {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n");
    const auto out = c.read_to_eof();
    CHECK(out.rfind("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 408 ", 0) == 0);
  }
  SECTION("a slow body that keeps making progress is served") {
    RawConnection c(server.port());
    c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\nConnection: close\r\n\r\n");
    for (int i = 0; i < 24; ++i) {  // 1.2 s in all, four body timeouts
      std::this_thread::sleep_for(50ms);
      c.send("x");
    }
    const auto out = c.read_to_eof();
    CHECK(status_of(out) == 200);
    CHECK(out.find("X-Body-Size: 24\r\n") != std::string::npos);
  }
  SECTION("an idle keep-alive connection is closed without an answer") {
    RawConnection c(server.port());
    c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto first = c.read_until("ok\n");
    CHECK(status_of(first) == 200);
    const auto out = c.read_to_eof();
    CHECK(c.saw_eof());
    CHECK(out == first);
  }
}

TEST_CASE("100 Continue is sent only after the precheck approves", "[hostile]") {
  std::atomic<int> handled{0}, prechecked{0}, precheck_saw_body{0};
  HttpServerOptions options;
  // Runs on a server thread: record, and assert on the test's thread (Catch is not thread-safe).
  options.precheck = [&](const HttpRequest& req) -> std::optional<HttpResponse> {
    ++prechecked;
    if (!req.body.empty()) ++precheck_saw_body;
    if (req.header("X-Auth-Token") == "good" && req.path == "/c/o" && req.query_value("q") == "1") return std::nullopt;
    HttpResponse res;
    res.status = 401;
    res.set_text("unauthorized\n");
    return res;
  };
  HttpServer server(
      [&](const HttpRequest& req) {
        ++handled;
        return ok_with_size(req);
      },
      options);
  {
    RawConnection c(server.port());
    c.send("PUT /c/o?q=1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: bad\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    const auto out = c.read_to_eof();
    CHECK(out.rfind("HTTP/1.1 401 ", 0) == 0);  // no 100 Continue before it
    CHECK(out.find("Connection: close\r\n") != std::string::npos);
    CHECK(c.saw_eof());
    CHECK(handled == 0);
  }
  {
    RawConnection c(server.port());
    c.send("PUT /c/o?q=1 HTTP/1.1\r\nHost: x\r\nX-Auth-Token: good\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
           "Connection: close\r\n\r\n");
    CHECK(c.read_until("\r\n\r\n").rfind("HTTP/1.1 100 Continue\r\n", 0) == 0);
    c.send("hello");
    const auto out = c.read_to_eof();
    CHECK(out.find("HTTP/1.1 200 OK\r\n") != std::string::npos);
    CHECK(out.find("X-Body-Size: 5\r\n") != std::string::npos);
  }
  {  // Without Expect the handler decides, as before.
    RawConnection c(server.port());
    c.send("PUT /c/o HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
    CHECK(status_of(c.read_to_eof()) == 200);
  }
  CHECK(prechecked == 2);
  CHECK(handled == 2);
  CHECK(precheck_saw_body == 0);
}

TEST_CASE("request bodies in flight share a global budget", "[hostile]") {
  HttpServerOptions options;
  options.body_budget = 1000;
  HttpServer server(ok_with_size, options);
  // A holds 800 bytes of the budget while its body is incomplete.
  RawConnection a(server.port());
  a.send("PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 800\r\nConnection: close\r\n\r\n" + std::string(100, 'a'));
  // The reservation is taken when A's header is read; await it (bounded).
  for (int i = 0; i < 1000 && server.body_bytes_in_flight() < 800; ++i) std::this_thread::sleep_for(5ms);
  REQUIRE(server.body_bytes_in_flight() == 800);

  const std::string put300 = "PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\nConnection: close\r\n\r\n" +
                             std::string(300, 'b');
  {
    RawConnection b(server.port());
    b.try_send(put300);
    const auto out = b.read_to_eof();
    CHECK(status_of(out) == 503);
    CHECK(out.find("Retry-After: ") != std::string::npos);
  }
  {  // Refused before `100 Continue`: the client never sends the body.
    RawConnection b(server.port());
    b.send("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 300\r\nExpect: 100-continue\r\n\r\n");
    const auto out = b.read_to_eof();
    CHECK(out.rfind("HTTP/1.1 503 ", 0) == 0);
  }
  {  // Chunked bytes count as they arrive.
    RawConnection b(server.port());
    b.try_send("PUT /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n12c\r\n" + std::string(300, 'b') +
               "\r\n0\r\n\r\n");
    CHECK(status_of(b.read_to_eof()) == 503);
  }
  {
    RawConnection small(server.port());
    small.send("PUT /s HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nConnection: close\r\n\r\n" + std::string(100, 's'));
    CHECK(status_of(small.read_to_eof()) == 200);
  }
  a.send(std::string(700, 'a'));
  const auto out = a.read_to_eof();
  CHECK(status_of(out) == 200);
  CHECK(out.find("X-Body-Size: 800\r\n") != std::string::npos);
  CHECK(server.body_bytes_in_flight() == 0);
  {  // Released: the same request now fits.
    RawConnection b(server.port());
    b.send(put300);
    CHECK(status_of(b.read_to_eof()) == 200);
  }
  CHECK(server.body_bytes_in_flight() == 0);
}

TEST_CASE("the accept loop waits instead of spinning when descriptors run out", "[hostile]") {
  // The server runs in a child whose descriptor limit is used up, so this
  // process keeps its own descriptors.
  int port_pipe[2], report_pipe[2], go_pipe[2];
  REQUIRE(::pipe(port_pipe) == 0);
  REQUIRE(::pipe(report_pipe) == 0);
  REQUIRE(::pipe(go_pipe) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    std::uint64_t result[3] = {0, 0, 0};
    {
      HttpServer server(ok_with_size);
      const unsigned short port = server.port();
      // Use up every descriptor the limit allows.
      rlimit lim{};
      ::getrlimit(RLIMIT_NOFILE, &lim);
      lim.rlim_cur = 64;
      ::setrlimit(RLIMIT_NOFILE, &lim);
      std::vector<int> fillers;
      for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
      (void)!::write(port_pipe[1], &port, sizeof port);  // only now may the parent connect
      char go = 0;
      (void)!::read(go_pipe[0], &go, 1);  // the parent has connected
      const auto before = server.accept_errors();
      std::this_thread::sleep_for(500ms);  // the interval whose retries are counted
      result[0] = server.accept_errors() - before;
      for (int fd : fillers) ::close(fd);
      // Once descriptors are back, the waiting client is served.
      for (int i = 0; i < 200 && server.requests_served() == 0; ++i) std::this_thread::sleep_for(10ms);
      result[1] = server.requests_served();
      result[2] = 1;
    }
    (void)!::write(report_pipe[1], result, sizeof result);
    ::_exit(0);
  }
  unsigned short port = 0;
  REQUIRE(::read(port_pipe[0], &port, sizeof port) == sizeof port);
  std::uint64_t result[3] = {0, 0, 0};
  {
    RawConnection c(port);
    c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    REQUIRE(::write(go_pipe[1], "g", 1) == 1);
    pollfd pfd{report_pipe[0], POLLIN, 0};
    if (::poll(&pfd, 1, 20000) == 1) (void)!::read(report_pipe[0], result, sizeof result);
    CHECK(status_of(c.read_to_eof()) == 200);
  }
  int status = 0;
  if (result[2] == 0) ::kill(child, SIGKILL);  // hung: do not leave it behind
  ::waitpid(child, &status, 0);
  for (int fd : {port_pipe[0], port_pipe[1], report_pipe[0], report_pipe[1], go_pipe[0], go_pipe[1]}) ::close(fd);
  REQUIRE(result[2] == 1);
  INFO("failed accepts in 500 ms: " << result[0]);
  CHECK(result[0] >= 1);   // descriptors really ran out
  CHECK(result[0] <= 30);  // 50 ms apart: about 10 (a spin makes hundreds of thousands)
  CHECK(result[1] == 1);
}

TEST_CASE("1000 idle and 1000 slowloris connections do not stop normal requests", "[hostile]") {
  // Each connection costs a descriptor here and one in the server.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  std::size_t per_kind = 1000;
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < 4 * per_kind + 200) {
    per_kind = lim.rlim_cur > 400 ? (lim.rlim_cur - 200) / 4 : 50;
    WARN("descriptor hard limit " << lim.rlim_max << ": " << per_kind << " connections of each kind");
  }
  HttpServer server(ok_with_size);  // default timeouts: nobody is cut off during the test
  std::vector<std::unique_ptr<RawConnection>> idle, slow;
  for (std::size_t i = 0; i < per_kind; ++i) idle.push_back(std::make_unique<RawConnection>(server.port()));
  for (std::size_t i = 0; i < per_kind; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    slow.back()->send("GET / HTTP/1.1\r\nHost: x\r\n");
  }
  std::vector<double> latencies_ms;
  int failures = 0;
  for (int round = 0; round < 10; ++round) {
    for (auto& s : slow) s->send("X");  // slowloris: one more byte each, never the end
    for (int i = 0; i < 20; ++i) {
      const auto start = std::chrono::steady_clock::now();
      RawConnection c(server.port());  // 10 s receive timeout: the hang guard
      c.send("PUT /o HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
      const auto out = c.read_to_eof();
      latencies_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
      if (status_of(out) != 200 || out.find("X-Body-Size: 5\r\n") == std::string::npos) ++failures;
    }
  }
  CHECK(failures == 0);
  CHECK(server.requests_served() == latencies_ms.size());
  // Every hostile connection is still held open (nothing to read, no EOF).
  std::size_t closed = 0;
  for (auto* group : {&idle, &slow})
    for (auto& c : *group) {
      pollfd pfd{c->fd(), POLLIN, 0};
      if (::poll(&pfd, 1, 0) != 0) ++closed;
    }
  CHECK(closed == 0);
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const auto at = [&](double q) { return latencies_ms[static_cast<std::size_t>(q * (latencies_ms.size() - 1))]; };
  // Figures, not assertions (goals live in bench/: stalemate_bench --only hostile).
  std::printf("hostile: %zu idle + %zu slowloris connections; %zu normal requests p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              idle.size(), slow.size(), latencies_ms.size(), at(0.5), at(0.99), latencies_ms.back());
}
