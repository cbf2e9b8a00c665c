#include "sim/s3/aws_chunked.h"

#include <cstdint>

#include "common/crypto.h"
#include "sim/s3/sigv4.h"

namespace stalemate::sim::s3 {

namespace {
constexpr std::string_view kSignatureParam = "chunk-signature=";

std::optional<std::uint64_t> parse_hex_size(std::string_view text) {
  if (text.empty() || text.size() > 16) return std::nullopt;
  std::uint64_t size = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return std::nullopt;
    size = size * 16 + static_cast<std::uint64_t>(d);  // 16 digits at most: no overflow
  }
  return size;
}
}  // namespace

std::string chunk_signature(const ChunkSigner& signer, std::string_view previous_signature, std::string_view chunk) {
  std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n";
  sts.append(signer.amz_date).append("\n").append(signer.scope).append("\n").append(previous_signature);
  sts.append("\n").append(kEmptySha256).append("\n").append(sha256_hex(chunk));
  return to_hex(hmac_sha256_raw(signer.signing_key, sts));
}

ChunkedBody decode_aws_chunked(std::string_view body, const ChunkSigner* signer) {
  ChunkedBody out;
  auto malformed = [&out] {
    out.payload.clear();
    out.error = ChunkedError::Malformed;
    return out;
  };
  std::string previous = signer ? signer->seed_signature : std::string();
  std::size_t pos = 0;
  while (true) {
    const auto eol = body.find("\r\n", pos);
    if (eol == std::string_view::npos) return malformed();
    const std::string_view line = body.substr(pos, eol - pos);
    const auto semicolon = line.find(';');
    const auto size = parse_hex_size(line.substr(0, semicolon));
    if (!size) return malformed();
    pos = eol + 2;
    // What is left must hold the data and its CRLF; compared without adding
    // to `size`, which may be near 2^64.
    const std::size_t left = body.size() - pos;
    if (*size > left || left - *size < 2 || body.substr(pos + *size, 2) != "\r\n") {
      if (*size != 0) return malformed();
    }
    if (signer) {
      const std::string_view params = semicolon == std::string_view::npos ? std::string_view() : line.substr(semicolon + 1);
      if (params.substr(0, kSignatureParam.size()) != kSignatureParam) {
        out.error = ChunkedError::BadSignature;
        return out;
      }
      const std::string_view claimed = params.substr(kSignatureParam.size());
      const std::string expected = chunk_signature(*signer, previous, body.substr(pos, *size));
      if (claimed != expected) {
        out.payload.clear();
        out.error = ChunkedError::BadSignature;
        return out;
      }
      previous = expected;
    }
    if (*size == 0) {  // trailers (checksums) may follow, one "name:value" per line
      for (auto end = body.find("\r\n", pos); end != std::string_view::npos && end > pos; end = body.find("\r\n", pos)) {
        const std::string_view trailer = body.substr(pos, end - pos);
        const auto colon = trailer.find(':');
        if (colon != std::string_view::npos)
          out.trailers.emplace_back(std::string(trailer.substr(0, colon)), std::string(trailer.substr(colon + 1)));
        pos = end + 2;
      }
      return out;
    }
    out.payload.append(body.substr(pos, *size));
    pos += *size + 2;
  }
}

std::optional<std::string> decode_aws_chunked(std::string_view body) {
  auto decoded = decode_aws_chunked(body, nullptr);
  if (decoded.error != ChunkedError::None) return std::nullopt;
  return std::move(decoded.payload);
}

}  // namespace stalemate::sim::s3
