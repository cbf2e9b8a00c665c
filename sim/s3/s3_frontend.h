// The Amazon S3 REST API on top of the replicated Store: what distribution's
// s3-aws driver (aws-sdk-go) sends — SigV4 (header and presigned), buckets,
// ListObjects v1/v2, objects, CopyObject, DeleteObjects and multipart
// uploads. Plain request in, response out: no sockets here (sim/server
// carries it). Multipart state lives in the store too (hidden containers
// "<bucket>+parts" and "<bucket>+uploads"), so replication and listing lag
// and the fault rules apply to it as to any object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/http_types.h"
#include "sim/model/store.h"

namespace stalemate::sim {

struct S3Config {
  std::string account = "s3";  // store account holding the buckets (one bucket = one store container)
  std::string access_key = "STALEMATEACCESSKEY";
  std::string secret_key = "stalemate/secret/key/0123456789abcdefghij";
  std::string region = "us-east-1";
  std::string domain = "";  // virtual-host style: "<bucket>.<domain>" Host headers; "" = path style only
  // The clients' clock (microseconds since the epoch) that X-Amz-Date is
  // compared with; empty = the system clock. Tests pin it. The model's clock
  // (store time, which virtual time and CLOCK steps move) still decides
  // presigned expiry, Date and Last-Modified.
  std::function<std::int64_t()> wall_clock;
  std::int64_t max_skew_s = 900;  // S3 refuses requests dated further than 15 minutes away
};

class S3Frontend {
 public:
  S3Frontend(Store& store, S3Config config = {});
  ~S3Frontend();

  HttpResponse handle(const HttpRequest& request);  // never throws
  // An HttpPrecheck: run on the headers before the body is read (and before
  // 100 Continue); a response (SigV4 refusals, bad names) refuses the request
  // unread, nullopt lets it go on. Never touches the fault rules.
  std::optional<HttpResponse> precheck(const HttpRequest& request);
  // An HttpErrorRenderer: S3's <Error> document for errors the HTTP server
  // makes itself (400, 408, 411, 413, 414, 431, and 503 SlowDown).
  HttpResponse protocol_error(int status, const std::string& message);
  const S3Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::sim
