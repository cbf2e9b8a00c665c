// /v1/<account>: HEAD/GET (stats, metadata, container listing) and POST
// (metadata). Accounts are auto-created, as with account_autocreate; PUT and
// DELETE are refused to non-reseller users by TempAuth (403).
#include "common/time_format.h"
#include "sim/swift/swift_listing.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

std::optional<AccountStats> SwiftService::account_stats(const std::string& account) {
  auto stats = store_.account(account);
  if (!stats) {
    store_.create_account(account);
    stats = store_.account(account);
  }
  return stats;
}

void SwiftService::add_account_headers(HttpResponse& res, const AccountStats& stats) const {
  res.headers["X-Account-Container-Count"] = std::to_string(stats.container_count);
  res.headers["X-Account-Object-Count"] = std::to_string(stats.object_count);
  res.headers["X-Account-Bytes-Used"] = std::to_string(stats.bytes_used);
  res.headers["X-Timestamp"] = swift_timestamp(stats.created);
  res.headers["X-Put-Timestamp"] = swift_timestamp(stats.created);
  res.headers["Accept-Ranges"] = "bytes";
  add_metadata_headers(res, stats.metadata);
}

HttpResponse SwiftService::handle_account(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const std::string& account = ctx.path.account;
  if (req.method == "PUT" || req.method == "DELETE") return error_response(403);

  if (req.method == "POST") {
    HttpResponse error;
    auto changes = metadata_changes(req, "Account", error);
    if (!changes) return error;
    if (!account_stats(account) || !store_.update_account_metadata(account, *changes)) return error_response(404);
    HttpResponse r;
    r.status = 204;
    return r;
  }

  // HEAD / GET
  auto stats = account_stats(account);
  if (!stats) return error_response(404);
  HttpResponse r;
  if (req.method == "GET") {
    HttpResponse error;
    auto listing = parse_listing_request(req, error);
    if (!listing) return error;
    auto items = store_.list_containers(account, listing->query);
    if (!items) return error_response(404);
    r = render_account_listing(account, *items, listing->format);
  } else {
    r.status = 204;
    r.headers["Content-Type"] = kPlainType;
  }
  add_account_headers(r, *stats);
  return r;
}

}  // namespace stalemate::sim::swift
