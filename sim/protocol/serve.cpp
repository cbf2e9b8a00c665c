#include "sim/protocol/serve.h"

#include <algorithm>
#include <exception>

#include "common/time_format.h"

namespace stalemate::sim {

namespace {
// The catch-all's answer, itself guarded: a protocol that fails to render its
// 500 still yields a 500.
HttpResponse internal_error(Protocol& protocol, const HttpRequest& req, const std::string& detail,
                            const RequestContext* model) {
  try {
    return protocol.failure_response(req, 500, detail, model);
  } catch (...) {
    HttpResponse res;
    res.status = 500;
    return res;
  }
}

// `owned`, when given, is `in` itself, handed over: it is worked on in place
// instead of a copy (a request's header and query maps cost more to copy
// than a small request costs to serve).
HttpResponse serve_request(Store& store, Protocol& protocol, const HttpRequest& in, HttpRequest* owned) {
  HttpResponse res;
  std::int64_t now = 0;
  std::optional<RequestContext> model;
  try {
    now = protocol.now_wall();
    std::optional<HttpRequest> copy;
    HttpRequest& req = owned ? *owned : copy.emplace(in);  // bodies are shared, not copied
    if (auto early = protocol.answer_before_rules(req, now)) return std::move(*early);
    model.emplace(store.begin_request(protocol.request_info(req)));
    if (model->fail_status && !model->fail_applied) {
      res = protocol.failure_response(req, *model->fail_status, {}, &*model);  // FAIL: the store is not touched
    } else {
      res = protocol.route(req, now, *model);
      if (model->fail_status) res = protocol.failure_response(req, *model->fail_status, {}, &*model);  // applied anyway
    }
    if (model->cut_after) res.cut_after = std::min(res.cut_after.value_or(UINT64_MAX), *model->cut_after);
  } catch (const std::exception& e) {
    res = internal_error(protocol, in, e.what(), model ? &*model : nullptr);
  } catch (...) {
    res = internal_error(protocol, in, {}, model ? &*model : nullptr);
  }
  try {
    protocol.finalize(in, res, now ? now : now_micros(), model ? &*model : nullptr);
  } catch (...) {
    // The common headers are best effort; the response itself stands.
  }
  if (model) {
    try {
      store.end_request(std::move(*model), res.status, res.deliverable_bytes());  // its last use
    } catch (...) {
      // The event log is best effort too.
    }
  }
  return res;
}
}  // namespace

HttpResponse serve(Store& store, Protocol& protocol, const HttpRequest& request) {
  return serve_request(store, protocol, request, nullptr);
}

HttpResponse serve(Store& store, Protocol& protocol, HttpRequest&& request) {
  return serve_request(store, protocol, request, &request);
}

void apply_bodiless_rules(const HttpRequest& req, HttpResponse& res, std::optional<std::uint64_t> head_error_length) {
  if (req.method == "HEAD" && !res.head) {
    if (res.status < 300) res.declared_length = res.content_length();
    else res.declared_length = head_error_length;
    res.body.clear();
    res.head = true;
  }
  if (res.status == 204 || res.status == 304) {
    res.body.clear();
    res.declared_length.reset();
  }
}

}  // namespace stalemate::sim
