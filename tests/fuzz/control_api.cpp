// handle_control over a fresh Store: up to 8 requests (fuzz_request.h); those
// under /__stalemate/ reach it. Every answer is a status, never an exception
// or a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_request.h"
#include "sim/control/control_api.h"
#include "sim/model/store.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  stalemate::sim::Store store;
  store.create_account("AUTH_test");
  for (std::string_view text : fuzz::split_requests({reinterpret_cast<const char*>(data), size})) {
    auto req = fuzz::request_from_text(text);
    if (!req || req->path.rfind("/__stalemate/", 0) != 0) continue;
    const stalemate::HttpResponse res = stalemate::sim::handle_control(store, "AUTH_test", *req);
    if (res.status < 100 || res.status > 599) __builtin_trap();
    (void)res.body_string();
  }
  return 0;
}
