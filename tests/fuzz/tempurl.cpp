// TempURL verification through SwiftFrontend::handle. A fresh store holds
// AUTH_test/c/o and the account key "k". The input is "METHOD\nEXPIRES\n
// OBJECT-PATH\nEXTRA-QUERY\nSIG\n" then headers and body; an empty SIG is
// replaced by the right HMAC-SHA1 (a SIG of "256", HMAC-SHA256) so that the
// accepted path is fuzzed as well as the refusals.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/crypto.h"
#include "fuzz_request.h"
#include "sim/model/store.h"
#include "sim/swift/swift_frontend.h"

static std::string_view next_line(std::string_view& text) {
  const auto eol = text.find('\n');
  const std::string_view line = text.substr(0, eol);
  text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  return line;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string method(next_line(text)), expires(next_line(text)), object(next_line(text));
  const std::string extra(next_line(text));
  std::string sig(next_line(text));
  const std::string path = "/v1/AUTH_test/" + object;
  const std::string message = method + "\n" + expires + "\n" + path;
  if (sig.empty()) sig = stalemate::hmac_sha1_hex("k", message);
  if (sig == "256") sig = stalemate::to_hex(stalemate::hmac_sha256_raw("k", message));

  stalemate::sim::Store store;
  stalemate::sim::SwiftFrontend swift(store);
  const std::string token = swift.handle(*fuzz::request_from_text(
      "GET /auth/v1.0\nX-Auth-User: test:tester\nX-Auth-Key: testing\n\n")).headers.at("X-Auth-Token");
  for (const char* setup : {"POST /v1/AUTH_test\nX-Account-Meta-Temp-Url-Key: k\n", "PUT /v1/AUTH_test/c\n",
                            "PUT /v1/AUTH_test/c/o\nX-Object-Meta-A: b\n\nhello"}) {
    auto req = fuzz::request_from_text(setup);
    req->headers["X-Auth-Token"] = token;
    if (swift.handle(*req).status >= 300) __builtin_trap();
  }
  auto req = fuzz::request_from_text(method + " " + path + "?temp_url_sig=" + sig + "&temp_url_expires=" + expires +
                                     extra + "\n" + std::string(text));
  if (req) (void)swift.handle(*req).body_string();
  return 0;
}
