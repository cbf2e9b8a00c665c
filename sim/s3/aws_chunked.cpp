#include "sim/s3/aws_chunked.h"

#include <cstdint>

namespace stalemate::sim::s3 {

std::optional<std::string> decode_aws_chunked(std::string_view body) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view line = body.substr(pos, eol - pos);
    line = line.substr(0, line.find(';'));
    if (line.empty() || line.size() > 16) return std::nullopt;
    std::uint64_t size = 0;
    for (char c : line) {
      int d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else return std::nullopt;
      size = size * 16 + static_cast<std::uint64_t>(d);
    }
    pos = eol + 2;
    if (size == 0) return out;  // trailers (checksums) follow: ignored
    if (body.size() - pos < size + 2 || body.substr(pos + size, 2) != "\r\n") return std::nullopt;
    out.append(body.substr(pos, size));
    pos += size + 2;
  }
}

}  // namespace stalemate::sim::s3
