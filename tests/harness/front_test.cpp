// The nginx front's building blocks without nginx: the strict FrontSpec
// parser, the config writer, the error/access log records (on the lines of
// nginx-behaviour.md's tables), a mount that is refused, and the sampler.
#include <catch2/catch.hpp>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "harness/front/front_spec.h"
#include "harness/front/fs_sampler.h"
#include "harness/front/nginx_conf.h"
#include "harness/front/nginx_logs.h"
#include "harness/front/tmpfs_mount.h"
#include "harness/registry_process.h"
#include "test_support.h"

using namespace stalemate;
using namespace stalemate::harness::front;

namespace {
FrontSpec parse(const std::string& json) {
  const auto j = nlohmann::json::parse(json);
  return parse_front_spec(JsonReader(j, "s.json", "/front"));
}
std::string parse_error(const std::string& json) {
  try {
    parse(json);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("FrontSpec: knobs with units, defaults and every cache field", "[front][spec]") {
  const auto s = parse(R"({"client_body_buffer_size": "9MiB", "proxy_request_buffering": false,
    "proxy_http_version": "1.1", "keepalive_timeout": "2s", "filesystems": {"spool": "16MiB", "temp": "cache"},
    "cache": {"filesystem": "12MiB", "max_size": "10MiB", "min_free": "9MiB", "use_temp_path": false,
              "valid": [{"codes": [200, 206], "time": "1d"}], "slice": "1MiB",
              "ignore_headers": ["Cache-Control", "Expires"]},
    "extra": {"location": "proxy_max_temp_file_size 0;"}})");
  CHECK(s.client_body_buffer_size == 9u << 20);
  CHECK(!s.proxy_request_buffering);
  CHECK(s.proxy_http_version == "1.1");
  CHECK(s.keepalive_timeout_ms == 2000);
  CHECK(s.spool_fs_size == 16u << 20);
  CHECK(s.temp_placement == TempPlacement::CacheFs);
  REQUIRE(s.cache);
  CHECK(*s.cache->max_size == 10u << 20);
  CHECK(*s.cache->min_free == 9u << 20);
  CHECK(s.cache->valid.at(0).seconds == 86400);
  CHECK(s.cache->key.find("$slice_range") != std::string::npos);  // slice implies a per-slice key
  CHECK(to_json(s)["cache"]["slice"] == 1u << 20);
  const auto d = parse("{}");
  CHECK(d.proxy_request_buffering);
  CHECK(d.proxy_http_version == "1.0");
  CHECK(d.spool_fs_size == 4ull << 30);  // production's 4 GiB
  CHECK(!d.cache);
}

TEST_CASE("FrontSpec: bad input names file and JSON pointer", "[front][spec]") {
  CHECK(parse_error(R"({"proxy_buffer": true})").find("s.json: /front/proxy_buffer: unknown key") == 0);
  CHECK(parse_error(R"({"proxy_http_version": "2"})").find("/front/proxy_http_version") != std::string::npos);
  CHECK(parse_error(R"({"filesystems": {"spool": "1KiB"}})").find("/front/filesystems/spool: size 1024 is out of range") !=
        std::string::npos);
  CHECK(parse_error(R"({"filesystems": {"spool": "16 furlongs"}})").find("/front/filesystems/spool") != std::string::npos);
  CHECK(parse_error(R"({"filesystems": {"temp": "cache"}})").find("needs a cache section") != std::string::npos);
  CHECK(parse_error(R"({"cache": {"filesystem": "4MiB", "max_size": "8MiB"}})").find("/front/cache/max_size") !=
        std::string::npos);
  CHECK(parse_error(R"({"cache": {"slice": "1MiB", "key": "$uri"}})").find("$slice_range") != std::string::npos);
  CHECK(parse_error(R"({"cache": {"ignore_headers": ["ETag"]}})").find("/front/cache/ignore_headers/0") !=
        std::string::npos);
  CHECK(parse_error(R"({"cache": {"valid": [{"time": "1y"}]}})").find("/front/cache/valid/0/time") != std::string::npos);
  CHECK(parse_error(R"({"extra": {"location": "} server {"}})").find("/front/extra/location: unbalanced") !=
        std::string::npos);
}

TEST_CASE("nginx.conf: loopback only, request id upstream and in the log, temp paths on the mounts", "[front][conf]") {
  const auto s = parse(R"({"proxy_request_buffering": false, "proxy_http_version": "1.1",
    "cache": {"filesystem": "8MiB", "slice": "1MiB", "max_size": "6MiB"}, "extra": {"http": "map $a $b { default 0; }"}})");
  const auto l = front_layout("/out/front", s);
  const std::string conf = nginx_conf(s, l, 8080, {"127.0.0.1:5000", "127.0.0.1:5001"});
  for (const char* want :
       {"daemon off;", "listen 127.0.0.1:8080;", "server 127.0.0.1:5000;", "server 127.0.0.1:5001;",
        "proxy_set_header X-Request-Id $request_id;", "\"request_id\":\"$request_id\"", "$upstream_status",
        "$upstream_cache_status", "$request_length", "$bytes_sent", "error_log \"/out/front/error.log\" info;",
        "client_body_temp_path \"/out/front/spool/body\";", "proxy_temp_path \"/out/front/temp/proxy\";",
        "proxy_cache_path \"/out/front/cache/entries\"", "max_size=6291456", "slice 1048576;",
        "proxy_set_header Range $slice_range;", "proxy_request_buffering off;", "proxy_http_version 1.1;",
        "add_header X-Cache-Status $upstream_cache_status always;", "map $a $b { default 0; }"})
    CHECK_THAT(conf, Catch::Contains(want));
  CHECK(conf.find("listen 80") == std::string::npos);
}

TEST_CASE("error.log: the tables' lines become typed records joined to request ids", "[front][logs]") {
  const FrontDirs dirs{"/f/spool/body", "/f/temp/proxy", "/f/cache/entries"};
  const std::string log =
      "2026/11/30 04:31:02 [crit] 77#77: *5 pwrite() \"/f/spool/body/0000000002\" failed (28: No space left on device), "
      "client: 127.0.0.1, server: , request: \"PATCH /v2/a/blobs/uploads/u HTTP/1.1\", host: \"127.0.0.1\"\n"
      "2026/11/30 04:31:02 [crit] 77#77: *6 pwritev() \"/f/spool/body/0000000003\" has written only 678 of 8184, "
      "client: 127.0.0.1, server: , request: \"PATCH /v2/a/blobs/uploads/v HTTP/1.1\", host: \"127.0.0.1\"\n"
      "2026/11/30 04:31:03 [crit] 77#77: *7 pwritev() \"/f/temp/proxy/0000000002\" has written only 20480 of 36864 "
      "while reading upstream, client: 127.0.0.1, server: , request: \"GET /b HTTP/1.1\", upstream: "
      "\"http://127.0.0.1:5000/b\", host: \"x\"\n"
      "2026/11/30 04:31:04 [alert] 77#77: *8 write() \"/f/cache/entries/2/0a/ebf1602.0000000006\" failed (28: No space "
      "left on device) while reading upstream, client: 127.0.0.1, server: , request: \"GET /b HTTP/1.1\"\n"
      "2026/11/30 04:31:05 [error] 77#77: *9 upstream prematurely closed connection while reading upstream, client: "
      "127.0.0.1, server: , request: \"GET /b HTTP/1.1\", subrequest: \"/b\", upstream: \"http://127.0.0.1:5000/b\"\n"
      "2026/11/30 04:31:05 [info] 77#77: *9 client closed connection while waiting for request\n";
  auto records = parse_error_log(log, dirs);
  REQUIRE(records.size() == 5);
  CHECK(records[0].kind == FrontLogKind::SpoolWriteFailed);
  CHECK(records[0].err == 28);
  CHECK(records[0].err_text == "No space left on device");
  CHECK(records[0].connection == 5);
  CHECK(records[0].summary() ==
        "spool full (pwrite() \"/f/spool/body/0000000002\" failed (28: No space left on device))");
  CHECK(records[1].kind == FrontLogKind::SpoolWriteFailed);
  CHECK(records[1].written == 678);
  CHECK(records[1].wanted == 8184);
  CHECK(records[1].no_space());
  CHECK(records[2].kind == FrontLogKind::TempWriteFailed);
  CHECK(records[2].upstream == "http://127.0.0.1:5000/b");
  CHECK(records[3].kind == FrontLogKind::CacheWriteFailed);
  CHECK(records[3].level == "alert");
  CHECK(records[4].kind == FrontLogKind::UpstreamPrematureClose);
  CHECK(records[4].subrequest == "/b");

  const auto access = parse_access_log(
      R"({"request_id":"abc","connection":"5","method":"PATCH","uri":"/v2/a/blobs/uploads/u","status":"500","upstream_status":"","cache":"","request_length":"6000000","bytes_sent":"300"})"
      "\n"
      R"({"request_id":"def","connection":"7","method":"GET","uri":"/b","status":"200","upstream_status":"502, 200","cache":"MISS"})"
      "\nnot json\n");
  REQUIRE(access.size() == 2);
  CHECK(!access[0].upstream_status);
  CHECK(access[0].request_length == 6000000);
  CHECK(*access[1].upstream_status == 200);
  attach_request_ids(records, access);
  CHECK(records[0].request_id == "abc");
  CHECK(records[1].request_id.empty());
  CHECK(records[2].request_id == "def");
}

TEST_CASE("TmpfsMount: without the right to mount, an infrastructure error that says so", "[front][mount]") {
  test::TempDir dir;
  const auto refuse = [](const std::filesystem::path&, const std::string&) { return EPERM; };
  try {
    TmpfsMount m(dir.path() / "spool", 16u << 20, refuse);
    FAIL("mounted");
  } catch (const harness::InfrastructureError& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("cannot mount a tmpfs of 16777216 bytes at"));
    CHECK_THAT(what, Catch::Contains("needs root (CAP_SYS_ADMIN)"));
    CHECK_THAT(what, Catch::Contains("will not run the front on an unlimited disk"));
  }
  // size=0 would be an unlimited tmpfs.
  CHECK_THROWS_AS(TmpfsMount(dir.path() / "zero", 0, refuse), std::invalid_argument);
}

TEST_CASE("unmount_tmpfs_under: what a SIGKILLed run left mounted is unmounted, nothing else", "[front][mount]") {
  // Runs as root (CI and the integration tests need it anyway); a mount that
  // is refused here would be the machine's fault, not this function's.
  test::TempDir dir;
  const auto run_dir = dir.path() / "cell-1";
  const auto spool = run_dir / "front" / "spool";
  std::filesystem::create_directories(spool);
  std::filesystem::create_directories(dir.path() / "cell-10");
  REQUIRE(TmpfsMount::system_mount(spool, "size=1m") == 0);  // no TmpfsMount: as if its owner was killed
  const auto sibling = dir.path() / "cell-10" / "spool";      // a prefix of the name, not a child
  std::filesystem::create_directories(sibling);
  REQUIRE(TmpfsMount::system_mount(sibling, "size=1m") == 0);
  REQUIRE(is_mount_point(spool));
  CHECK(unmount_tmpfs_under(run_dir) == 1);
  CHECK_FALSE(is_mount_point(spool));
  CHECK(is_mount_point(sibling));
  CHECK(unmount_tmpfs_under(dir.path()) == 1);
  CHECK_FALSE(is_mount_point(sibling));
  CHECK(unmount_tmpfs_under(dir.path()) == 0);
}

TEST_CASE("FsSampler: peak and time series of a directory's filesystem", "[front][sampler]") {
  test::TempDir dir;
  FsSampler sampler({{"tmp", dir.path()}}, std::chrono::milliseconds(10));
  sampler.stop();
  sampler.stop();  // idempotent
  CHECK(sampler.samples().size() >= 2);
  CHECK(sampler.total("tmp") > 0);
  const auto j = sampler.to_json();
  CHECK(j["period_ms"] == 10);
  CHECK(j["used"]["tmp"].size() == j["t_ms"].size());
  CHECK(j["filesystems"]["tmp"]["peak"] == sampler.peak("tmp"));
  CHECK_THROWS_AS(sampler.peak("spool"), std::out_of_range);
}

TEST_CASE("error.log: the cache copy's short write (no quotes around the file) is a cache write failure",
          "[front][logs]") {
  const std::string line =
      "2026/11/30 07:53:10 [alert] 41#41: *12 write() has written only 61440 of 2163550 to "
      "/o/front/cache/entries/0/39/9d55f6eae160c54692672726e51a5390.0000000005 while reading upstream, client: "
      "127.0.0.1, server: , request: \"GET /v2/a/blobs/sha256:ab HTTP/1.1\", upstream: \"http://127.0.0.1:5000/v2/a/"
      "blobs/sha256:ab\", host: \"127.0.0.1:8080\"\n";
  const auto records = parse_error_log(line, {"/o/front/spool/body", "/o/front/temp/proxy", "/o/front/cache/entries"});
  REQUIRE(records.size() == 1);
  CHECK(records[0].kind == FrontLogKind::CacheWriteFailed);
  CHECK(records[0].syscall == "write()");
  CHECK(records[0].file == "/o/front/cache/entries/0/39/9d55f6eae160c54692672726e51a5390.0000000005");
  CHECK(records[0].written == 61440);
  CHECK(records[0].wanted == 2163550);
  CHECK(records[0].connection == 12);
}
