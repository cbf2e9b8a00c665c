// Swift listing parameters: "?QUERY\nAccept-value" through
// parse_listing_request; on success the query selects from a few rows and the
// listing renders in the chosen format.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

#include "common/http_types.h"
#include "sim/swift/swift_listing.h"

namespace swift = stalemate::sim::swift;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto eol = text.find('\n');
  stalemate::HttpRequest req;
  req.method = "GET";
  req.target = "/v1/AUTH_test/c" + std::string(text.substr(0, eol));
  if (eol != std::string_view::npos) req.headers["Accept"] = std::string(text.substr(eol + 1));
  if (!stalemate::parse_request_target(req)) return 0;
  stalemate::HttpResponse error;
  const auto listing = swift::parse_listing_request(req, error);
  if (!listing) {
    if (error.status < 400) __builtin_trap();
    return 0;
  }
  static const std::map<std::string, stalemate::sim::ListingRow> rows{
      {"a", {}}, {"a/b", {}}, {"a/c/d", {}}, {"b-c", {}}, {"d\xc3\xa9", {}}, {"e", {.deleted = true}}};
  const auto items = stalemate::sim::select_listing(rows, listing->query);
  if (items.size() > listing->query.limit) __builtin_trap();
  (void)swift::render_container_listing("c", items, listing->format).body_string();
  (void)swift::render_account_listing("AUTH_test", items, listing->format).body_string();
  return 0;
}
