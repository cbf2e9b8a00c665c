// The SigV4 parsers and canonicalisers of sim/s3/sigv4.cpp on one input:
// the Authorization header, a credential scope, X-Amz-Date, a raw query, a
// header value and a URI.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sim/s3/sigv4.h"

namespace s3 = stalemate::sim::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto auth = s3::parse_authorization(text)) (void)auth->credential.scope();
  if (auto cred = s3::parse_credential(text)) (void)cred->scope();
  if (auto t = s3::parse_amz_date(text)) {
    // What we write we read back as the same second.
    if (s3::parse_amz_date(s3::format_amz_date(*t)) != t) __builtin_trap();
  }
  for (bool plus : {false, true}) (void)s3::canonical_query_string(text, plus, plus);
  const std::string value = s3::canonical_header_value(text);
  if (value.size() > text.size()) __builtin_trap();
  for (bool slash : {false, true}) (void)s3::aws_uri_encode(text, slash);
  return 0;
}
