// The Amazon S3 REST API on top of the replicated Store: what distribution's
// s3-aws driver (aws-sdk-go) sends — SigV4 (header and presigned), buckets,
// ListObjects v1/v2, objects, CopyObject, DeleteObjects and multipart
// uploads. Plain request in, response out: no sockets here (sim/server
// carries it). Multipart state lives in the store too (hidden containers
// "<bucket>+parts" and "<bucket>+uploads"), so replication and listing lag
// and the fault rules apply to it as to any object.
#pragma once

#include <memory>
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
};

class S3Frontend {
 public:
  S3Frontend(Store& store, S3Config config = {});
  ~S3Frontend();

  HttpResponse handle(const HttpRequest& request);  // never throws
  const S3Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace stalemate::sim
