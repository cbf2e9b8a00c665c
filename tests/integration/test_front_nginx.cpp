// The real nginx (Debian's nginx-light 1.22) driven into each row of
// /work/shared/docs/nginx-behaviour.md's two tables, on tmpfs filesystems of
// the tables' sizes (16 MiB spool, 3-12 MiB temp and cache filesystems, 8 MiB
// blobs), in front of an in-process upstream that answers like
// distribution's blob server. Each test asserts what the table says: the
// response, the error.log line, what reached the upstream and whether it was
// cached. Each mounts its own filesystems and always unmounts them.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../harness/test_support.h"
#include "common/crypto.h"
#include "common/json_reader.h"
#include "front_rig.h"
#include "harness/child_reaper.h"
#include "harness/front/front.h"
#include "harness/http_client.h"
#include "harness/registry_process.h"

namespace fs = std::filesystem;
using namespace stalemate;
using namespace stalemate::harness::front;
using stalemate::test::front::blob_bytes;
using stalemate::test::front::blob_path;
using stalemate::test::front::BlobUpstream;
using stalemate::test::front::upload_interleaved;
using stalemate::test::front::UploadResult;
using Clock = std::chrono::steady_clock;
using stalemate::harness::ClientResponse;

namespace {

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t kBlob = 8 * MiB;

FrontSpec spec_from(const std::string& json) {
  const auto j = nlohmann::json::parse(json);
  return parse_front_spec(JsonReader(j, "test", "/front"));
}

// A front in a fresh directory (removed after the front has unmounted).
struct FrontRig {
  test::TempDir dir;
  std::unique_ptr<Front> front;
  FrontRig(const std::string& json, std::vector<std::string> upstreams) {
    front = std::make_unique<Front>(spec_from(json), dir.path() / "front", std::move(upstreams));
  }
  ~FrontRig() { front.reset(); }
  unsigned short port() { return front->nginx().port(); }
  std::string url(const std::string& path) { return front->base_url() + path; }
};

ClientResponse get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  harness::HttpClient client(timeout);
  harness::ClientRequest req;
  req.url = url;
  return client.send(req, {}, 16 * MiB);
}

std::size_t count_status(const std::vector<UploadResult>& results, int status) {
  std::size_t n = 0;
  for (const auto& r : results) n += r.status == status;
  return n;
}

std::vector<ErrorLogRecord> of_kind(const std::vector<ErrorLogRecord>& all, FrontLogKind kind) {
  std::vector<ErrorLogRecord> out;
  for (const auto& r : all)
    if (r.kind == kind) out.push_back(r);
  return out;
}

std::string describe(const std::vector<UploadResult>& results) {
  std::string s;
  for (const auto& r : results)
    s += std::to_string(r.status) + (r.answered_early ? " early at " + std::to_string(r.sent_when_answered) : "") +
         (r.error.empty() ? "" : " (" + r.error + ")") + "; ";
  return s;
}

std::vector<std::string> bodies(std::size_t n, std::uint64_t size = kBlob) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(blob_bytes(size, 10 + i));
  return out;
}

// Bodies of which any two overlapping already overflow a 16 MiB spool, so the
// outcome does not hang on how evenly a loaded machine interleaves them.
constexpr std::uint64_t kOverflowingPair = 12 * MiB;

// Partial copies nginx leaves in the cache directory: "<md5 key>.NNNNNNNNNN".
std::vector<fs::path> orphaned_partials(const fs::path& cache_dir) {
  static const std::regex partial("[0-9a-f]{32}\\.[0-9]{10}");
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file() && std::regex_match(it->path().filename().string(), partial)) out.push_back(it->path());
  return out;
}

// The cache entries (files named by the key's md5) and each one's valid_sec,
// read from nginx's cache file header (version, then valid_sec as time_t).
std::vector<std::int64_t> cache_valid_secs(const fs::path& cache_dir) {
  static const std::regex entry("[0-9a-f]{32}");
  std::vector<std::int64_t> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(cache_dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file() || !std::regex_match(it->path().filename().string(), entry)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::uint64_t version = 0;
    std::int64_t valid_sec = 0;
    in.read(reinterpret_cast<char*>(&version), 8);
    in.read(reinterpret_cast<char*>(&valid_sec), 8);
    if (in) out.push_back(valid_sec);
  }
  return out;
}

std::int64_t now_sec() { return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

// nginx logs a refused upload when the connection is finally closed (after
// its lingering close), so the access log is awaited, not read at once.
std::vector<AccessRecord> await_access(Front& front, const std::string& method, std::size_t n) {
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  while (true) {
    auto all = front.access();
    std::size_t seen = 0;
    for (const auto& a : all) seen += a.method == method;
    if (seen >= n || Clock::now() >= deadline) return all;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll, bounded by the deadline
  }
}

const AccessRecord* access_for(const std::vector<AccessRecord>& all, const std::string& request_id) {
  for (const auto& a : all)
    if (a.request_id == request_id) return &a;
  return nullptr;
}

}  // namespace

// ---- Table 1: short answers ----

TEST_CASE("front 1a 1b: a full spool answers 500 mid-upload and forwards nothing", "[front][nginx][1a][1b]") {
  BlobUpstream up;
  FrontRig rig(R"({"filesystems": {"spool": "16MiB", "temp": "16MiB"}})", {up.address()});
  const auto results =
      upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/u1", bodies(3, kOverflowingPair), false);
  INFO(describe(results));
  rig.front->sampler().stop();
  const std::size_t failed = count_status(results, 500);
  REQUIRE(failed >= 1);
  REQUIRE(failed + count_status(results, 202) == results.size());
  for (const auto& r : results) {
    if (r.status != 500) continue;
    CHECK(r.head.find("Connection: close") != std::string::npos);
  }
  // Sampled every 100 ms, the peak is a lower bound of the real one (the spool fills within milliseconds).
  INFO("spool peak sampled: " << rig.front->sampler().peak("spool"));
  CHECK(rig.front->sampler().samples().size() >= 2);
  CHECK(rig.front->sampler().peak("spool") <= 16 * MiB);

  const auto access = await_access(*rig.front, "PATCH", results.size());
  auto errors = parse_error_log(read_text_file(rig.front->layout().error_log), rig.front->dirs());
  attach_request_ids(errors, access);
  const auto spool = of_kind(errors, FrontLogKind::SpoolWriteFailed);
  REQUIRE(spool.size() >= failed);
  for (const auto& e : spool) {
    INFO(e.line);
    CHECK(e.level == "crit");
    CHECK((e.syscall == "pwrite()" || e.syscall == "pwritev()"));
    CHECK(e.no_space());
    CHECK(e.summary().rfind("spool full (pwrite", 0) == 0);
    REQUIRE(!e.request_id.empty());
    const AccessRecord* a = access_for(access, e.request_id);
    REQUIRE(a);
    CHECK(a->status == 500);
    // 1a: answered while the client was still uploading: nginx had read only part of the body
    // (the client's own view is blurred by megabytes of socket buffers on loopback).
    CHECK(a->request_length < kOverflowingPair);
    // 1b: nginx never asked the upstream, and no part of the body reached it.
    CHECK(!a->upstream_status);
    for (const auto& u : up.requests()) CHECK(u.request_id != e.request_id);
  }
  // Everything that did reach the upstream was a whole body.
  CHECK(up.count("PATCH") == count_status(results, 202));
  for (const auto& u : up.requests()) CHECK(u.body_bytes == kOverflowingPair);
}

TEST_CASE("front 1c q1b: request buffering off with HTTP/1.0 streams Content-Length uploads but still spools chunked ones",
          "[front][nginx][1c][q1b]") {
  BlobUpstream up;
  FrontRig rig(R"({"proxy_request_buffering": false, "filesystems": {"spool": "16MiB"}})", {up.address()});
  const auto with_length = upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/cl", bodies(3), false);
  INFO("Content-Length: " << describe(with_length));
  CHECK(count_status(with_length, 202) == 3);
  CHECK(of_kind(rig.front->errors(), FrontLogKind::SpoolWriteFailed).empty());
  CHECK(up.count("PATCH") == 3);
  // Each request reached the upstream with nginx's $request_id, the key the access log is joined on.
  const auto access = await_access(*rig.front, "PATCH", 3);
  for (const auto& u : up.requests()) {
    REQUIRE(u.request_id.size() == 32);
    const AccessRecord* a = access_for(access, u.request_id);
    REQUIRE(a);
    CHECK(a->status == 202);
    CHECK(a->upstream_status == 202);
    CHECK(a->request_length > kBlob);
  }

  // One chunked body larger than the spool: streamed it would pass, spooled it cannot.
  const auto chunked =
      upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/ch", {blob_bytes(20 * MiB, 30)}, true);
  INFO("chunked: " << describe(chunked));
  CHECK(count_status(chunked, 500) == 1);
  const auto spool = of_kind(rig.front->errors(), FrontLogKind::SpoolWriteFailed);
  CHECK(spool.size() >= count_status(chunked, 500));
  for (const auto& e : spool) CHECK(e.request.rfind("PATCH /v2/front/test/blobs/uploads/ch", 0) == 0);
}

TEST_CASE("front 1d q1c: request buffering off with HTTP/1.1 streams every upload, the spool stays unused",
          "[front][nginx][1d][q1c]") {
  BlobUpstream up;
  FrontRig rig(R"({"proxy_request_buffering": false, "proxy_http_version": "1.1", "filesystems": {"spool": "16MiB"}})",
               {up.address()});
  const auto with_length = upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/cl", bodies(3), false);
  const auto chunked = upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/ch", bodies(3), true);
  INFO(describe(with_length) << " / " << describe(chunked));
  CHECK(count_status(with_length, 202) == 3);
  CHECK(count_status(chunked, 202) == 3);
  rig.front->sampler().stop();
  CHECK(rig.front->sampler().peak("spool") < 1 * MiB);
  CHECK(rig.front->errors().empty());
  CHECK(up.count("PATCH") == 6);
}

TEST_CASE("front q1d: a client_body_buffer_size above the body keeps uploads in memory", "[front][nginx][q1d]") {
  BlobUpstream up;
  FrontRig rig(R"({"client_body_buffer_size": "9MiB", "filesystems": {"spool": "16MiB"}})", {up.address()});
  const auto with_length = upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/cl", bodies(3), false);
  const auto chunked = upload_interleaved(rig.port(), "/v2/front/test/blobs/uploads/ch", bodies(3), true);
  INFO(describe(with_length) << " / " << describe(chunked));
  CHECK(count_status(with_length, 202) == 3);
  CHECK(count_status(chunked, 202) == 3);
  rig.front->sampler().stop();
  CHECK(rig.front->sampler().peak("spool") < 1 * MiB);
  CHECK(of_kind(rig.front->errors(), FrontLogKind::SpoolWriteFailed).empty());
}

TEST_CASE("front 2a q2a: a short upstream body with Content-Length is passed on truncated and not cached",
          "[front][nginx][2a][q2a]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "32MiB"}})", {up.address()});
  up.cut_full_gets_after(3 * MiB);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = get(rig.url(blob_path(digest)));
    INFO("attempt " << attempt << ": " << r.error);
    CHECK(r.status == 200);
    CHECK(r.header("Content-Length") == std::to_string(kBlob));
    CHECK(r.body_bytes == 3 * MiB);
    CHECK(!r.complete);
    CHECK(r.body == blob.substr(0, r.body.size()));
    CHECK(r.header("X-Cache-Status") == "MISS");  // not cached: the second attempt is a MISS again
  }
  CHECK(up.count("GET") == 2);
  const auto closed = of_kind(rig.front->errors(), FrontLogKind::UpstreamPrematureClose);
  REQUIRE(closed.size() == 2);
  CHECK(closed[0].level == "error");
  CHECK(closed[0].message.find("while reading upstream") != std::string::npos);
  CHECK(!closed[0].request_id.empty());
  // Healed, it is fetched whole and then served from the cache.
  up.heal();
  CHECK(get(rig.url(blob_path(digest))).header("X-Cache-Status") == "MISS");
  const auto hit = get(rig.url(blob_path(digest)));
  CHECK(hit.header("X-Cache-Status") == "HIT");
  CHECK(sha256_hex(hit.body) == digest.substr(7));
}

namespace {
// An upstream without Content-Length (close-delimited), which the sim server
// cannot produce: the raw test server answers each connection and closes.
struct CloseDelimitedUpstream {
  std::string blob = blob_bytes(kBlob, 7);
  std::string digest = "sha256:" + sha256_hex(blob);
  std::atomic<bool> fixed{false};
  std::uint64_t cut = 3 * MiB;
  test::RawServer server{[this](const std::string& raw) {
    // "/nocl": no Content-Length, cut at `cut` until fixed; "/cl": always whole with Content-Length.
    const bool with_length = raw.find(" /cl") != std::string::npos || fixed.load();
    std::string head = "HTTP/1.1 200 OK\r\nETag: \"" + digest + "\"\r\nDocker-Content-Digest: " + digest +
                       "\r\nCache-Control: max-age=31536000\r\nContent-Type: application/octet-stream\r\n"
                       "Connection: close\r\n";
    if (with_length) return head + "Content-Length: " + std::to_string(blob.size()) + "\r\n\r\n" + blob;
    return head + "\r\n" + blob.substr(0, cut);
  }};
  std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }
};
}  // namespace

TEST_CASE("front 2b: a short upstream body without Content-Length is cached and served short after the fix",
          "[front][nginx][2b]") {
  CloseDelimitedUpstream up;
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "32MiB", "location_regex": "/nocl"}})",
               {up.address()});
  const auto first = get(rig.url("/nocl/blob"));
  INFO(first.error);
  CHECK(first.status == 200);
  CHECK(!first.has_header("Content-Length"));
  CHECK(first.body_bytes == up.cut);
  CHECK(first.complete);  // a clean close: nothing tells the client it is short
  CHECK(first.header("X-Cache-Status") == "MISS");
  up.fixed = true;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto later = get(rig.url("/nocl/blob"));
    CHECK(later.header("X-Cache-Status") == "HIT");
    CHECK(later.body_bytes == up.cut);
    CHECK(later.header("Transfer-Encoding") == "chunked");
    CHECK(later.header("Docker-Content-Digest") == up.digest);  // the true digest over the short body
    CHECK(later.body == up.blob.substr(0, up.cut));
  }
  CHECK(up.server.requests().size() == 1);
  CHECK(rig.front->errors().empty());
  const auto access = await_access(*rig.front, "GET", 3);
  REQUIRE(access.size() == 3);
  CHECK(access[0].cache_status == "MISS");
  CHECK(access[2].cache_status == "HIT");
  CHECK(!access[2].upstream_status);
}

TEST_CASE("front 2c: a proxy temp file on a full filesystem gives every client a correct prefix",
          "[front][nginx][2c]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"filesystems": {"temp": "3MiB"}, "cache": {"filesystem": "32MiB"}})", {up.address()});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = get(rig.url(blob_path(digest)));
    INFO("attempt " << attempt << ": " << r.error << ", " << r.body_bytes << " bytes");
    CHECK(r.status == 200);
    CHECK(r.header("Content-Length") == std::to_string(kBlob));
    CHECK(!r.complete);
    CHECK(r.body_bytes <= 3 * MiB);
    CHECK(r.body_bytes > 0);
    CHECK(r.body == blob.substr(0, r.body.size()));
    CHECK(r.header("X-Cache-Status") == "MISS");
  }
  const auto temp = of_kind(rig.front->errors(), FrontLogKind::TempWriteFailed);
  REQUIRE(temp.size() >= 2);
  CHECK(temp[0].level == "crit");
  CHECK(temp[0].no_space());
  CHECK(temp[0].message.find("while reading upstream") != std::string::npos);
}

TEST_CASE("front 2d: a full cache filesystem fed from another one serves whole bodies and leaves partial copies",
          "[front][nginx][2d]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "4MiB"}})", {up.address()});
  for (int attempt = 0; attempt < 2; ++attempt) {
    const auto r = get(rig.url(blob_path(digest)));
    INFO("attempt " << attempt << ": " << r.error);
    CHECK(r.status == 200);
    CHECK(r.complete);
    CHECK(sha256_hex(r.body) == digest.substr(7));
    CHECK(r.header("X-Cache-Status") == "MISS");  // never cached
  }
  CHECK(up.count("GET") == 2);
  const auto cache = of_kind(rig.front->errors(), FrontLogKind::CacheWriteFailed);
  REQUIRE(!cache.empty());
  CHECK(cache[0].level == "alert");
  CHECK(cache[0].syscall == "write()");
  CHECK(cache[0].err == 28);
  // The partial copies stay behind.
  CHECK(orphaned_partials(rig.front->layout().cache_dir).size() >= 1);
}

TEST_CASE("front 3a q4f: a well-formed 206 slice with wrong bytes is cached for a year", "[front][nginx][3a][q4f]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "32MiB", "slice": "1MiB",
                   "valid": [{"codes": [200, 206], "time": "1d"}]}})",
               {up.address()});
  up.shift_range_at(1 * MiB, 1 * MiB);  // slice 1 answers with slice 2's bytes
  const auto first = get(rig.url(blob_path(digest)));
  INFO(first.error);
  CHECK(first.status == 200);
  CHECK(first.header("Content-Length") == std::to_string(kBlob));
  CHECK(first.complete);
  REQUIRE(first.body.size() == kBlob);
  CHECK(sha256_hex(first.body) != digest.substr(7));
  // Only that slice differs.
  CHECK(first.body.substr(0, MiB) == blob.substr(0, MiB));
  CHECK(first.body.substr(MiB, MiB) == blob.substr(2 * MiB, MiB));
  CHECK(first.body.substr(2 * MiB) == blob.substr(2 * MiB));
  const std::size_t fetched = up.requests().size();
  CHECK(fetched == kBlob / MiB);

  up.heal();
  const auto later = get(rig.url(blob_path(digest)));
  CHECK(later.header("X-Cache-Status") == "HIT");
  CHECK(later.body == first.body);  // still wrong after the upstream is fixed
  CHECK(up.requests().size() == fetched);
  CHECK(rig.front->errors().empty());
  // q4f: the upstream's max-age wins over proxy_cache_valid 1d.
  const auto valid = cache_valid_secs(rig.front->layout().cache_dir);
  REQUIRE(valid.size() == kBlob / MiB);
  for (auto v : valid) CHECK(v - now_sec() > 364 * 86400);
}

TEST_CASE("front q4f: proxy_ignore_headers Cache-Control lets proxy_cache_valid decide", "[front][nginx][q4f]") {
  BlobUpstream up;
  const std::string digest = up.add(blob_bytes(2 * MiB));
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "32MiB",
                   "valid": [{"codes": [200, 206], "time": "1d"}], "ignore_headers": ["Cache-Control", "Expires"]}})",
               {up.address()});
  CHECK(get(rig.url(blob_path(digest))).header("X-Cache-Status") == "MISS");
  CHECK(get(rig.url(blob_path(digest))).header("X-Cache-Status") == "HIT");
  const auto valid = cache_valid_secs(rig.front->layout().cache_dir);
  REQUIRE(valid.size() == 1);
  CHECK(valid[0] - now_sec() > 86400 - 120);
  CHECK(valid[0] - now_sec() <= 86400);
}

TEST_CASE("front 3b: a short 206 slice shifts the rest of the body and holds the connection",
          "[front][nginx][3b]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"keepalive_timeout": "2s", "filesystems": {"temp": "32MiB"},
                   "cache": {"filesystem": "32MiB", "slice": "1MiB"}})",
               {up.address()});
  up.short_range_at(1 * MiB, 512 << 10);
  const auto start = Clock::now();
  const auto r = get(rig.url(blob_path(digest)), std::chrono::seconds(20));
  const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  INFO(r.error << "; held " << held.count() << " ms");
  CHECK(r.status == 200);
  CHECK(r.header("Content-Length") == std::to_string(kBlob));
  CHECK(!r.complete);
  REQUIRE(r.body_bytes == kBlob - (512 << 10));
  CHECK(r.body.substr(0, MiB + (512 << 10)) == blob.substr(0, MiB + (512 << 10)));
  CHECK(r.body.substr(MiB + (512 << 10)) == blob.substr(2 * MiB));  // shifted by 512 KiB
  // Held open until keepalive_timeout (2 s here; 75 s by default), not until a send or read timeout.
  CHECK(held >= std::chrono::milliseconds(1500));
  CHECK(held < std::chrono::milliseconds(6000));
  const auto closed = of_kind(rig.front->errors(), FrontLogKind::UpstreamPrematureClose);
  REQUIRE(closed.size() == 1);
  CHECK(!closed[0].subrequest.empty());
  // Healed: only the short slice is fetched again; the others were cached.
  const std::size_t before = up.requests().size();
  up.heal();
  const auto again = get(rig.url(blob_path(digest)));
  CHECK(sha256_hex(again.body) == digest.substr(7));
  const auto requests = up.requests();
  REQUIRE(requests.size() == before + 1);
  CHECK(requests.back().range == "bytes=1048576-2097151");
}

// ---- Table 2: directives that would (or would not) have prevented each failure ----

TEST_CASE("front q4a: proxy_no_cache on a missing Content-Length keeps short bodies out of the cache",
          "[front][nginx][q4a]") {
  CloseDelimitedUpstream up;
  FrontRig rig(R"({"filesystems": {"temp": "32MiB"},
                   "cache": {"filesystem": "32MiB", "location_regex": "^/(nocl|cl)/"},
                   "extra": {"http": "map $upstream_http_content_length $no_content_length { \"\" 1; default 0; }",
                             "location": "proxy_no_cache $no_content_length;"}})",
               {up.address()});
  CHECK(get(rig.url("/nocl/blob")).header("X-Cache-Status") == "MISS");
  CHECK(get(rig.url("/nocl/blob")).header("X-Cache-Status") == "MISS");
  up.fixed = true;
  const auto fixed = get(rig.url("/nocl/blob"));
  CHECK(fixed.header("X-Cache-Status") == "MISS");
  CHECK(fixed.body_bytes == kBlob);
  const auto hit = get(rig.url("/nocl/blob"));
  CHECK(hit.header("X-Cache-Status") == "HIT");
  CHECK(hit.body_bytes == kBlob);
  // Blobs with Content-Length are still cached.
  CHECK(get(rig.url("/cl/blob")).header("X-Cache-Status") == "MISS");
  CHECK(get(rig.url("/cl/blob")).header("X-Cache-Status") == "HIT");
}

TEST_CASE("front q4d: proxy_max_temp_file_size 0 does not stop truncation of cacheable responses",
          "[front][nginx][q4d]") {
  BlobUpstream up;
  const std::string blob = blob_bytes(kBlob);
  const std::string digest = up.add(blob);
  FrontRig rig(R"({"filesystems": {"temp": "3MiB"}, "cache": {"filesystem": "32MiB"},
                   "extra": {"location": "proxy_max_temp_file_size 0;"}})",
               {up.address()});
  const auto r = get(rig.url(blob_path(digest)));
  CHECK(r.status == 200);
  CHECK(!r.complete);
  CHECK(r.body_bytes < kBlob);
  CHECK(r.body == blob.substr(0, r.body.size()));
  CHECK(!of_kind(rig.front->errors(), FrontLogKind::TempWriteFailed).empty());
}

TEST_CASE("front q4e: max_size below the filesystem does not count the temp file in flight",
          "[front][nginx][q4e]") {
  BlobUpstream up;
  const std::string blob1 = blob_bytes(kBlob, 1), blob2 = blob_bytes(kBlob, 2);
  const std::string full1 = up.add(blob1), full2 = up.add(blob2);
  FrontRig rig(R"({"filesystems": {"temp": "cache"}, "cache": {"filesystem": "12MiB", "max_size": "10MiB"}})",
               {up.address()});
  CHECK(get(rig.url(blob_path(full1))).complete);
  CHECK(get(rig.url(blob_path(full1))).header("X-Cache-Status") == "HIT");
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto r = get(rig.url(blob_path(full2)));
    INFO("attempt " << attempt);
    CHECK(r.status == 200);
    CHECK(!r.complete);
    CHECK(r.body_bytes < kBlob);
    CHECK(r.body == blob2.substr(0, r.body.size()));
  }
  const auto stays = get(rig.url(blob_path(full1)));
  CHECK(stays.header("X-Cache-Status") == "HIT");
  CHECK(sha256_hex(stays.body) == full1.substr(7));
  CHECK(!of_kind(rig.front->errors(), FrontLogKind::TempWriteFailed).empty());
}

TEST_CASE("front q2d: temp files on the cache filesystem (or use_temp_path off) leave no partial copies",
          "[front][nginx][q2d]") {
  for (const char* json : {R"({"filesystems": {"temp": "cache"}, "cache": {"filesystem": "4MiB"}})",
                           R"({"filesystems": {"temp": "32MiB"}, "cache": {"filesystem": "4MiB", "use_temp_path": false}})"}) {
    INFO(json);
    BlobUpstream up;
    const std::string digest = up.add(blob_bytes(kBlob));
    FrontRig rig(json, {up.address()});
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto r = get(rig.url(blob_path(digest)));
      CHECK(r.status == 200);
      CHECK(r.header("X-Cache-Status") == "MISS");
    }
    CHECK(orphaned_partials(rig.front->layout().cache_dir).empty());
    // No cross-filesystem copy: the temp file fails in place (a truncated response, as in 2c).
    const auto errors = rig.front->errors();
    std::string lines;
    for (const auto& e : errors) lines += e.line + "\n";
    INFO(lines);
    CHECK(of_kind(errors, FrontLogKind::CacheWriteFailed).empty());
    CHECK(!of_kind(errors, FrontLogKind::TempWriteFailed).empty());
    CHECK(fs_use(rig.front->layout().cache_mount).used < 256 * 1024);  // clean afterwards
  }
}

TEST_CASE("front q4c: min_free helps only once the cache manager has run, then entries thrash",
          "[front][nginx][q4c]") {
  BlobUpstream up;
  const std::string blob1 = blob_bytes(kBlob, 1), blob2 = blob_bytes(kBlob, 2);
  const std::string full1 = up.add(blob1), full2 = up.add(blob2);
  FrontRig rig(R"({"filesystems": {"temp": "cache"}, "cache": {"filesystem": "12MiB", "min_free": "9MiB"}})",
               {up.address()});
  CHECK(get(rig.url(blob_path(full1))).complete);
  // The request in flight still fails: the cache manager has not run yet.
  const auto in_flight = get(rig.url(blob_path(full2)));
  CHECK(!in_flight.complete);
  CHECK(in_flight.body_bytes < kBlob);
  // Once the cache manager has evicted full1 to restore min_free, full2 fits (about 10-15 s).
  const auto deadline = Clock::now() + std::chrono::seconds(40);
  bool whole = false;
  int tries = 0;
  while (!whole && Clock::now() < deadline) {
    ++tries;
    whole = get(rig.url(blob_path(full2))).complete;
    if (!whole) std::this_thread::sleep_for(std::chrono::seconds(1));  // the cache manager's pace; bounded by the deadline
  }
  INFO(tries << " tries");
  REQUIRE(whole);
  CHECK(tries > 1);
  // … and now full1 is gone and its next fetch is truncated in turn.
  const auto again = get(rig.url(blob_path(full1)));
  CHECK(again.header("X-Cache-Status") == "MISS");
  CHECK(!again.complete);
}

TEST_CASE("front: a config nginx -t rejects is a scenario error, and nothing stays mounted", "[front][nginx][lifecycle]") {
  BlobUpstream up;
  test::TempDir dir;
  const auto spec = spec_from(R"({"filesystems": {"spool": "1MiB", "temp": "1MiB"},
                                  "extra": {"location": "proxy_bogus_directive on;"}})");
  try {
    Front front(spec, dir.path() / "front", {up.address()});
    FAIL("nginx started");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("nginx -t rejected"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("unknown directive \"proxy_bogus_directive\""));
  }
  CHECK(!is_mount_point(dir.path() / "front" / "spool"));
  CHECK(!is_mount_point(dir.path() / "front" / "temp"));
}

TEST_CASE("front: a tmpfs is mounted with its size, unmounted by its destructor and by the Ctrl-C path",
          "[front][mount]") {
  test::TempDir dir;
  const fs::path at = dir.path() / "fs";
  {
    TmpfsMount m(at, 2 * MiB);
    CHECK(is_mount_point(at));
    CHECK(fs_use(at).total == 2 * MiB);
  }
  CHECK(!is_mount_point(at));

  // A process that mounts and then gets SIGINT (the reaper's Die mode) leaves nothing mounted.
  const pid_t child = ::fork();
  if (child == 0) {
    try {
      harness::install_child_reaper(harness::OnInterrupt::Die);
      TmpfsMount m(at, 1 * MiB);
      ::raise(SIGINT);
    } catch (...) {
    }
    ::_exit(0);  // not reached after SIGINT
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGINT);
  CHECK(!is_mount_point(at));
}

TEST_CASE("front: a refused mount stops the front with an infrastructure error, and what was mounted is unmounted",
          "[front][mount]") {
  BlobUpstream up;
  test::TempDir dir;
  int calls = 0;
  // The spool mounts; the temp filesystem is refused, as for a user without CAP_SYS_ADMIN.
  const auto second_refused = [&calls](const fs::path& target, const std::string& options) {
    return ++calls == 1 ? TmpfsMount::system_mount(target, options) : EPERM;
  };
  try {
    Front front(spec_from(R"({"filesystems": {"spool": "1MiB", "temp": "1MiB"}})"), dir.path() / "front",
                {up.address()}, second_refused);
    FAIL("front started");
  } catch (const harness::InfrastructureError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("needs root (CAP_SYS_ADMIN)"));
  }
  CHECK(calls == 2);
  CHECK(!is_mount_point(dir.path() / "front" / "spool"));
}
