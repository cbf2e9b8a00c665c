// SwiftFrontend::handle over a fresh Store: up to 8 requests (fuzz_request.h)
// from a logged-in client. A request without X-Auth-Token gets the fresh
// token; "X-Auth-Token: -" sends none. handle must answer, never throw.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_request.h"
#include "sim/model/store.h"
#include "sim/swift/swift_frontend.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  stalemate::sim::Store store;
  stalemate::sim::SwiftFrontend swift(store);
  auto login = fuzz::request_from_text("GET /auth/v1.0\nX-Auth-User: test:tester\nX-Auth-Key: testing\n\n");
  const stalemate::HttpResponse auth = swift.handle(*login);
  const std::string token = auth.headers.at("X-Auth-Token");
  for (std::string_view text : fuzz::split_requests({reinterpret_cast<const char*>(data), size})) {
    auto req = fuzz::request_from_text(text);
    if (!req) continue;
    if (!req->has_header("X-Auth-Token")) req->headers["X-Auth-Token"] = token;
    if (req->header("X-Auth-Token") == "-") req->headers.erase("X-Auth-Token");
    const stalemate::HttpResponse res = swift.handle(*req);
    if (res.status < 100 || res.status > 599) __builtin_trap();
    (void)res.body_string();
  }
  return 0;
}
