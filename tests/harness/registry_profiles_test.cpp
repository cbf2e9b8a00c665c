// Client profiles of RegistryClient (pull resumes, slices, push retries,
// routing) against a scripted registry on a raw socket: every response is
// written by the test, so the assembly logic is checked exactly.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>

#include "common/crypto.h"
#include "harness/blob_checks.h"
#include "harness/manifest.h"
#include "harness/checkers.h"
#include "harness/registry_client.h"
#include "test_support.h"

using namespace stalemate::harness;
using stalemate::test::describe;
using stalemate::test::RawServer;

namespace {

struct Req {
  std::string method;
  std::string target;
  std::string range;  // Range header value, "" when none
  std::string body;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Req parse(const std::string& raw) {
  Req r;
  const auto sp1 = raw.find(' ');
  const auto sp2 = raw.find(' ', sp1 + 1);
  r.method = raw.substr(0, sp1);
  r.target = raw.substr(sp1 + 1, sp2 - sp1 - 1);
  const auto head_end = raw.find("\r\n\r\n");
  const std::string head = lower(raw.substr(0, head_end));
  if (const auto p = head.find("\r\nrange:"); p != std::string::npos) {
    auto v = raw.substr(p + 8, raw.find("\r\n", p + 2) - (p + 8));
    while (!v.empty() && v.front() == ' ') v.erase(0, 1);
    r.range = v;
  }
  r.body = stalemate::test::body_of(raw);
  if (head.find("transfer-encoding: chunked") != std::string::npos) r.body = stalemate::test::dechunk(r.body);
  return r;
}

// A response with the given headers; content_length defaults to the body size
// (a larger one makes a body cut short, as the server closes after it).
std::string respond(int status, std::vector<std::pair<std::string, std::string>> headers, const std::string& body,
                    std::optional<std::uint64_t> content_length = std::nullopt) {
  static const std::map<int, std::string> reasons{{200, "OK"},         {201, "Created"},   {202, "Accepted"},
                                                  {206, "Partial Content"}, {404, "Not Found"}, {416, "Range Not Satisfiable"},
                                                  {500, "Internal Server Error"}, {503, "Service Unavailable"}};
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reasons.at(status) + "\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  out += "Content-Length: " + std::to_string(content_length.value_or(body.size())) + "\r\nConnection: close\r\n\r\n";
  return out + body;
}

// (first, last) of "bytes=a-b" / "bytes=a-"; last = nullopt when open.
std::pair<std::uint64_t, std::optional<std::uint64_t>> range_of(const std::string& range) {
  const auto eq = range.find('=');
  const auto dash = range.find('-');
  const std::uint64_t first = std::stoull(range.substr(eq + 1, dash - eq - 1));
  if (dash + 1 == range.size()) return {first, std::nullopt};
  return {first, std::stoull(range.substr(dash + 1))};
}

// One layer served by a script: the n-th GET (1-based) of the blob, and its
// Range, decide the answer. HEAD answers the true size.
struct ScriptedBlob {
  ImageSpec image;
  BuiltImage built;
  const LayerContent& layer() const { return built.layer_contents[0]; }
  std::string blob_path() const { return "/v2/" + image.repository + "/blobs/" + built.layers[0].digest; }
  std::string bytes(std::uint64_t off, std::uint64_t n) const { return layer().bytes(off, n); }
  std::uint64_t size() const { return layer().size(); }

  std::function<std::string(int n, const Req&)> script;
  std::atomic<int> gets{0};

  explicit ScriptedBlob(std::uint64_t size, std::uint64_t seed = 7) {
    image.repository = "unit/app";
    image.layers = {{size, seed}};
    built = build_image(image);
  }

  std::string operator()(const std::string& raw) {
    const auto r = parse(raw);
    if (r.target != blob_path()) return respond(404, {}, "not found");
    if (r.method == "HEAD")
      return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size()) +
             "\r\nDocker-Content-Digest: " + built.layers[0].digest + "\r\n\r\n";
    return script(++gets, r);
  }

  // The true answer to r (200 or 206), optionally with other bytes.
  std::string honest(const Req& r) const {
    if (r.range.empty()) return respond(200, {}, bytes(0, size()));
    auto [first, last] = range_of(r.range);
    const std::uint64_t end = last ? *last : size() - 1;
    return respond(206, {{"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(end) + "/" +
                                               std::to_string(size())}},
                   bytes(first, end - first + 1));
  }
};

std::map<std::string, int> by_invariant(const History& h) {
  std::map<std::string, int> m;
  for (const auto& v : violations_of(h)) ++m[v.invariant];
  return m;
}

std::vector<std::string> ops(const History& h) {
  std::vector<std::string> out;
  for (const auto& r : h.requests()) out.push_back(r.operation);
  return out;
}


PullOptions profile(PullProfile p, std::uint64_t hint = 0) {
  PullOptions o;
  o.profile = p;
  o.segment_size_hint = hint;
  return o;
}

constexpr std::uint64_t kSeg = 100000;  // the "segments" of the 300000-byte layer below

// M1 in miniature: the first GET lists segments 1 and 3 only (200, full
// Content-Length, 200000 bytes), a resume at 200000 is served whole.
std::string spliced_first_get(const ScriptedBlob& b) {
  return respond(200, {}, b.bytes(0, kSeg) + b.bytes(2 * kSeg, kSeg), 3 * kSeg);
}

}  // namespace

TEST_CASE("profiles: a cut 200 is resumed and the body assembles intact", "[harness][profiles]") {
  for (auto p : {PullProfile::Docker, PullProfile::Containerd}) {
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int n, const Req& r) {
      if (n == 1) return respond(200, {}, blob.bytes(0, 123457), blob.size());
      return blob.honest(r);
    };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    const auto res = client.pull_layer(blob.image, 0, profile(p));
    INFO(describe(h));
    CHECK_FALSE(res.ok);  // the truncated 200 broke I2/I9
    CHECK(res.client_ok);
    CHECK(res.resumes == 1);
    CHECK(res.retries == 0);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}});
    CHECK(ops(h) == std::vector<std::string>{"pull-blob-head", "pull-blob", "pull-blob-resume"});
    CHECK(h.requests().at(2).range == "bytes=123457-");
    CHECK(h.requests().at(2).status == 206);
    CHECK(h.requests().at(2).verdict == "ok");
    CHECK(violations_of(h).at(0).request_index == 1);
  }
}

TEST_CASE("profiles: Plain reports the cut 200 and does not resume", "[harness][profiles]") {
  ScriptedBlob blob(3 * kSeg);
  blob.script = [&](int n, const Req& r) { return respond(200, {}, blob.bytes(0, 1000), blob.size()); };
  RawServer server([&](const std::string& raw) { return blob(raw); });
  History h;
  RegistryClient client(server.url(""), h);
  const auto res = client.pull_layer(blob.image, 0, {});
  CHECK_FALSE(res.ok);
  CHECK_FALSE(res.client_ok);
  CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}});
  CHECK(blob.gets == 1);
}

TEST_CASE("profiles: M1 splice -> blob-digest; Docker retries from scratch, containerd fails", "[harness][profiles]") {
  for (auto p : {PullProfile::Docker, PullProfile::Containerd}) {
    const bool docker = p == PullProfile::Docker;
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int n, const Req& r) { return n == 1 ? spliced_first_get(blob) : blob.honest(r); };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    const auto res = client.pull_layer(blob.image, 0, profile(p, kSeg));
    INFO(describe(h));
    CHECK_FALSE(res.ok);
    CHECK(res.client_ok == docker);
    CHECK(res.resumes == 1);
    CHECK(res.retries == (docker ? 1 : 0));
    CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}, {"blob-digest", 1}});
    std::vector<std::string> want{"pull-blob-head", "pull-blob", "pull-blob-resume"};
    if (docker) want.push_back("pull-blob-retry");
    CHECK(ops(h) == want);
    for (const auto& v : violations_of(h)) {
      if (v.invariant != "blob-digest") continue;
      CHECK(v.request_index == 2);  // the last request of the assembly
      CHECK(v.bytes_received == 3 * kSeg);
      CHECK(v.seen_digest != v.expected_digest);
      CHECK(v.message.find("client-assembled body (200 with 200000 of 300000 bytes, then 206 bytes=200000-) has "
                           "the right length and sha256 ") == 0);
      CHECK(v.message.find("(expected " + blob.built.layers[0].digest.substr(7, 12)) != std::string::npos);
      CHECK(v.message.find("first differs from the true content at offset 100000") != std::string::npos);
      CHECK(v.message.find("true bytes at offset 200000 (+100000)") != std::string::npos);
    }
    if (docker) {
      CHECK(h.requests().at(3).status == 200);
      CHECK(h.requests().at(3).verdict == "ok");
      CHECK(res.client_error.empty());  // the retry verified: Docker reports success
      CHECK(h.requests().at(3).note.find("from scratch after: filesystem layer verification failed for digest " +
                                         blob.built.layers[0].digest) == 0);
    } else {
      CHECK(res.client_error.find("unexpected commit digest sha256:") == 0);
    }
  }
}

TEST_CASE("profiles: the true offset of misplaced bytes is found without a hint", "[harness][profiles]") {
  // Real segment size 1 MiB, as the registry's chunksize in the e2e tests.
  ScriptedBlob blob(3 << 20);
  const std::uint64_t seg = 1 << 20;
  blob.script = [&](int n, const Req& r) {
    return n == 1 ? respond(200, {}, blob.bytes(0, seg) + blob.bytes(2 * seg, seg), 3 * seg) : blob.honest(r);
  };
  RawServer server([&](const std::string& raw) { return blob(raw); });
  History h;
  RegistryClient client(server.url(""), h);
  client.pull_layer(blob.image, 0, profile(PullProfile::Containerd));
  INFO(describe(h));
  REQUIRE(by_invariant(h)["blob-digest"] == 1);
  for (const auto& v : violations_of(h))
    if (v.invariant == "blob-digest")
      CHECK(v.message.find("offset 1048576 (in the 200 with 2097152 of 3145728 bytes; they are the true bytes at "
                             "offset 2097152 (+1048576))") !=
            std::string::npos);
}

TEST_CASE("profiles: Docker retries from scratch only after a resume", "[harness][profiles]") {
  ScriptedBlob blob(3 * kSeg);
  blob.script = [&](int n, const Req& r) {
    std::string body = blob.bytes(0, blob.size());
    body[5] ^= 1;  // right length, wrong hash, no cut
    return respond(200, {}, body);
  };
  RawServer server([&](const std::string& raw) { return blob(raw); });
  History h;
  RegistryClient client(server.url(""), h);
  const auto res = client.pull_layer(blob.image, 0, profile(PullProfile::Docker));
  CHECK_FALSE(res.client_ok);
  CHECK(res.retries == 0);
  CHECK(blob.gets == 1);
  CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-digest", 1}});
  CHECK(violations_of(h).at(0).message.find("offset 5") != std::string::npos);
}

TEST_CASE("profiles: resume answers the clients refuse", "[harness][profiles]") {
  SECTION("200 to a Range: Docker refuses, containerd discards the head") {
    for (auto p : {PullProfile::Docker, PullProfile::Containerd}) {
      ScriptedBlob blob(3 * kSeg);
      blob.script = [&](int n, const Req& r) {
        return n == 1 ? respond(200, {}, blob.bytes(0, 5000), blob.size()) : respond(200, {}, blob.bytes(0, blob.size()));
      };
      RawServer server([&](const std::string& raw) { return blob(raw); });
      History h;
      RegistryClient client(server.url(""), h);
      const auto res = client.pull_layer(blob.image, 0, profile(p));
      INFO(describe(h));
      CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}});
      if (p == PullProfile::Docker) {
        CHECK_FALSE(res.client_ok);
        CHECK(res.client_error.find("ErrWrongCodeForByteRange") != std::string::npos);
        CHECK(h.requests().back().verdict == "error");
      } else {
        CHECK(res.client_ok);
        CHECK(h.requests().back().verdict == "ok");
      }
    }
  }
  SECTION("a 206 that starts elsewhere, or stops before the end") {
    for (const std::string cr : {"bytes 4000-299999/300000", "bytes 5000-200000/300000"}) {
      ScriptedBlob blob(3 * kSeg);
      blob.script = [&](int n, const Req& r) {
        return n == 1 ? respond(200, {}, blob.bytes(0, 5000), blob.size())
                      : respond(206, {{"Content-Range", cr}}, blob.bytes(5000, blob.size() - 5000));
      };
      RawServer server([&](const std::string& raw) { return blob(raw); });
      History h;
      RegistryClient client(server.url(""), h);
      const auto res = client.pull_layer(blob.image, 0, profile(PullProfile::Docker));
      CHECK_FALSE(res.client_ok);
      CHECK(res.client_error.find("Content-Range") != std::string::npos);
      CHECK(blob.gets == 2);
    }
  }
}

TEST_CASE("profiles: a wrong 206 is range-bytes, a cut 206 is blob-length", "[harness][profiles]") {
  ScriptedBlob blob(3 * kSeg);
  blob.script = [&](int n, const Req& r) {
    if (n == 1) return respond(200, {}, blob.bytes(0, 50000), blob.size());
    if (n == 2)  // bytes=50000-: cut after 10000 bytes that are shifted by one segment
      return respond(206, {{"Content-Range", "bytes 50000-299999/300000"}}, blob.bytes(150000, 10000), 250000);
    return blob.honest(r);
  };
  RawServer server([&](const std::string& raw) { return blob(raw); });
  History h;
  RegistryClient client(server.url(""), h);
  const auto res = client.pull_layer(blob.image, 0, profile(PullProfile::Containerd, kSeg));
  INFO(describe(h));
  CHECK(res.resumes == 2);
  CHECK_FALSE(res.client_ok);
  CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 2}, {"range-bytes", 1}, {"blob-digest", 1}});
  for (const auto& v : violations_of(h)) {
    if (v.invariant != "range-bytes") continue;
    CHECK(v.request_index == 2);
    CHECK(v.message.find("(Range bytes=50000-) returned 206 bytes 50000-299999/300000 with Content-Length 250000 and "
                         "10000 bytes") != std::string::npos);
    CHECK(v.message.find("differ from the true content from offset 50000 on; they are the true bytes at offset "
                         "150000 (+100000)") != std::string::npos);
  }
}

TEST_CASE("profiles: resumes are bounded", "[harness][profiles]") {
  for (auto p : {PullProfile::Docker, PullProfile::Containerd}) {
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int n, const Req& r) {
      const auto first = r.range.empty() ? 0 : range_of(r.range).first;
      const std::string cr = "bytes " + std::to_string(first) + "-299999/300000";
      const auto progress = p == PullProfile::Docker ? 1000 : 0;  // containerd: no progress at all
      return r.range.empty() ? respond(200, {}, blob.bytes(0, 1000), blob.size())
                             : respond(206, {{"Content-Range", cr}}, blob.bytes(first, progress), blob.size() - first);
    };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    PullOptions o = profile(p);
    o.max_resumes = 5;
    const auto res = client.pull_layer(blob.image, 0, o);
    CHECK_FALSE(res.client_ok);
    // containerd fails at the 4th reopen without progress (its maxRetry is 3).
    CHECK(res.resumes == (p == PullProfile::Docker ? 5 : 4));
    CHECK(by_invariant(h)["blob-length"] == 1 + res.resumes);  // every response was cut
    CHECK(by_invariant(h).count("blob-digest") == 0);
  }
}

TEST_CASE("profiles: slices", "[harness][profiles]") {
  const std::uint64_t slice = 65536;
  SECTION("intact") {
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int, const Req& r) { return blob.honest(r); };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    PullOptions o = profile(PullProfile::Slices);
    o.slice_size = slice;
    const auto res = client.pull_layer(blob.image, 0, o);
    INFO(describe(h));
    CHECK(res.ok);
    CHECK(res.client_ok);
    CHECK(violations_of(h).size() == 0);
    const auto reqs = h.requests();
    REQUIRE(reqs.size() == 1 + 5);
    CHECK(reqs[1].operation == "pull-blob-slice");
    CHECK(reqs[1].range == "bytes=0-65535");
    CHECK(reqs[5].range == "bytes=262144-299999");
  }
  SECTION("M1c: a well-formed 206 with bytes from one segment later") {
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int n, const Req& r) {
      if (n != 3) return blob.honest(r);
      auto [first, last] = range_of(r.range);
      return respond(206, {{"Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(*last) + "/300000"}},
                     blob.bytes(first + kSeg, *last - first + 1));
    };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    PullOptions o = profile(PullProfile::Slices, kSeg);
    o.slice_size = slice;
    const auto res = client.pull_layer(blob.image, 0, o);
    INFO(describe(h));
    CHECK_FALSE(res.ok);
    CHECK_FALSE(res.client_ok);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"range-bytes", 1}, {"blob-digest", 1}});
    for (const auto& v : violations_of(h)) {
      if (v.invariant == "range-bytes") {
        CHECK(v.request_index == 3);
        CHECK(v.message.find("returned 206 bytes 131072-196607/300000 with Content-Length 65536 and 65536 bytes") !=
              std::string::npos);
        CHECK(v.message.find("they are the true bytes at offset 231072 (+100000)") != std::string::npos);
      } else {
        CHECK(v.request_index == 5);
        CHECK(v.message.find("client-assembled body (5 responses: 206 bytes=0-65535, then 206 bytes=65536-131071, …, "
                             "then 206 bytes=262144-299999) has the right length") == 0);
      }
    }
  }
  SECTION("a cut slice fails the download; the other slices are still checked") {
    ScriptedBlob blob(3 * kSeg);
    blob.script = [&](int n, const Req& r) {
      if (n != 2) return blob.honest(r);
      return respond(206, {{"Content-Range", "bytes 65536-131071/300000"}}, "", 65536);
    };
    RawServer server([&](const std::string& raw) { return blob(raw); });
    History h;
    RegistryClient client(server.url(""), h);
    PullOptions o = profile(PullProfile::Slices);
    o.slice_size = slice;
    const auto res = client.pull_layer(blob.image, 0, o);
    CHECK_FALSE(res.client_ok);
    CHECK(res.client_error.find("1 of 5 slices failed") == 0);
    CHECK(by_invariant(h) == std::map<std::string, int>{{"blob-length", 1}});
    CHECK(blob.gets == 5);
  }
}

// ---- push retries and routing, against a scripted registry ----

namespace {

// Enough of the registry API for push and pull of small images; `fail`
// decides, per request, whether to answer 500 instead.
class ScriptedRegistry {
 public:
  std::function<bool(const Req&)> fail = [](const Req&) { return false; };

  ScriptedRegistry() : server_([this](const std::string& raw) { return answer(raw); }) {}
  std::string url() const { return server_.url(""); }
  std::vector<Req> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  std::string answer(const std::string& raw) {
    const auto r = parse(raw);
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back(r);
    if (fail(r)) return respond(500, {}, "{\"errors\":[{\"code\":\"UNKNOWN\"}]}");
    const std::string path = r.target.substr(0, r.target.find('?'));
    const std::string self = server_.url("");
    if (r.method == "HEAD") {
      auto it = blobs_.find(path);
      if (it == blobs_.end()) return respond(404, {}, "");
      return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(it->second.size()) + "\r\n\r\n";
    }
    if (r.method == "POST") {
      const std::string loc = self + path + "u" + std::to_string(++uploads_);
      return respond(202, {{"Location", loc}, {"Range", "0-0"}}, "");
    }
    if (r.method == "PATCH") {
      uploads_data_[path] += r.body;
      return respond(202, {{"Location", self + path}, {"Range", "0-" + std::to_string(uploads_data_[path].size() - 1)}},
                     "");
    }
    if (r.method == "PUT" && path.find("/blobs/uploads/") != std::string::npos) {
      const std::string digest = r.target.substr(r.target.find("digest=") + 7);
      const std::string d = "sha256:" + digest.substr(digest.find("%3A") + 3);
      const std::string repo_blobs = path.substr(0, path.find("/uploads/"));
      blobs_[repo_blobs + "/" + d] = uploads_data_[path] + r.body;
      return respond(201, {{"Docker-Content-Digest", d}}, "");
    }
    if (r.method == "PUT") {
      manifests_[path] = r.body;
      manifests_[path.substr(0, path.rfind('/') + 1) + sha256_digest(r.body)] = r.body;
      return respond(201, {{"Docker-Content-Digest", sha256_digest(r.body)}}, "");
    }
    if (r.method == "GET") {
      if (auto it = manifests_.find(path); it != manifests_.end()) return respond(200, {}, it->second);
      if (auto it = blobs_.find(path); it != blobs_.end()) return respond(200, {}, it->second);
    }
    return respond(404, {}, "");
  }

  mutable std::mutex mu_;
  std::vector<Req> seen_;
  std::map<std::string, std::string> blobs_, manifests_, uploads_data_;
  int uploads_ = 0;
  RawServer server_;  // last: it calls answer() until destroyed
};

ImageSpec small_image() {
  ImageSpec image;
  image.repository = "unit/push";
  image.layers = {{70000, 3}};
  return image;
}

}  // namespace

TEST_CASE("push profiles: dockerd retries a failed upload from a new POST, buildkit does not", "[harness][profiles]") {
  for (auto p : {PushProfile::Single, PushProfile::Buildkit, PushProfile::Dockerd}) {
    ScriptedRegistry reg;
    int commits = 0;
    reg.fail = [&](const Req& r) {  // the first blob commit fails
      return r.method == "PUT" && r.target.find("/uploads/") != std::string::npos && ++commits == 1;
    };
    History h;
    RegistryClient client(reg.url(), h);
    PushOptions o;
    o.profile = p;
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = client.push(small_image(), o);
    const auto took = std::chrono::steady_clock::now() - t0;
    INFO(describe(h));
    if (p != PushProfile::Dockerd) {
      CHECK_FALSE(res.ok);
      CHECK(res.attempts == 0);
      CHECK(res.error.find("push-commit") != std::string::npos);
      continue;
    }
    CHECK(res.ok);
    CHECK(res.attempts == 1);
    CHECK(took >= std::chrono::milliseconds(200));  // dockerd's first back-off
    std::size_t retries = 0;
    for (const auto& r : h.requests())
      if (r.operation == "push-retry") {
        ++retries;
        CHECK(r.method == "POST");
        CHECK(r.note.find("attempt 2 of 5") == 0);
      }
    CHECK(retries == 1);
    CHECK(client.pull(small_image(), PullBy::Tag).ok);
  }
}

TEST_CASE("push profiles: dockerd gives up after 5 attempts, the manifest PUT is retried too", "[harness][profiles]") {
  SECTION("blob") {
    ScriptedRegistry reg;
    reg.fail = [](const Req& r) { return r.method == "PATCH"; };
    History h;
    RegistryClient client(reg.url(), h);
    PushOptions o;
    o.profile = PushProfile::Dockerd;
    const auto t0 = std::chrono::steady_clock::now();
    const auto res = client.push(small_image(), o);
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(3000));  // 200+400+800+1600
    CHECK_FALSE(res.ok);
    CHECK(res.attempts == 4);
    CHECK(res.error.find("(attempt 5 of 5)") != std::string::npos);
  }
  SECTION("manifest") {
    ScriptedRegistry reg;
    int manifest_puts = 0;
    reg.fail = [&](const Req& r) {
      return r.method == "PUT" && r.target.find("/manifests/") != std::string::npos && ++manifest_puts <= 2;
    };
    History h;
    RegistryClient client(reg.url(), h);
    PushOptions o;
    o.profile = PushProfile::Dockerd;
    const auto res = client.push(small_image(), o);
    CHECK(res.ok);
    CHECK(res.attempts == 2);
    const auto all = ops(h);
    CHECK(std::count(all.begin(), all.end(), "push-retry") == 2);
  }
}

TEST_CASE("routing: round robin alternates instances and rewrites upload locations", "[harness][profiles]") {
  ScriptedRegistry a, b;
  History h;
  RegistryClient client(std::vector<std::string>{a.url(), b.url()}, h, Routing::RoundRobin);
  // One instance's uploads are not visible on the other in this fake, so
  // only check where each request went.
  client.push(small_image(), {});
  const auto reqs = h.requests();
  REQUIRE(reqs.size() >= 4);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    INFO(i << " " << reqs[i].url);
    CHECK(reqs[i].url.rfind(i % 2 == 0 ? a.url() : b.url(), 0) == 0);
  }
  // The POST went to one instance, the PATCH to its Location, rewritten to the other.
  for (std::size_t i = 0; i + 1 < reqs.size(); ++i)
    if (reqs[i].method == "POST" && reqs[i + 1].method == "PATCH") {
      CHECK(reqs[i].url.rfind(a.url(), 0) != reqs[i + 1].url.rfind(a.url(), 0));
      CHECK(reqs[i + 1].url.find("/blobs/uploads/u") != std::string::npos);
    }
}

TEST_CASE("routing: active/passive fails over on a refused connection", "[harness][profiles]") {
  std::string dead;
  {
    RawServer gone([](const std::string&) { return std::string(); });
    dead = gone.url("");
  }
  ScriptedRegistry live;
  History h;
  RegistryClient client(std::vector<std::string>{dead, live.url()}, h, Routing::ActivePassive);
  const auto res = client.push(small_image(), {});
  INFO(describe(h));
  CHECK(res.ok);
  CHECK(client.pull(small_image(), PullBy::Digest, profile(PullProfile::Containerd)).ok);
  std::size_t failovers = 0;
  for (const auto& r : h.requests()) {
    if (r.url.rfind(dead, 0) == 0) {
      ++failovers;
      CHECK(r.status == 0);
      CHECK(r.note.find("failing over to " + live.url()) != std::string::npos);
    }
  }
  CHECK(failovers > 0);
  CHECK(live.requests().size() + failovers == h.requests().size());
}

TEST_CASE("history: each blob read is an operation whose outcome is ok, fail or unknown", "[harness][history]") {
  struct Case {
    const char* what;
    std::function<std::string(const ScriptedBlob&, const Req&)> answer;
    OpOutcome outcome;
  };
  const Case cases[] = {
      {"intact", [](const ScriptedBlob& b, const Req& r) { return b.honest(r); }, OpOutcome::Ok},
      {"404: refused", [](const ScriptedBlob&, const Req&) { return respond(404, {}, "gone"); }, OpOutcome::Fail},
      {"500: may have been applied",
       [](const ScriptedBlob&, const Req&) { return respond(500, {}, "boom"); }, OpOutcome::Unknown},
      {"a cut body", [](const ScriptedBlob& b, const Req&) { return respond(200, {}, b.bytes(0, 10), b.size()); },
       OpOutcome::Unknown},
      {"wrong bytes: the read completed, the client rejects them",
       [](const ScriptedBlob& b, const Req&) { return respond(200, {}, b.bytes(1, b.size() - 1) + "x"); },
       OpOutcome::Fail},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.what) {
      ScriptedBlob blob(3 * kSeg);
      blob.script = [&](int, const Req& r) { return c.answer(blob, r); };
      RawServer server([&](const std::string& raw) { return blob(raw); });
      History h;
      RegistryClient client(server.url(""), h);
      client.pull_layer(blob.image, 0, profile(PullProfile::Plain));
      const auto operations = h.operations();
      REQUIRE(operations.size() == 2);
      CHECK(operations[0].f == "pull-blob-head");
      CHECK(operations[0].outcome == OpOutcome::Ok);
      CHECK(operations[1].f == "pull-blob");
      CHECK(operations[1].key == blob.built.layers[0].digest);
      CHECK(operations[1].outcome == c.outcome);
      CHECK(operations[1].client == operations[0].client);
      for (const auto& r : h.requests()) CHECK(r.op != kNoOp);
    }
  }
  SECTION("two clients on one history have their own ids") {
    History h;
    RegistryClient a("http://127.0.0.1:1", h), b("http://127.0.0.1:1", h);
    a.pull_layer(ImageSpec{}, 0, profile(PullProfile::Plain));
    b.pull_layer(ImageSpec{}, 0, profile(PullProfile::Plain));
    CHECK(h.new_client() == 2);
  }
}
