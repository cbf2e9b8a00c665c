// Properties of the replicated store under random request sequences, with
// rapidcheck shrinking any failure to a minimal counterexample.
#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <map>
#include <ostream>
#include <set>

#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {

// One step of a random history against the store API.
struct Step {
  enum Kind { Put, Delete, Get, GetNewest, List, Advance } kind = Put;
  int key = 0;             // index into a small key space (collisions on purpose)
  std::int64_t advance = 0;  // microseconds, for Advance
};

// How rapidcheck prints a step in a shrunk counterexample.
void showValue(const Step& s, std::ostream& os) {
  static const char* names[] = {"PUT", "DELETE", "GET", "GET(X-Newest)", "LIST", "ADVANCE"};
  os << names[s.kind];
  if (s.kind == Step::Advance)
    os << " " << s.advance << "us";
  else if (s.kind != Step::List)
    os << " key" << s.key;
}

}  // namespace

namespace rc {
template <>
struct Arbitrary<Step> {
  static Gen<Step> arbitrary() {
    return gen::build<Step>(gen::set(&Step::kind, gen::element(Step::Put, Step::Put, Step::Delete, Step::Get,
                                                               Step::GetNewest, Step::List, Step::Advance)),
                            gen::set(&Step::key, gen::inRange(0, 5)),
                            gen::set(&Step::advance, gen::inRange<std::int64_t>(0, 3'000'000)));
  }
};
}  // namespace rc

namespace {

const char* kKeys[] = {"a", "a/b", "a/c", "b", "bb"};

RequestInfo request(const char* method, const std::string& object) {
  RequestInfo r;
  r.method = method;
  r.account = "A";
  r.container = "c";
  r.object = object;
  return r;
}

ModelConfig lagged_config(std::uint64_t seed) {
  ModelConfig c;
  c.seed = seed;
  c.virtual_time = true;
  c.consistency.replication_delay = {Delay::Kind::Exponential, 1'500'000, 0};
  c.consistency.listing_delay = {Delay::Kind::LogNormal, 300'000, 4'000'000};
  c.consistency.write_quorum = 1;
  return c;
}

// Runs the steps; checks the per-read properties as it goes (the event log stays in the store).
// `written` maps key -> every value ever written (in order).
void run_history(Store& store, const std::vector<Step>& steps) {
  store.create_account("A");
  store.put_container("A", "c", {});
  std::map<std::string, std::vector<std::string>> written;
  std::map<std::string, std::optional<std::string>> last;  // newest acknowledged state
  std::set<std::string> ever;
  int counter = 0;
  for (const auto& step : steps) {
    const std::string key = kKeys[step.key];
    switch (step.kind) {
      case Step::Put: {
        const std::string value = "v" + std::to_string(counter++);
        auto ctx = store.begin_request(request("PUT", key));
        ObjectVersion v;
        v.body = make_payload(value);
        RC_ASSERT(store.put_object("A", "c", key, v, &ctx).status == Store::WriteStatus::Ok);
        store.end_request(ctx, 201, 0);
        written[key].push_back(value);
        last[key] = value;
        ever.insert(key);
        break;
      }
      case Step::Delete: {
        auto ctx = store.begin_request(request("DELETE", key));
        store.delete_object("A", "c", key, &ctx);
        store.end_request(ctx, 204, 0);
        last[key] = std::nullopt;
        break;
      }
      case Step::Get:
      case Step::GetNewest: {
        auto ctx = store.begin_request(request("GET", key));
        const auto r = store.read_object("A", "c", key, {.newest = step.kind == Step::GetNewest}, &ctx);
        store.end_request(ctx, r.version ? 200 : 404, 0);
        if (r.version) {
          // never fabricated: a value that was written to this key
          const auto& values = written[key];
          RC_ASSERT(std::find(values.begin(), values.end(), r.version->body.str()) != values.end());
        }
        if (step.kind == Step::GetNewest) {
          // X-Newest returns the newest version any replica holds
          Timestamp newest_ts = -1;
          auto newest_state = ReplicaCopy::State::Absent;
          for (const auto& copy : store.object_copies("A", "c", key)) {
            if (copy.state == ReplicaCopy::State::Absent) continue;
            if (copy.ts > newest_ts) {
              newest_ts = copy.ts;
              newest_state = copy.state;
            }
          }
          RC_ASSERT((newest_state == ReplicaCopy::State::Present) == r.version.has_value());
        }
        break;
      }
      case Step::List: {
        RequestInfo info = request("GET", "");
        info.is_listing = true;
        auto ctx = store.begin_request(info);
        const auto items = store.list_objects("A", "c", {}, &ctx);
        store.end_request(ctx, 200, 0);
        RC_ASSERT(items.has_value());
        for (const auto& item : *items) RC_ASSERT(ever.count(item.name) == 1u);  // only names that existed
        break;
      }
      case Step::Advance: store.advance_clock(step.advance); break;
    }
  }
  // After quiesce every replica agrees, and X-Newest reads equal the model.
  store.quiesce();
  RC_ASSERT(store.converged());
  for (const auto& [key, value] : last) {
    const auto r = store.read_object("A", "c", key, {.newest = true});
    RC_ASSERT(r.version.has_value() == value.has_value());
    if (value) RC_ASSERT(r.version->body.str() == *value);
    // a plain read agrees too once converged
    const auto plain = store.read_object("A", "c", key);
    RC_ASSERT(plain.version.has_value() == value.has_value());
  }
  std::set<std::string> live;
  for (const auto& [key, value] : last)
    if (value) live.insert(key);
  const auto listed = store.list_objects("A", "c", {});
  std::set<std::string> names;
  for (const auto& i : *listed) names.insert(i.name);
  RC_ASSERT(names == live);
}

}  // namespace

TEST_CASE("store properties under replication and listing lag") {
  rc::prop("reads are never fabricated, X-Newest is newest, quiesce converges to the model",
           [](const std::vector<Step>& steps, std::uint8_t seed) {
             Store store(lagged_config(seed));
             run_history(store, steps);
           });

  rc::prop("the same seed and request sequence give the same event log, byte for byte",
           [](const std::vector<Step>& steps, std::uint8_t seed) {
             Store first(lagged_config(seed)), second(lagged_config(seed));
             run_history(first, steps);
             run_history(second, steps);
             RC_ASSERT(first.events().jsonl() == second.events().jsonl());
           });

  rc::prop("with zero delays every read sees the last acknowledged write", [](const std::vector<Step>& steps) {
    ModelConfig c;
    c.virtual_time = true;
    Store store(c);
    store.create_account("A");
    store.put_container("A", "c", {});
    std::map<std::string, std::string> model;
    int counter = 0;
    for (const auto& step : steps) {
      const std::string key = kKeys[step.key];
      if (step.kind == Step::Put) {
        const std::string value = "v" + std::to_string(counter++);
        ObjectVersion v;
        v.body = make_payload(value);
        auto ctx = store.begin_request(request("PUT", key));
        store.put_object("A", "c", key, v, &ctx);
        model[key] = value;
      } else if (step.kind == Step::Delete) {
        auto ctx = store.begin_request(request("DELETE", key));
        const auto st = store.delete_object("A", "c", key, &ctx).status;
        RC_ASSERT((st == Store::WriteStatus::Ok) == (model.count(key) == 1u));
        model.erase(key);
      } else {
        auto ctx = store.begin_request(request("GET", key));
        const auto r = store.read_object("A", "c", key, {}, &ctx);
        RC_ASSERT(r.version.has_value() == (model.count(key) == 1u));
        if (r.version) RC_ASSERT(r.version->body.str() == model[key]);
      }
    }
  });
}
