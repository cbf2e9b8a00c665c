// A blocking client socket for server tests: sends raw bytes and reads what
// comes back, so the bytes on the wire are what is asserted.
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

namespace stalemate::test {

class RawConnection {
 public:
  explicit RawConnection(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{10, 0};  // a hung server fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void send(const std::string& bytes) {
    REQUIRE(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size()));
  }
  // Like send, but the server may already have closed: reports success.
  bool try_send(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // Reads until `marker` has been seen, or EOF/timeout.
  std::string read_until(const std::string& marker) {
    while (received_.find(marker) == std::string::npos) {
      char buf[65536];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        eof_ = n == 0;
        break;
      }
      received_.append(buf, static_cast<std::size_t>(n));
    }
    return received_;
  }
  std::string read_to_eof() { return read_until(std::string("\0\0never\0", 8)); }
  bool saw_eof() const { return eof_; }  // the last read ended at EOF, not a timeout
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::string received_;
  bool eof_ = false;
};

// The status code of the first response in `out`, 0 when there is none.
inline int status_of(const std::string& out) {
  if (out.rfind("HTTP/1.", 0) != 0 || out.size() < 12) return 0;
  return std::stoi(out.substr(9, 3));
}

}  // namespace stalemate::test
