// aws-chunked bodies (x-amz-content-sha256: STREAMING-…): "<hex size>[;chunk-
// signature=…]\r\n<data>\r\n" … "0[;…]\r\n[trailers]\r\n". Chunk signatures
// and trailing checksums are NOT verified: such a body is treated as an
// unsigned payload once de-framed.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace stalemate::sim::s3 {

// The payload carried by an aws-chunked body; nullopt when malformed.
std::optional<std::string> decode_aws_chunked(std::string_view body);

}  // namespace stalemate::sim::s3
