// S3Frontend::handle over a fresh Store: up to 8 requests (fuzz_request.h),
// each signed here with SigV4 (now, the default key pair, host, x-amz-date
// and x-amz-content-sha256, as written or the body's SHA-256) so that routing
// past authentication is reached; a request that carries its own
// Authorization header or X-Amz-Signature is sent as written.
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <string_view>

#include "common/crypto.h"
#include "fuzz_request.h"
#include "sim/model/store.h"
#include "sim/s3/s3_frontend.h"
#include "sim/s3/sigv4.h"

namespace s3 = stalemate::sim::s3;

static void sign(stalemate::HttpRequest& req, const stalemate::sim::S3Config& config) {
  const std::string date = s3::format_amz_date(std::time(nullptr));
  if (!req.has_header("x-amz-content-sha256")) req.headers["x-amz-content-sha256"] = req.body.sha256_hex();
  req.headers["x-amz-date"] = date;
  req.headers["Host"] = req.host;
  const std::vector<s3::CanonicalHeader> headers{
      {"host", req.host}, {"x-amz-content-sha256", req.header("x-amz-content-sha256")}, {"x-amz-date", date}};
  const s3::Credential cred{config.access_key, date.substr(0, 8), config.region, "s3", "aws4_request"};
  const std::string path = req.target.substr(0, req.target.find('?'));
  const std::string creq = s3::canonical_request(req.method, path.empty() ? "/" : path,
                                                 s3::canonical_query_string(req.raw_query, false, false), headers,
                                                 req.header("x-amz-content-sha256"));
  const std::string key = s3::signing_key(config.secret_key, cred.date, cred.region, cred.service);
  req.headers["Authorization"] = std::string(s3::kSigV4Algorithm) + " Credential=" + config.access_key + "/" +
                                 cred.scope() + ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
                                 s3::signature_hex(key, s3::string_to_sign(date, cred.scope(), creq));
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  stalemate::sim::Store store;
  stalemate::sim::S3Frontend s3front(store);
  for (std::string_view text : fuzz::split_requests({reinterpret_cast<const char*>(data), size})) {
    auto req = fuzz::request_from_text(text);
    if (!req) continue;
    if (!req->has_header("Authorization") && !req->has_query("X-Amz-Signature")) sign(*req, s3front.config());
    const stalemate::HttpResponse res = s3front.handle(*req);
    if (res.status < 100 || res.status > 599) __builtin_trap();
    (void)res.body_string();
  }
  return 0;
}
