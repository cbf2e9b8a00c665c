// A rapidcheck state-machine test of the Swift front-end over a store with no
// delays and no rules. With zero replication and listing lag the store must be
// linearizable: every response of a random sequence of object PUT / GET / HEAD
// / DELETE / COPY / PUT X-Copy-From, container listings (prefix, delimiter)
// and DLO manifests (GET / HEAD, with and without Range) must equal what a
// plain sorted map of the acknowledged objects predicts, as real Swift would
// answer it.
//
// The name space is small on purpose so that commands collide: segment names
// under "s/", plain objects "o1"/"o2", manifests "m1"/"m2" (which are also
// overwritten, copied and deleted like any object), in two containers. The
// manifests point at prefixes under "s/", so a DLO never lists itself; a copy
// of a DLO is its assembled content (a plain object), so segments never become
// manifests. Writes, reads and copies also name a container "x" that does not
// exist (404), and objects carry an optional X-Object-Meta-Color, which a copy
// keeps unless the copy request sets its own.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "sim/model/store.h"
#include "sim/swift/swift_frontend.h"
#include "tests/property/listing_reader.h"
#include "tests/property/model_containers.h"
#include "tests/sim/swift_test_util.h"

using namespace stalemate;
using namespace stalemate::sim;
using swift_test::header;
using swift_test::make_request;
using swift_test::obj_path;

namespace {

// ---------------------------------------------------------------- name space

const std::vector<std::string> kContainers = {"c", "d"};
const std::vector<std::string> kNames = {"s/a", "s/b", "s/ab", "s/b/c", "o1", "o2", "m1", "m2"};
const std::vector<std::string> kManifestNames = {"m1", "m2"};
// X-Object-Manifest values: prefixes under "s/" (never matching a manifest
// name), in either container, and one in a container that does not exist.
const std::vector<std::string> kManifestTargets = {"c/s/", "c/s/a", "c/s/b", "c/s/b/", "d/s/", "d/s/a", "x/s/"};
const std::vector<std::string> kListPrefixes = {"", "s/", "s/a", "s/b", "s/b/", "m", "o", "z"};

using ObjKey = std::pair<std::string, std::string>;  // container, object

std::string show_key(const ObjKey& k) { return k.first + "/" + k.second; }

// Mostly the two containers, sometimes one that does not exist.
rc::Gen<ObjKey> make_gen_key(const std::vector<std::string>& names) {
  return rc::gen::pair(rc::gen::weightedElement<std::string>({{4, "c"}, {4, "d"}, {1, "x"}}),
                       rc::gen::elementOf(names));
}

// The generators are built once (a generator is an immutable value; building
// one per command, with copies of its name lists, showed in profiles).
rc::Gen<ObjKey> gen_key(const std::vector<std::string>& names = kNames) {
  static const rc::Gen<ObjKey> all = make_gen_key(kNames);
  static const rc::Gen<ObjKey> manifests = make_gen_key(kManifestNames);
  if (&names == &kNames) return all;
  if (&names == &kManifestNames) return manifests;
  return make_gen_key(names);
}

rc::Gen<std::string> gen_meta() {
  static const rc::Gen<std::string> gen = rc::gen::element<std::string>("", "", "red", "blue");
  return gen;
}

const char* const kMetaHeader = "X-Object-Meta-Color";

// Short bodies from a small alphabet, the empty body included.
rc::Gen<std::string> gen_body() {
  static const rc::Gen<std::string> gen = rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, 7), [](std::size_t n) {
    return rc::gen::container<std::string>(n, rc::gen::element('a', 'b', 'c', 'x', 'y', 'z'));
  });
  return gen;
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// ---------------------------------------------------------------- ranges

// One byte range, as a client writes it in a Range header.
struct RangeReq {
  enum Kind { None, FromTo, From, Suffix } kind = None;
  std::uint64_t a = 0, b = 0;  // FromTo: a-b; From: a-; Suffix: -a

  std::string header() const {
    switch (kind) {
      case FromTo: return "bytes=" + std::to_string(a) + "-" + std::to_string(b);
      case From: return "bytes=" + std::to_string(a) + "-";
      case Suffix: return "bytes=-" + std::to_string(a);
      case None: break;
    }
    return {};
  }
};

// A random range, often absent. `allow_suffix_zero`: "bytes=-0" is
// unsatisfiable for swob (416), but Swift's dlo middleware indexes the empty
// result of ranges_for_length for it and fails, so DLOs are never asked it.
RangeReq gen_range(bool allow_suffix_zero) {
  RangeReq r;
  r.kind = *rc::gen::element(RangeReq::None, RangeReq::None, RangeReq::FromTo, RangeReq::From, RangeReq::Suffix);
  if (r.kind == RangeReq::None) return r;
  r.a = *rc::gen::inRange<std::uint64_t>(0, 16);
  if (r.kind == RangeReq::FromTo) r.b = r.a + *rc::gen::inRange<std::uint64_t>(0, 8);
  if (r.kind == RangeReq::Suffix && r.a == 0 && !allow_suffix_zero) r.a = 1;
  return r;
}

// How swob (Range.ranges_for_length, Response._response_iter) resolves one
// range over `length` bytes.
struct RangeOutcome {
  enum Kind { Full, Partial, Unsatisfiable } kind = Full;
  std::uint64_t start = 0, end = 0;  // [start, end) for Partial
};

RangeOutcome resolve(const RangeReq& r, std::uint64_t length) {
  RangeOutcome out;
  switch (r.kind) {
    case RangeReq::None: return out;
    case RangeReq::Suffix:
      if (r.a == 0) {  // bytes=-0
        out.kind = RangeOutcome::Unsatisfiable;
      } else if (length > 0) {  // an empty body: 200 with no bytes
        out.kind = RangeOutcome::Partial;
        out.start = length - std::min(r.a, length);
        out.end = length;
      }
      return out;
    case RangeReq::From:
    case RangeReq::FromTo:
      if (r.a >= length) {
        out.kind = RangeOutcome::Unsatisfiable;
        return out;
      }
      out.kind = RangeOutcome::Partial;
      out.start = r.a;
      out.end = r.kind == RangeReq::From ? length : std::min(r.b + 1, length);
      return out;
  }
  return out;
}

// ---------------------------------------------------------------- the model

struct Obj {
  std::string body;
  std::string manifest;  // X-Object-Manifest, "" for a plain object
  std::string meta;      // X-Object-Meta-Color, "" when absent
};

struct SwiftModel {
  property::CopyOnWrite<property::FlatMap<ObjKey, Obj>> objects;  // what every read must see
};

bool container_exists(const std::string& c) {
  return std::find(kContainers.begin(), kContainers.end(), c) != kContainers.end();
}

// The objects of `container` whose names start with `prefix`, in name order.
std::vector<std::pair<std::string, const Obj*>> objects_with_prefix(const SwiftModel& m, const std::string& container,
                                                                    const std::string& prefix) {
  std::vector<std::pair<std::string, const Obj*>> out;
  for (auto it = m.objects->lower_bound({container, prefix}); it != m.objects->end(); ++it) {
    if (it->first.first != container || it->first.second.compare(0, prefix.size(), prefix) != 0) break;
    out.emplace_back(it->first.second, &it->second);
  }
  return out;
}

// What GET returns for an object, assembled for a DLO: nullopt for a 404
// (absent, or a DLO whose segment container does not exist).
struct Content {
  std::string bytes;
  std::string etag;  // as the Etag header shows it
  std::string manifest;
  std::string meta;
};

std::optional<Content> content_of(const SwiftModel& m, const ObjKey& key) {
  auto it = m.objects->find(key);
  if (it == m.objects->end()) return std::nullopt;
  const Obj& o = it->second;
  if (o.manifest.empty()) return Content{o.body, md5_hex(o.body), "", o.meta};
  const auto slash = o.manifest.find('/');
  const std::string container = o.manifest.substr(0, slash), prefix = o.manifest.substr(slash + 1);
  if (!container_exists(container)) return std::nullopt;
  Content c;
  c.manifest = o.manifest;
  c.meta = o.meta;  // the manifest's own metadata
  std::string hashes;
  for (const auto& [name, seg] : objects_with_prefix(m, container, prefix)) {
    c.bytes += seg->body;
    hashes += md5_hex(seg->body);
  }
  c.etag = quoted(md5_hex(hashes));  // dlo.py: quoted md5 of the segment etags
  return c;
}

// What a GET or HEAD (with an optional Range) must answer.
struct Expected {
  int status = 404;
  std::string body;             // GET: the delivered bytes
  std::uint64_t length = 0;     // Content-Length
  std::string etag;
  std::string content_range;    // 206 and 416 only
  std::string manifest;         // X-Object-Manifest
  std::string meta;             // X-Object-Meta-Color
};

Expected expect_read(const SwiftModel& m, const ObjKey& key, const RangeReq& range, bool head) {
  Expected e;
  const auto c = content_of(m, key);
  if (!c) return e;
  const std::uint64_t total = c->bytes.size();
  const bool dlo = !c->manifest.empty();
  e.status = 200;
  e.etag = c->etag;
  e.manifest = c->manifest;
  e.meta = c->meta;
  e.length = total;
  if (!head) e.body = c->bytes;
  // HEAD of a plain object ignores Range (swob returns before looking at it);
  // the dlo middleware checks satisfiability itself, for HEAD too.
  if (head && !dlo) return e;
  const RangeOutcome r = resolve(range, total);
  if (r.kind == RangeOutcome::Unsatisfiable) {
    e = Expected{};
    e.status = 416;
    e.content_range = "bytes */" + std::to_string(total);
    return e;
  }
  if (r.kind == RangeOutcome::Partial && !head) {
    e.status = 206;
    e.body = c->bytes.substr(r.start, r.end - r.start);
    e.length = r.end - r.start;
    e.content_range =
        "bytes " + std::to_string(r.start) + "-" + std::to_string(r.end - 1) + "/" + std::to_string(total);
  }
  return e;
}

// ---------------------------------------------------------------- the system

struct SwiftSut {
  Store store;
  SwiftFrontend swift;
  std::string token;

  explicit SwiftSut(const ModelConfig& config) : store(config), swift(store) {
    swift.set_base_url("http://127.0.0.1:8080");
    auto res = swift.handle(make_request("GET", "/auth/v1.0", {{"X-Auth-User", swift.config().user},
                                                                {"X-Auth-Key", swift.config().key}}));
    RC_ASSERT(res.status == 200);
    token = header(res, "X-Auth-Token");
    for (const auto& c : kContainers) RC_ASSERT(call("PUT", obj_path(c)).status == 201);
  }

  HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = {}) {
    headers["X-Auth-Token"] = token;
    return swift.handle(make_request(method, target, std::move(headers), std::move(body)));
  }
};

using SwiftCommand = rc::state::Command<SwiftModel, SwiftSut>;

// Checks a GET/HEAD response against the model's prediction.
void check_read(const HttpResponse& r, const Expected& e, bool head) {
  RC_ASSERT(r.status == e.status);
  if (head) RC_ASSERT(r.body.empty());
  if (e.status == 404) return;
  if (e.status == 416) {
    RC_ASSERT(header(r, "Content-Range") == e.content_range);
    return;
  }
  RC_ASSERT(header(r, "Etag") == e.etag);
  RC_ASSERT(r.content_length() == e.length);
  RC_ASSERT(header(r, "Content-Range") == e.content_range);
  RC_ASSERT(header(r, "X-Object-Manifest") == e.manifest);
  RC_ASSERT(header(r, kMetaHeader) == e.meta);
  if (!head) {
    RC_ASSERT(r.body_string() == e.body);
    RC_ASSERT(r.deliverable_bytes() == e.length);
  }
}

// ---------------------------------------------------------------- commands

// PUT into a missing container: 404, nothing stored.
int expect_write(const ObjKey& key) { return container_exists(key.first) ? 201 : 404; }

struct PutObject : SwiftCommand {
  ObjKey key = *gen_key();
  std::string body = *gen_body();
  std::string meta = *gen_meta();

  void apply(SwiftModel& m) const override {
    if (container_exists(key.first)) m.objects.edit()[key] = Obj{body, "", meta};
  }
  void run(const SwiftModel&, SwiftSut& sut) const override {
    Headers h;
    if (!meta.empty()) h[kMetaHeader] = meta;
    const auto r = sut.call("PUT", obj_path(key.first, key.second), h, body);
    RC_ASSERT(r.status == expect_write(key));
    if (r.status == 201) RC_ASSERT(header(r, "Etag") == md5_hex(body));
  }
  void show(std::ostream& os) const override {
    os << "PUT " << show_key(key) << " body=" << quoted(body);
    if (!meta.empty()) os << " " << kMetaHeader << ": " << meta;
  }
};

// A 0-byte DLO manifest: PUT with X-Object-Manifest.
struct PutManifest : SwiftCommand {
  ObjKey key = *gen_key(kManifestNames);
  std::string target = *rc::gen::elementOf(kManifestTargets);
  std::string meta = *gen_meta();

  void apply(SwiftModel& m) const override {
    if (container_exists(key.first)) m.objects.edit()[key] = Obj{"", target, meta};
  }
  void run(const SwiftModel&, SwiftSut& sut) const override {
    Headers h{{"X-Object-Manifest", target}};
    if (!meta.empty()) h[kMetaHeader] = meta;
    const auto r = sut.call("PUT", obj_path(key.first, key.second), h);
    RC_ASSERT(r.status == expect_write(key));
    if (r.status == 201) RC_ASSERT(header(r, "Etag") == md5_hex(""));
  }
  void show(std::ostream& os) const override {
    os << "PUT " << show_key(key) << " X-Object-Manifest: " << target << " (0 bytes)";
    if (!meta.empty()) os << " " << kMetaHeader << ": " << meta;
  }
};

// GET or HEAD of any object, with an optional Range and X-Newest.
struct Read : SwiftCommand {
  ObjKey key;
  bool head = false;
  bool newest = false;
  RangeReq range;

  explicit Read(const std::vector<std::string>& names = kNames) {
    key = *gen_key(names);
    head = *rc::gen::arbitrary<bool>();
    newest = *rc::gen::element(false, false, false, true);
    // Only m1/m2 can ever be manifests.
    range = gen_range(key.second[0] != 'm');
  }

  void run(const SwiftModel& m, SwiftSut& sut) const override {
    Headers h;
    if (range.kind != RangeReq::None) h["Range"] = range.header();
    if (newest) h["X-Newest"] = "true";
    const auto r = sut.call(head ? "HEAD" : "GET", obj_path(key.first, key.second), h);
    check_read(r, expect_read(m, key, range, head), head);
  }
  void show(std::ostream& os) const override {
    os << (head ? "HEAD " : "GET ") << show_key(key);
    if (range.kind != RangeReq::None) os << " Range: " << range.header();
    if (newest) os << " X-Newest: true";
  }
};

// The same, aimed at the manifest names so that DLO reads are frequent.
struct ReadManifest : Read {
  ReadManifest() : Read(kManifestNames) {}
};

struct Delete : SwiftCommand {
  ObjKey key = *gen_key();

  void apply(SwiftModel& m) const override { m.objects.edit().erase(key); }
  void run(const SwiftModel& m, SwiftSut& sut) const override {
    const auto r = sut.call("DELETE", obj_path(key.first, key.second));
    RC_ASSERT(r.status == (m.objects->count(key) ? 204 : 404));
  }
  void show(std::ostream& os) const override { os << "DELETE " << show_key(key); }
};

// Server-side copy: COPY with Destination, or PUT with X-Copy-From. The
// destination is the source's content (a DLO's assembled bytes, as a plain
// object).
struct Copy : SwiftCommand {
  ObjKey src = *gen_key();
  ObjKey dst = *gen_key();
  bool copy_method = *rc::gen::arbitrary<bool>();
  bool leading_slash = *rc::gen::arbitrary<bool>();  // "/c/o" and "c/o" both name an object
  std::string meta = *gen_meta();                   // set by the copy request, over the source's

  void apply(SwiftModel& m) const override {
    if (auto c = content_of(m, src); c && container_exists(dst.first))
      m.objects.edit()[dst] = Obj{c->bytes, "", meta.empty() ? c->meta : meta};
  }
  void run(const SwiftModel& m, SwiftSut& sut) const override {
    const std::string slash = leading_slash ? "/" : "";
    Headers h;
    if (!meta.empty()) h[kMetaHeader] = meta;
    if (copy_method) {
      h["Destination"] = slash + show_key(dst);
    } else {
      h["X-Copy-From"] = slash + show_key(src);
    }
    const auto r = copy_method ? sut.call("COPY", obj_path(src.first, src.second), h)
                               : sut.call("PUT", obj_path(dst.first, dst.second), h);
    const auto c = content_of(m, src);
    if (!c || !container_exists(dst.first)) {
      RC_ASSERT(r.status == 404);
      return;
    }
    RC_ASSERT(r.status == 201);
    RC_ASSERT(header(r, "Etag") == md5_hex(c->bytes));
    RC_ASSERT(header(r, "X-Copied-From") == show_key(src));
  }
  void show(std::ostream& os) const override {
    const std::string slash = leading_slash ? "/" : "";
    if (copy_method)
      os << "COPY " << show_key(src) << " Destination: " << slash << show_key(dst);
    else
      os << "PUT " << show_key(dst) << " X-Copy-From: " << slash << show_key(src);
    if (!meta.empty()) os << " " << kMetaHeader << ": " << meta;
  }
};

// GET <container>?format=json with a prefix and optionally delimiter=/.
struct List : SwiftCommand {
  std::string container = *rc::gen::weightedElement<std::string>({{4, "c"}, {4, "d"}, {1, "x"}});
  std::string prefix = *rc::gen::elementOf(kListPrefixes);
  bool delimiter = *rc::gen::arbitrary<bool>();

  // One line per entry: "name bytes hash" or "subdir/".
  static std::vector<std::string> expected(const SwiftModel& m, const std::string& container,
                                           const std::string& prefix, bool delimiter) {
    std::vector<std::string> out;
    std::string last_subdir;
    for (const auto& [name, obj] : objects_with_prefix(m, container, prefix)) {
      if (delimiter) {
        const auto pos = name.find('/', prefix.size());
        if (pos != std::string::npos) {  // rolled up into "prefix…/"
          const std::string subdir = name.substr(0, pos + 1);
          if (subdir != last_subdir) out.push_back("subdir " + subdir);
          last_subdir = subdir;
          continue;
        }
      }
      out.push_back(name + " " + std::to_string(obj->body.size()) + " " + md5_hex(obj->body));
    }
    return out;
  }

  void run(const SwiftModel& m, SwiftSut& sut) const override {
    std::string target = obj_path(container) + "?format=json";
    if (!prefix.empty()) target += "&prefix=" + prefix;
    if (delimiter) target += "&delimiter=/";
    const auto r = sut.call("GET", target);
    if (!container_exists(container)) {
      RC_ASSERT(r.status == 404);
      return;
    }
    RC_ASSERT(r.status == 200);
    std::vector<property::Listed> entries;
    RC_ASSERT(property::read_listing(r.body_string(), entries));
    std::vector<std::string> listed;
    for (const auto& e : entries) {
      if (e.subdir) {
        listed.push_back("subdir " + e.name);
        continue;
      }
      RC_ASSERT(e.bytes.has_value());
      RC_ASSERT(e.hash.has_value());
      listed.push_back(e.name + " " + std::to_string(*e.bytes) + " " + *e.hash);
    }
    RC_ASSERT(listed == expected(m, container, prefix, delimiter));
    // The container stats the listing carries.
    std::uint64_t count = 0, bytes = 0;
    for (const auto& [name, obj] : objects_with_prefix(m, container, "")) {
      ++count;
      bytes += obj->body.size();
    }
    RC_ASSERT(header(r, "X-Container-Object-Count") == std::to_string(count));
    RC_ASSERT(header(r, "X-Container-Bytes-Used") == std::to_string(bytes));
  }
  void show(std::ostream& os) const override {
    os << "GET " << container << "?format=json";
    if (!prefix.empty()) os << "&prefix=" << prefix;
    if (delimiter) os << "&delimiter=/";
  }
};

}  // namespace

TEST_CASE("swift front-end over a store without delays is linearizable") {
  rc::prop("every response equals the std::map model's prediction", [](std::uint8_t seed) {
    ModelConfig config;
    config.seed = seed;
    config.virtual_time = true;
    SwiftSut sut(config);
    // Sequences of up to ~3x rapidcheck's size (300 commands), weighted
    // towards writes so that reads mostly find something.
    const auto commands = *rc::gen::scale(
        3.0, rc::state::gen::commands(SwiftModel{},
                                      rc::state::gen::execOneOfWithArgs<PutObject, PutObject, PutObject, PutManifest,
                                                                        Copy, Delete, Read, Read, ReadManifest,
                                                                        ReadManifest, List>()));
    rc::state::runAll(commands, SwiftModel{}, sut);
  });
}
