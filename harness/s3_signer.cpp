#include "harness/s3_signer.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "common/url.h"
#include "sim/s3/sigv4.h"

namespace stalemate::harness {

namespace {
std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

void sign_s3_request(ClientRequest& req, const std::string& access_key, const std::string& secret_key,
                     const std::string& region, std::int64_t now_micros,
                     const std::string& payload_sha256_hex_or_unsigned) {
  namespace v4 = stalemate::sim::s3;
  const auto url = parse_url(req.url);
  if (!url) throw std::invalid_argument("sign_s3_request: not an absolute URL: " + req.url);

  const std::int64_t secs = now_micros >= 0 ? now_micros / 1000000 : (now_micros - 999999) / 1000000;
  const std::string amz_date = v4::format_amz_date(secs);
  const std::string date = amz_date.substr(0, 8);

  // Replace any earlier signature's headers (re-signing a retried request).
  for (const char* h : {"Authorization", "X-Amz-Date", "X-Amz-Content-Sha256", "Host"}) req.headers.erase(h);
  req.headers["X-Amz-Date"] = amz_date;
  req.headers["X-Amz-Content-Sha256"] = payload_sha256_hex_or_unsigned;

  // The Host value HttpClient will send (see set_request_fields in http_client.cpp).
  const std::string host = url->port == "80" ? url->host : url->host + ":" + url->port;
  std::vector<v4::CanonicalHeader> headers{{"host", host}};
  for (const auto& [name, value] : req.headers) {
    const std::string n = lower(name);
    if (n == "content-type" || n == "content-md5" || n.rfind("x-amz-", 0) == 0) headers.push_back({n, value});
  }
  std::sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string signed_names;
  for (const auto& h : headers) signed_names += (signed_names.empty() ? "" : ";") + h.name;

  const auto q = url->target.find('?');
  std::string path = url->target.substr(0, q);
  if (path.empty()) path = "/";
  const std::string query = q == std::string::npos ? std::string() : url->target.substr(q + 1);

  const std::string creq = v4::canonical_request(req.method, path, v4::canonical_query_string(query, false, false),
                                                 headers, payload_sha256_hex_or_unsigned);
  const v4::Credential cred{access_key, date, region, "s3", "aws4_request"};
  const std::string signature =
      v4::signature_hex(v4::signing_key(secret_key, date, region, "s3"), v4::string_to_sign(amz_date, cred.scope(), creq));
  req.headers["Authorization"] = std::string(v4::kSigV4Algorithm) + " Credential=" + access_key + "/" + cred.scope() +
                                 ", SignedHeaders=" + signed_names + ", Signature=" + signature;
}

}  // namespace stalemate::harness
