// /v1/<account>/<container>/<object>: GET/HEAD (Range, X-Newest, conditional
// headers; DLO manifests go to dlo.cpp), PUT (length, ETag and name checks;
// X-Copy-From goes to swift_copy.cpp), POST (fast-POST metadata) and DELETE.
#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "sim/swift/byte_range.h"
#include "sim/swift/mime_types.h"
#include "sim/swift/ranged_body.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
// Whether any item of an If-Match / If-None-Match list ("a", W/"b", *) satisfies `pred`.
template <class Pred>
bool any_etag_item(const std::string& list, Pred pred) {
  return any_list_item(list, [&](std::string_view item) {
    if (item.rfind("W/", 0) == 0) item.remove_prefix(2);
    return pred(item);
  });
}

// The list contains `etag` (or *).
bool etag_list_matches(const std::string& list, const std::string& etag) {
  return any_etag_item(list, [&](std::string_view item) { return item == "*" || normalize_etag(item) == normalize_etag(etag); });
}

bool lists_star(const std::string& list) {
  return any_list_item(list, [](std::string_view item) { return item == "*"; });
}

HttpResponse created_response(const std::string& etag, Timestamp ts) {
  HttpResponse r;
  r.status = 201;
  r.headers["Etag"] = etag;
  r.headers["Last-Modified"] = last_modified_header(ts);
  return r;
}
}  // namespace

std::optional<int> check_conditions(const HttpRequest& req, const std::string& etag, Timestamp ts) {
  if (req.has_header("If-Match") && !etag_list_matches(req.header("If-Match"), etag)) return 412;
  if (req.has_header("If-None-Match") && etag_list_matches(req.header("If-None-Match"), etag)) return 304;
  const std::int64_t last_modified = (ts + 999'999) / 1'000'000;  // Last-Modified: whole seconds, rounded up
  if (const auto ius = parse_http_date(req.header("If-Unmodified-Since")); ius && last_modified > *ius) return 412;
  if (const auto ims = parse_http_date(req.header("If-Modified-Since")); ims && last_modified <= *ims) return 304;
  return std::nullopt;
}

HttpResponse finish_condition(int status, HttpResponse object) {
  object.body.clear();
  object.declared_length.reset();
  object.head = false;
  if (status == 304) {
    object.status = 304;
    return object;
  }
  HttpResponse r;
  r.status = status;
  for (const char* h : {"Etag", "Last-Modified", "X-Timestamp"})
    if (object.headers.count(h)) r.headers[h] = object.headers[h];
  r.headers["Content-Type"] = kHtmlType;
  return r;
}

void SwiftService::add_object_headers(HttpResponse& res, const ObjectVersion& v) const {
  res.headers["Content-Type"] = display_content_type(v.content_type);
  res.headers["Etag"] = split_slo_etag(v.etag).first;
  res.headers["Last-Modified"] = last_modified_header(v.ts);
  res.headers["X-Timestamp"] = swift_timestamp(v.ts);
  res.headers["Accept-Ranges"] = "bytes";
  add_metadata_headers(res, v.metadata);
}

HttpResponse SwiftService::handle_object(const Ctx& ctx) {
  const std::string& m = ctx.req.method;
  if (m == "GET" || m == "HEAD") return object_get_or_head(ctx);
  if (m == "PUT") return object_put(ctx);
  if (m == "POST") return object_post(ctx);
  if (m == "COPY") return object_copy_method(ctx);
  // DELETE
  if (ctx.req.query_value("multipart-manifest") == "delete") return slo_delete(ctx);
  const int status = delete_object_status(ctx.path.account, ctx.path.container, ctx.path.object, ctx.model);
  if (status != 204) return error_response(status);
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse SwiftService::object_get_or_head(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  const ReadOptions options{.newest = config_true(req.header("X-Newest"))};
  const auto read = store_.read_object(ctx.path.account, ctx.path.container, ctx.path.object, options, ctx.model);
  if (!read.version || is_expired(*read.version, ctx.now)) {
    // swob: "If-Match: *" fails on an object that is not there.
    if (lists_star(req.header("If-Match"))) return finish_condition(412, {});
    return error_response(404);
  }
  const ObjectVersion& v = *read.version;
  const bool manifest_get = req.query_value("multipart-manifest") == "get";
  if (is_slo_manifest(v)) return manifest_get ? slo_manifest_get(ctx, v) : slo_get_or_head(ctx, v);
  if (!v.manifest().empty() && !manifest_get) return dlo_get_or_head(ctx, v);

  HttpResponse r;
  add_object_headers(r, v);
  if (const auto cond = check_conditions(req, v.etag, v.ts)) return finish_condition(*cond, std::move(r));

  const std::uint64_t length = v.size();
  if (req.method == "HEAD") {  // swob ignores Range on HEAD
    r.head = true;
    r.declared_length = length;
    return r;
  }
  const Bytes body = v.body;
  serve_ranges(
      r, req.header("Range"), length,
      [&body](std::uint64_t start, std::uint64_t end) {
        SpanBody span;
        const Bytes part = body.slice(start, end - start);  // named: pieces() refers into it
        for (const auto& piece : part.pieces()) span.slices.push_back(piece);
        return span;
      },
      [this] { return random_.hex(32); });
  return r;
}

HttpResponse SwiftService::object_put(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (req.has_header("X-Copy-From")) {
    if (req.body.size() > 0 || parse_uint(req.header("Content-Length")).value_or(0) > 0)
      return error_response(400, "Copy requests require a zero byte body");
    const std::string raw = req.header("X-Copy-From");
    std::string src = percent_decode(raw, false).value_or(raw);
    if (!src.empty() && src.front() == '/') src.erase(0, 1);
    const auto slash = src.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == src.size())
      return error_response(412, "X-Copy-From header must be of the form <container name>/<object name>");
    if (req.has_header("X-Copy-From-Account") && req.header("X-Copy-From-Account") != ctx.path.account)
      return error_response(403);
    return copy_object(ctx, src.substr(0, slash), src.substr(slash + 1), ctx.path.container, ctx.path.object);
  }

  if (ctx.path.object.size() > kMaxObjectNameLength)
    return error_response(400, "Object name length of " + std::to_string(ctx.path.object.size()) + " longer than " +
                                   std::to_string(kMaxObjectNameLength));
  if (req.query_value("multipart-manifest") == "put") return slo_put(ctx);
  if (req.has_header(kSloHeader))
    return error_response(400, "X-Static-Large-Object is a reserved header. To create a static large object add "
                               "query param multipart-manifest=put.");
  if (req.has_header("If-None-Match")) {
    // The object server supports only "*": the write fails if any copy exists.
    if (req.header("If-None-Match") != "*") {
      HttpResponse e = error_response(400, "If-None-Match only supports *");
      e.headers["Content-Type"] = "text/plain";
      return e;
    }
    const auto current = store_.read_object(ctx.path.account, ctx.path.container, ctx.path.object, {.newest = true});
    if (current.version && !is_expired(*current.version, ctx.now)) return error_response(412);
  }
  const std::string te = req.header("Transfer-Encoding");
  if (!te.empty() && !iequals(te, "chunked")) return error_response(501);
  if (te.empty()) {
    if (!req.has_header("Content-Length")) return error_response(411);
    if (!parse_uint(req.header("Content-Length"))) return error_response(400, "Invalid Content-Length");
  }
  if (req.body.size() > kMaxFileSize) return error_response(413, "Your request is too large.");

  HttpResponse error;
  auto metadata = object_metadata_from_request(req, ctx.now, error);
  if (!metadata) return error;
  if (req.has_header("X-Object-Manifest") && !valid_manifest_header(req.header("X-Object-Manifest")))
    return error_response(400, "X-Object-Manifest must be in the format container/prefix");

  ObjectVersion v;
  v.body = req.body;
  v.etag = req.body.md5_hex();  // computed while the body arrived
  if (req.has_header("ETag") && normalize_etag(req.header("ETag")) != v.etag) return error_response(422);
  // No Content-Type: the proxy guesses one from the name.
  v.content_type = req.has_header("Content-Type") && !req.header("Content-Type").empty()
                       ? req.header("Content-Type")
                       : guess_content_type(ctx.path.object);
  v.metadata = std::move(*metadata);
  const std::string etag = v.etag;

  const auto w = store_.put_object(ctx.path.account, ctx.path.container, ctx.path.object, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) return write_failure(w.status);
  return created_response(etag, w.ts);
}

HttpResponse SwiftService::object_post(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  HttpResponse error;
  auto metadata = object_metadata_from_request(req, ctx.now, error);
  if (!metadata) return error;
  // A fast-POST's .meta file replaces every allowed system header too: one
  // not re-sent is gone (a DLO manifest POSTed without X-Object-Manifest
  // becomes a plain object). The store keeps system headers it is not
  // given, so absent ones are passed as empty values (shown as absent).
  for (const char* h : {"Content-Disposition", "Content-Encoding", "X-Delete-At", "X-Object-Manifest"})
    if (!metadata->count(h)) (*metadata)[h] = "";
  // The object server answers 404 for an object past its X-Delete-At. (A
  // check outside the request's recorded decisions: no model context.)
  const auto current = store_.read_object(ctx.path.account, ctx.path.container, ctx.path.object, {.newest = true});
  if (current.version && is_expired(*current.version, ctx.now)) return error_response(404);
  const auto w = store_.post_object(ctx.path.account, ctx.path.container, ctx.path.object, *metadata,
                                    req.header("Content-Type"), ctx.model);
  if (w.status != Store::WriteStatus::Ok) return write_failure(w.status);
  HttpResponse r = error_response(202, "<html><h1>Accepted</h1><p>The request is accepted for processing.</p></html>");
  return r;
}

int SwiftService::delete_object_status(const std::string& account, const std::string& container,
                                       const std::string& object, RequestContext* model) {
  const auto w = store_.delete_object(account, container, object, model);
  switch (w.status) {
    case Store::WriteStatus::Ok: return 204;
    case Store::WriteStatus::Unavailable: return 503;
    default: return 404;
  }
}

HttpResponse SwiftService::write_failure(Store::WriteStatus status) {
  // Below write quorum the proxy answers 503; otherwise the target is absent.
  // Replicas that answered 507 (full) still give the client a 503: Swift's
  // proxy error-limits them, tries handoffs, and only counts what it stored.
  return error_response(status == Store::WriteStatus::Unavailable ? 503 : 404);
}

}  // namespace stalemate::sim::swift
