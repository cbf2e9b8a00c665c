// One request path for every protocol front-end (issue 16.5, after
// FoundationDB's MockS3ServerChaos and Toxiproxy's ToxicStub): what is
// decided before the rules, then begin → FAIL before → route → FAIL after →
// CUT → (any exception: 500) → finalize → end, written once. end_request is
// called exactly once for every request the model saw. Each protocol
// supplies its checks, routing, error format and finalisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/http_types.h"
#include "sim/model/request_context.h"
#include "sim/model/store.h"

namespace stalemate::sim {

class Protocol {
 public:
  virtual ~Protocol() = default;

  // The model's wall clock for this request (microseconds since the epoch).
  virtual std::int64_t now_wall() const = 0;
  // What is decided before any fault rule is matched (syntax, credentials,
  // names): a finished response, which the model never sees, or nullopt to
  // go on. May replace the body (S3 decodes aws-chunked bodies here).
  virtual std::optional<HttpResponse> answer_before_rules(HttpRequest& req, std::int64_t now) = 0;
  // The request as the rules and the event log see it.
  virtual RequestInfo request_info(const HttpRequest& req) const = 0;
  virtual HttpResponse route(const HttpRequest& req, std::int64_t now, RequestContext& model) = 0;
  // The answer of a FAIL rule with `status`, or (status 500, `detail` the
  // exception's text) of an unexpected failure. `model` is null when the
  // failure came before the model saw the request.
  virtual HttpResponse failure_response(const HttpRequest& req, int status, const std::string& detail,
                                      const RequestContext* model) = 0;
  // The headers every response carries, and the body rules of HEAD/204/304.
  virtual void finalize(const HttpRequest& req, HttpResponse& res, std::int64_t now, const RequestContext* model) = 0;
};

// Never throws.
HttpResponse serve(Store& store, Protocol& protocol, const HttpRequest& request);
// The same for a request the caller gives up: served in place, without a
// copy. answer_before_rules' changes (S3's decoded body) are then what the
// failure answers and finalize see too.
HttpResponse serve(Store& store, Protocol& protocol, HttpRequest&& request);

// The body rules both protocols share: a HEAD answer has no body (a success
// announces the length GET would have had; an error announces
// `head_error_length`, or none when nullopt); 204 and 304 carry neither body
// nor length.
void apply_bodiless_rules(const HttpRequest& req, HttpResponse& res, std::optional<std::uint64_t> head_error_length);

}  // namespace stalemate::sim
