// parse_request_target: any target either fails cleanly or yields a path
// and query that the percent-decoder agrees with.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/http_types.h"
#include "common/url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  stalemate::HttpRequest req;
  req.target.assign(reinterpret_cast<const char*>(data), size);
  if (!stalemate::parse_request_target(req)) return 0;
  if (req.raw_query.size() > req.target.size() || req.path.size() > req.target.size()) __builtin_trap();
  // Encoding the decoded path and decoding it again gives the path back.
  const auto again = stalemate::percent_decode(stalemate::percent_encode(req.path, true), false);
  if (!again || *again != req.path) __builtin_trap();
  for (const auto& [key, value] : req.query) (void)req.query_value(key);
  return 0;
}
