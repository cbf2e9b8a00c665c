// decode_aws_chunked: a body either is refused or de-frames to at most its
// own size (every payload byte comes from the body once).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/s3/aws_chunked.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto payload = stalemate::sim::s3::decode_aws_chunked(body);
  if (payload && payload->size() > body.size()) __builtin_trap();
  return 0;
}
