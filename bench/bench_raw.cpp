// Phase (a): raw PUT and GET of one object on the in-process fake Swift
// (through TempAuth) or fake S3 (SigV4, UNSIGNED-PAYLOAD for the streamed
// body), with a streamed generator body and a SHA-256 sink.
#include <algorithm>
#include <iostream>

#include "bench/bench.h"
#include "common/crypto.h"
#include "common/time_format.h"
#include "harness/fake_backend.h"
#include "harness/http_client.h"
#include "harness/layer_content.h"
#include "harness/s3_signer.h"
#include "sim/s3/sigv4.h"

namespace stalemate::bench {

using harness::ClientRequest;
using harness::ClientResponse;
using harness::HttpClient;

namespace {

constexpr std::uint64_t kRawSeed = 0xB0B0CAFE;

[[noreturn]] void fail_request(const std::string& what, const ClientResponse& r) {
  std::string msg = what + ": status " + std::to_string(r.status);
  if (!r.error.empty()) msg += ", transport error: " + r.error;
  if (!r.body.empty()) msg += ", body: " + r.body.substr(0, 200);
  throw BenchFailure(msg);
}

}  // namespace

nlohmann::json RawResult::to_json() const {
  return {
      {"backend", backend},
      {"object_bytes", size},
      {"runs", runs},
      {"put_seconds", put_seconds},
      {"get_seconds", get_seconds},
      {"put_best_mb_per_s", put_best_mbps},
      {"get_best_mb_per_s", get_best_mbps},
      {"put_best_mib_per_s", put_best_mbps * kMB / kMiB},
      {"get_best_mib_per_s", get_best_mbps * kMB / kMiB},
      {"get_sha256_verified", true},
      {"client_digest_seconds", digest_seconds},
      {"store_refs_to_body_buffer", replica_refs},
      {"object_replicas_present", replicas_present},
      {"logical_replica_bytes", logical_bytes},
      {"physical_payload_bytes", physical_bytes},
      {"backend_requests", backend_requests},
      {"rss_peak_mib_after_phase", rss_peak_mib},
      {"rss_now_mib_after_phase", rss_now_mib},
      {"row_peak_rss_mib", row_peak_rss_mib},
      {"live_bytes", live_bytes},
  };
}

RawResult run_raw(const Options& options, const std::string& type) {
  RawResult res;
  res.backend = type == "s3" ? "fake-s3" : "fake-swift";
  res.size = options.raw_size;
  res.runs = options.raw_runs;

  reset_peak_rss();
  harness::BackendSpec spec;  // defaults: 3 object replicas, 3 listing replicas, no lag, no faults
  spec.type = type;
  harness::FakeBackend backend(spec);
  const auto d = backend.describe();
  const HttpClient http(std::chrono::seconds(600));

  // How each request authenticates: a Swift token, or a SigV4 signature made
  // just before sending (the body hash: UNSIGNED-PAYLOAD for the streamed
  // PUT, the empty-body hash otherwise).
  std::string token, storage_url;
  auto authorize = [&](ClientRequest& req) {
    if (type == "s3") {
      const bool has_body = req.generator || !req.body.empty();
      harness::sign_s3_request(req, spec.s3.access_key, spec.s3.secret_key, spec.s3.region, now_micros(),
                               has_body ? sim::s3::kUnsignedPayload : sim::s3::kEmptySha256);
    } else {
      req.headers["X-Auth-Token"] = token;
    }
  };
  const int created_status = type == "s3" ? 200 : 201;

  if (type == "s3") {
    storage_url = d.at("endpoint").get<std::string>();
    ClientRequest cput;
    cput.method = "PUT";
    cput.url = storage_url + "/bench";
    authorize(cput);
    const auto cr = http.send(cput);
    if (cr.status != 200) fail_request("PUT " + cput.url + " (create bucket)", cr);
  } else {
    // TempAuth v1.
    ClientRequest auth;
    auth.method = "GET";
    auth.url = d.at("auth_url").get<std::string>();
    auth.headers["X-Auth-User"] = d.at("user").get<std::string>();
    auth.headers["X-Auth-Key"] = d.at("key").get<std::string>();
    const auto ar = http.send(auth);
    if (ar.status / 100 != 2) fail_request("TempAuth GET " + auth.url, ar);
    token = ar.header("X-Auth-Token");
    storage_url = ar.header("X-Storage-Url");
    if (token.empty() || storage_url.empty()) throw BenchFailure("TempAuth answered without X-Auth-Token/X-Storage-Url");

    ClientRequest cput;
    cput.method = "PUT";
    cput.url = storage_url + "/bench";
    authorize(cput);
    const auto cr = http.send(cput);
    if (cr.status != 201 && cr.status != 202) fail_request("PUT " + cput.url, cr);
  }

  const harness::LayerContent content(kRawSeed, options.raw_size);
  {
    Stopwatch sw;
    content.digest();  // not part of any timed transfer
    res.digest_seconds = sw.seconds();
  }
  const std::string object_url = storage_url + "/bench/obj";

  for (int run = 0; run < options.raw_runs; ++run) {
    ClientRequest put;
    put.method = "PUT";
    put.url = object_url;
    put.headers["Content-Type"] = "application/octet-stream";
    put.generator = [&content](std::uint64_t off, char* buf, std::size_t n) { content.fill(off, buf, n); };
    put.generator_size = options.raw_size;
    authorize(put);
    Stopwatch sw;
    const auto r = http.send(put);
    const double s = sw.seconds();
    if (r.status != created_status) fail_request("PUT " + object_url + " (run " + std::to_string(run + 1) + ")", r);
    res.put_seconds.push_back(s);
    std::cout << "  " << res.backend << " raw PUT run " << run + 1 << ": " << fmt(s, 3) << " s  " << fmt(mb_per_s(res.size, s), 1)
              << " MB/s" << std::endl;
  }

  for (int run = 0; run < options.raw_runs; ++run) {
    ClientRequest get;
    get.method = "GET";
    get.url = object_url;
    authorize(get);
    StreamingDigest sha("sha256");
    Stopwatch sw;
    const auto r = http.send(get, [&sha](const char* p, std::size_t n) { sha.update(p, n); }, 0);
    const double s = sw.seconds();
    if (r.status != 200 || !r.complete || !r.error.empty())
      fail_request("GET " + object_url + " (run " + std::to_string(run + 1) + ")", r);
    if (r.body_bytes != options.raw_size)
      throw BenchFailure("GET " + object_url + ": received " + std::to_string(r.body_bytes) + " bytes, expected " +
                         std::to_string(options.raw_size));
    const std::string seen = "sha256:" + sha.hex_final();
    if (seen != content.digest())
      throw BenchFailure("GET " + object_url + ": body hashes to " + seen + ", expected " + content.digest());
    res.get_seconds.push_back(s);
    std::cout << "  " << res.backend << " raw GET run " << run + 1 << ": " << fmt(s, 3) << " s  " << fmt(mb_per_s(res.size, s), 1)
              << " MB/s  (sha256 ok)" << std::endl;
  }

  res.put_best_mbps = mb_per_s(res.size, *std::min_element(res.put_seconds.begin(), res.put_seconds.end()));
  res.get_best_mbps = mb_per_s(res.size, *std::min_element(res.get_seconds.begin(), res.get_seconds.end()));

  // How the stored bytes are held: every replica's ObjectVersion points at the
  // same immutable buffer, so use_count (minus the copy read here) counts the
  // references to one physical copy.
  auto& store = backend.store();
  const std::string account = backend.account();
  const auto rr = store.read_object(account, "bench", "obj");
  if (!rr.version || rr.version->size() != options.raw_size)
    throw BenchFailure(res.backend + ": the store does not hold bench/obj with the expected size");
  res.replica_refs = static_cast<std::uint64_t>(rr.version->body.use_count() - 1);
  const auto dump = store.dump_object(account, "bench", "obj");
  for (const auto& o : dump.at("object_replicas"))
    if (o.value("state", "") == "present") ++res.replicas_present;
  res.logical_bytes = static_cast<std::uint64_t>(res.replicas_present) * options.raw_size;
  res.physical_bytes = options.raw_size;  // one buffer (checked by replica_refs)
  res.backend_requests = backend.requests_served();

  res.row_peak_rss_mib = peak_rss_since_reset_mib();
  res.live_bytes = store.unique_payload_bytes() + (options.raw_runs > 1 ? options.raw_size : 0);
  res.rss_peak_mib = peak_rss_mib();
  res.rss_now_mib = current_rss_mib();
  backend.stop();
  return res;
}

}  // namespace stalemate::bench
