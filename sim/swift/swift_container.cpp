// /v1/<account>/<container>: PUT (201/202), HEAD, GET (listing), POST
// (metadata) and DELETE (204/404/409).
#include "common/time_format.h"
#include "sim/swift/swift_listing.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
void add_container_headers(HttpResponse& res, const ContainerStats& stats) {
  res.headers["X-Container-Object-Count"] = std::to_string(stats.object_count);
  res.headers["X-Container-Bytes-Used"] = std::to_string(stats.bytes_used);
  res.headers["X-Timestamp"] = swift_timestamp(stats.created);
  res.headers["X-Put-Timestamp"] = swift_timestamp(stats.created);
  res.headers["X-Storage-Policy"] = "Policy-0";
  res.headers["Accept-Ranges"] = "bytes";
  res.headers["Last-Modified"] = last_modified_header(stats.created);
  add_metadata_headers(res, stats.metadata);
}
}  // namespace

HttpResponse SwiftService::handle_container(const Ctx& ctx) {
  const std::string& m = ctx.req.method;
  if (m == "PUT") return container_put(ctx);
  if (m == "POST") return container_post(ctx);
  if (m == "DELETE") {
    const int status = delete_container_status(ctx.path.account, ctx.path.container);
    if (status != 204) return error_response(status);
    HttpResponse r;
    r.status = 204;
    return r;
  }
  return container_get_or_head(ctx);
}

HttpResponse SwiftService::container_put(const Ctx& ctx) {
  const std::string& name = ctx.path.container;
  if (name.size() > kMaxContainerNameLength)
    return error_response(400, "Container name length of " + std::to_string(name.size()) + " longer than " +
                                   std::to_string(kMaxContainerNameLength));
  HttpResponse error;
  auto changes = metadata_changes(ctx.req, "Container", error);
  if (!changes) return error;
  auto result = store_.put_container(ctx.path.account, name, *changes);
  if (result == Store::ContainerPut::NoAccount) {
    store_.create_account(ctx.path.account);  // account_autocreate
    result = store_.put_container(ctx.path.account, name, *changes);
  }
  if (result == Store::ContainerPut::NoAccount) return error_response(404);
  if (result == Store::ContainerPut::Created) {
    HttpResponse r;
    r.status = 201;
    return r;
  }
  return error_response(202, "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>");
}

HttpResponse SwiftService::container_post(const Ctx& ctx) {
  HttpResponse error;
  auto changes = metadata_changes(ctx.req, "Container", error);
  if (!changes) return error;
  if (!store_.update_container_metadata(ctx.path.account, ctx.path.container, *changes)) return error_response(404);
  HttpResponse r;
  r.status = 204;
  return r;
}

int SwiftService::delete_container_status(const std::string& account, const std::string& container) {
  switch (store_.delete_container(account, container)) {
    case Store::ContainerDelete::Deleted: return 204;
    case Store::ContainerDelete::NotEmpty: return 409;
    case Store::ContainerDelete::NotFound: break;
  }
  return 404;
}

HttpResponse SwiftService::container_get_or_head(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  std::optional<ListingRequest> listing;
  if (req.method == "GET") {
    HttpResponse error;
    listing = parse_listing_request(req, error);
    if (!listing) return error;
  }
  auto stats = store_.container(ctx.path.account, ctx.path.container, ctx.model);
  if (!stats) return error_response(404);
  HttpResponse r;
  if (listing) {
    auto items = store_.list_objects(ctx.path.account, ctx.path.container, listing->query, ctx.model);
    if (!items) return error_response(404);
    r = render_container_listing(ctx.path.container, *items, listing->format);
  } else {
    r.status = 204;
    r.headers["Content-Type"] = kPlainType;
  }
  add_container_headers(r, *stats);
  return r;
}

}  // namespace stalemate::sim::swift
