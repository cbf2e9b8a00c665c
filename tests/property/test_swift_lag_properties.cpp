// A rapidcheck state-machine test of the Swift front-end over a store with
// replication lag (exponential, mean 1 s) and listing lag (lognormal, p50
// 300 ms, p99 4 s), driven by random PUT / DELETE / COPY / GET (with and
// without X-Newest) / listing / clock-advance / quiesce sequences. Reads may be
// stale, but never invented:
//  - a GET 200 body is one of the values ever PUT to that name, with its etag;
//  - a listed name was PUT at some point, with the size and hash of one of
//    its values; a subdir rolls up names that were PUT;
//  - a GET with X-Newest returns the newest state any replica holds (compared
//    with Store::object_copies): 404 for a newest tombstone or nothing; as an
//    acknowledged write is on a quorum at once, that is the model's newest
//    acknowledged state;
//  - a server-side copy reads its source with X-Newest: it copies the newest
//    acknowledged value, or answers 404;
//  - DELETE answers 204 exactly when the newest acknowledged state is live;
//  - after Store::quiesce() the store has converged, and every GET (with or
//    without X-Newest) and the listing equal the sorted-map model of the
//    acknowledged writes.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
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

const std::string kAccount = "AUTH_test";
const std::string kContainer = "c";
const std::vector<std::string> kNames = {"s/a", "s/b", "s/ab", "s/b/c", "o1"};
const std::vector<std::string> kListPrefixes = {"", "s/", "s/a", "s/b", "o"};

// A name / a listing prefix. The generators are built once: elementOf copies
// its list into every generator it builds, once per command otherwise.
std::string any_name() {
  static const rc::Gen<std::string> gen = rc::gen::elementOf(kNames);
  return *gen;
}
std::string any_prefix() {
  static const rc::Gen<std::string> gen = rc::gen::elementOf(kListPrefixes);
  return *gen;
}

ModelConfig lagged_config(std::uint64_t seed) {
  ModelConfig c;
  c.seed = seed;
  c.virtual_time = true;
  c.consistency.replication_delay = {Delay::Kind::Exponential, 1'000'000, 0};        // mean 1 s
  c.consistency.listing_delay = {Delay::Kind::LogNormal, 300'000, 4'000'000};        // p50 300 ms, p99 4 s
  return c;
}

// "1700000000.12345" -> 170000000012345 (10 us units), for ordering.
std::int64_t parse_swift_ts(const std::string& s) {
  const auto dot = s.find('.');
  if (dot == std::string::npos) return std::atoll(s.c_str()) * 100000;
  return std::atoll(s.substr(0, dot).c_str()) * 100000 + std::atoll(s.substr(dot + 1).c_str());
}

// ---------------------------------------------------------------- the model

// One value PUT (or copied) to a name, and every value written before it.
struct Write {
  std::string name, value;
  std::shared_ptr<const Write> older;
};

// rapidcheck copies the model for every command: the history is shared
// between copies (it only grows), the newest states are one flat vector.
struct LagModel {
  std::shared_ptr<const Write> written;  // every value ever PUT to a name, newest first
  // The newest acknowledged state of each name (nullopt: deleted).
  property::CopyOnWrite<property::FlatMap<std::string, std::optional<std::string>>> last;
  int puts = 0;

  void write(const std::string& name, const std::string& value) {
    written = std::make_shared<const Write>(Write{name, value, written});
    last.edit()[name] = value;
  }
  template <typename Pred>
  bool any_written(Pred pred) const {
    for (const Write* w = written.get(); w; w = w->older.get())
      if (pred(*w)) return true;
    return false;
  }
  bool ever_put(const std::string& name) const {
    return any_written([&](const Write& w) { return w.name == name; });
  }
  bool live(const std::string& name) const {
    auto it = last->find(name);
    return it != last->end() && it->second.has_value();
  }
};

// ---------------------------------------------------------------- the system

struct LagSut {
  Store store;
  SwiftFrontend swift;
  std::string token;
  LagModel latest;  // the model after the last command run (for the final check)

  explicit LagSut(const ModelConfig& config) : store(config), swift(store) {
    swift.set_base_url("http://127.0.0.1:8080");
    auto res = swift.handle(make_request("GET", "/auth/v1.0", {{"X-Auth-User", swift.config().user},
                                                                {"X-Auth-Key", swift.config().key}}));
    RC_ASSERT(res.status == 200);
    token = header(res, "X-Auth-Token");
    RC_ASSERT(call("PUT", obj_path(kContainer)).status == 201);
  }

  HttpResponse call(const std::string& method, const std::string& target, Headers headers = {},
                    std::string body = {}) {
    headers["X-Auth-Token"] = token;
    return swift.handle(make_request(method, target, std::move(headers), std::move(body)));
  }
  HttpResponse get(const std::string& name, bool newest) {
    Headers h;
    if (newest) h["X-Newest"] = "true";
    return call("GET", obj_path(kContainer, name), std::move(h));
  }
  std::vector<property::Listed> list(const std::string& query) {
    const auto r = call("GET", obj_path(kContainer) + "?format=json" + query);
    RC_ASSERT(r.status == 200);
    std::vector<property::Listed> entries;
    RC_ASSERT(property::read_listing(r.body_string(), entries));
    return entries;
  }
};

// After quiesce: converged, and every read equals the model.
void check_quiesced(const LagModel& m, LagSut& sut) {
  sut.store.quiesce();
  RC_ASSERT(sut.store.converged());
  RC_ASSERT(sut.store.pending_count() == 0u);
  for (const auto& name : kNames) {
    const auto it = m.last->find(name);
    const std::optional<std::string> want = it == m.last->end() ? std::nullopt : it->second;
    const std::string want_etag = want ? md5_hex(*want) : std::string();
    for (bool newest : {false, true}) {
      const auto r = sut.get(name, newest);
      RC_ASSERT(r.status == (want ? 200 : 404));
      if (want) {
        RC_ASSERT(r.body_string() == *want);
        RC_ASSERT(header(r, "Etag") == want_etag);
      }
    }
  }
  std::vector<std::string> listed, live;
  for (const auto& e : sut.list("")) {
    RC_ASSERT(!e.subdir);
    listed.push_back(e.name);
  }
  for (const auto& [name, value] : *m.last)
    if (value) live.push_back(name);  // sorted: already in name order
  RC_ASSERT(listed == live);
}

// Every command records the model it leaves behind, for the final check.
struct LagCommand : rc::state::Command<LagModel, LagSut> {
  void run(const LagModel& s0, LagSut& sut) const final {
    exec(s0, sut);
    sut.latest = nextState(s0);
  }
  virtual void exec(const LagModel& s0, LagSut& sut) const = 0;
};

// ---------------------------------------------------------------- commands

struct Put : LagCommand {
  std::string name;
  std::string body;

  explicit Put(const LagModel& m) {
    name = any_name();
    // Distinct values, so that a stale or fabricated read is recognisable.
    body = "v" + std::to_string(m.puts) + std::string(*rc::gen::inRange<std::size_t>(0, 4), '.');
  }
  void apply(LagModel& m) const override {
    m.write(name, body);
    ++m.puts;
  }
  void exec(const LagModel&, LagSut& sut) const override {
    const auto r = sut.call("PUT", obj_path(kContainer, name), {}, body);
    RC_ASSERT(r.status == 201);
    RC_ASSERT(header(r, "Etag") == md5_hex(body));
  }
  void show(std::ostream& os) const override { os << "PUT " << kContainer << "/" << name << " body=\"" << body << "\""; }
};

struct Del : LagCommand {
  std::string name = any_name();

  void apply(LagModel& m) const override { m.last.edit()[name] = std::nullopt; }
  void exec(const LagModel& m, LagSut& sut) const override {
    // The write quorum holds the newest acknowledged state, so the proxy's
    // newest answer is that state.
    const auto r = sut.call("DELETE", obj_path(kContainer, name));
    RC_ASSERT(r.status == (m.live(name) ? 204 : 404));
  }
  void show(std::ostream& os) const override { os << "DELETE " << kContainer << "/" << name; }
};

struct Get : LagCommand {
  std::string name = any_name();
  bool newest = *rc::gen::arbitrary<bool>();

  void exec(const LagModel& m, LagSut& sut) const override {
    // The newest state any replica holds (pending updates that are due are
    // applied by object_copies as by any read; the clock does not move between).
    std::int64_t newest_ts = -1;
    auto newest_state = ReplicaCopy::State::Absent;
    std::string newest_etag;
    for (const auto& copy : sut.store.object_copies(kAccount, kContainer, name)) {
      if (copy.state == ReplicaCopy::State::Absent) continue;
      const std::int64_t ts = copy.ts / 10;  // X-Timestamp's 10 us units, as parse_swift_ts gives them
      if (ts > newest_ts) {
        newest_ts = ts;
        newest_state = copy.state;
        newest_etag = copy.etag;
      }
    }

    const auto r = sut.get(name, newest);
    RC_ASSERT((r.status == 200 || r.status == 404));
    if (!m.ever_put(name)) RC_ASSERT(r.status == 404);
    if (r.status == 200) {
      // never fabricated: one of the values PUT to this name, with its etag
      const std::string body = r.body_string();
      RC_ASSERT(m.any_written([&](const Write& w) { return w.name == name && w.value == body; }));
      RC_ASSERT(header(r, "Etag") == md5_hex(body));
      RC_ASSERT(r.content_length() == body.size());
      // never newer than what the newest replica holds
      RC_ASSERT(parse_swift_ts(header(r, "X-Timestamp")) <= newest_ts);
    }
    if (newest) {
      RC_ASSERT((r.status == 200) == (newest_state == ReplicaCopy::State::Present));
      if (r.status == 200) {
        RC_ASSERT(header(r, "Etag") == newest_etag);
        RC_ASSERT(parse_swift_ts(header(r, "X-Timestamp")) == newest_ts);
      }
      RC_ASSERT(r.status == (m.live(name) ? 200 : 404));
      if (r.status == 200) RC_ASSERT(r.body_string() == *m.last->at(name));
    }
  }
  void show(std::ostream& os) const override {
    os << "GET " << kContainer << "/" << name << (newest ? " X-Newest: true" : "");
  }
};

// COPY with Destination, or PUT with X-Copy-From.
struct Copy : LagCommand {
  std::string src = any_name();
  std::string dst = any_name();
  bool copy_method = *rc::gen::arbitrary<bool>();

  void apply(LagModel& m) const override {
    if (!m.live(src)) return;
    const std::string value = *m.last->at(src);
    m.write(dst, value);
  }
  void exec(const LagModel& m, LagSut& sut) const override {
    const auto r = copy_method
                       ? sut.call("COPY", obj_path(kContainer, src), {{"Destination", kContainer + "/" + dst}})
                       : sut.call("PUT", obj_path(kContainer, dst), {{"X-Copy-From", kContainer + "/" + src}});
    RC_ASSERT(r.status == (m.live(src) ? 201 : 404));
    if (r.status == 201) RC_ASSERT(header(r, "Etag") == md5_hex(*m.last->at(src)));
  }
  void show(std::ostream& os) const override {
    if (copy_method)
      os << "COPY " << kContainer << "/" << src << " Destination: " << kContainer << "/" << dst;
    else
      os << "PUT " << kContainer << "/" << dst << " X-Copy-From: " << kContainer << "/" << src;
  }
};

struct List : LagCommand {
  std::string prefix = any_prefix();
  bool delimiter = *rc::gen::arbitrary<bool>();

  void exec(const LagModel& m, LagSut& sut) const override {
    std::string query;
    if (!prefix.empty()) query += "&prefix=" + prefix;
    if (delimiter) query += "&delimiter=/";
    std::string previous;
    for (const auto& e : sut.list(query)) {
      const bool subdir = e.subdir;
      const std::string& name = e.name;
      RC_ASSERT(name.compare(0, prefix.size(), prefix) == 0);
      RC_ASSERT(previous < name);  // strictly increasing
      previous = name;
      if (subdir) {
        // "prefix…/" rolling up at least one name that was PUT
        RC_ASSERT(delimiter);
        RC_ASSERT(name.back() == '/');
        RC_ASSERT(name.find('/', prefix.size()) == name.size() - 1);
        RC_ASSERT(m.any_written([&](const Write& w) { return w.name.compare(0, name.size(), name) == 0; }));
        continue;
      }
      // a name that was PUT, with the size and hash of one of its values
      RC_ASSERT(m.ever_put(name));
      if (delimiter) RC_ASSERT(name.find('/', prefix.size()) == std::string::npos);
      RC_ASSERT(e.bytes.has_value());
      RC_ASSERT(e.hash.has_value());
      const auto bytes = *e.bytes;
      const auto& hash = *e.hash;
      RC_ASSERT(m.any_written(
          [&](const Write& w) { return w.name == name && w.value.size() == bytes && md5_hex(w.value) == hash; }));
    }
  }
  void show(std::ostream& os) const override {
    os << "GET " << kContainer << "?format=json";
    if (!prefix.empty()) os << "&prefix=" << prefix;
    if (delimiter) os << "&delimiter=/";
  }
};

struct Advance : LagCommand {
  std::int64_t us = *rc::gen::inRange<std::int64_t>(0, 3'000'000);

  void exec(const LagModel&, LagSut& sut) const override { sut.store.advance_clock(us); }
  void show(std::ostream& os) const override { os << "advance_clock " << us << "us"; }
};

struct Quiesce : LagCommand {
  void exec(const LagModel& m, LagSut& sut) const override { check_quiesced(m, sut); }
  void show(std::ostream& os) const override { os << "quiesce (then GET all, with and without X-Newest, LIST)"; }
};

}  // namespace

TEST_CASE("swift front-end over a lagging store: stale but never fabricated, converges after quiesce") {
  rc::prop("reads are never fabricated, X-Newest is the newest replica, quiesce converges to the model",
           [](std::uint32_t seed) {
             LagSut sut(lagged_config(seed));
             // Sequences of up to ~3x rapidcheck's size (300 commands).
             const auto commands = *rc::gen::scale(
                 3.0, rc::state::gen::commands(
                          LagModel{}, rc::state::gen::execOneOfWithArgs<Put, Put, Put, Del, Copy, Get, Get, Get, List,
                                                                        Advance, Advance, Quiesce>()));
             rc::state::runAll(commands, LagModel{}, sut);
             check_quiesced(sut.latest, sut);
           });
}
