// stalemate explore without a registry: the generated cases are valid
// scenarios (and stay valid when shrunk), the same seed draws the same cases,
// findings are classified by kind, and the greedy shrink keeps the kind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <set>

#include "campaign/explore/case_gen.h"
#include "campaign/explore/explore.h"
#include "campaign/explore/finding.h"
#include "campaign/explore/shrink.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"

using namespace stalemate::campaign::explore;
using json = nlohmann::json;

namespace {

// Throws InputError (naming the JSON path) if the scenario would be refused by `stalemate run`.
void validate(const ExploreCase& c) {
  const auto s = case_to_scenario(c, "case", 7);
  INFO(s.dump(1));
  auto scenario = stalemate::harness::parse_scenario(s, "generated.json");
  REQUIRE_NOTHROW(stalemate::harness::make_run_plan(std::move(scenario), {}));
}

CaseOptions options(const std::string& backend, FaultMode faults) {
  CaseOptions o;
  o.backend = backend;
  o.faults = faults;
  return o;
}

Finding finding_of(Finding::Outcome outcome, const std::string& what) {
  Finding f;
  f.outcome = outcome;
  if (outcome == Finding::Outcome::Integrity) {
    f.invariant = what;
    f.invariants = {what};
    f.kind = "integrity: " + what;
  } else {
    f.signature = what;
    f.kind = "availability: " + what;
  }
  return f;
}

bool pulls_a_multi_segment_layer(const ExploreCase& c) {
  const auto s = case_to_scenario(c, "x", 1);
  bool pull = false;
  for (const auto& st : s["workload"]["steps"]) pull = pull || st.contains("pull");
  bool big = false;
  for (const auto& im : c.images)
    for (const auto& l : im.layers) big = big || l.size > (1u << 20);
  return pull && big;
}

}  // namespace

TEST_CASE("explore: every generated case is a valid scenario for both backends and every fault mode") {
  for (const auto* backend : {"swift", "s3"})
    for (auto faults : {FaultMode::None, FaultMode::Lag, FaultMode::Rules}) {
      const auto cases = draw_cases(options(backend, faults), 11, 0, 60);
      for (const auto& c : cases) validate(c.value());
    }
}

TEST_CASE("explore: the shrinks of a case stay valid scenarios") {
  for (const auto& c : draw_cases(options("swift", FaultMode::Rules), 5, 0, 6)) {
    auto shrinks = c.shrinks();
    for (int k = 0; k < 40; ++k) {
      auto s = shrinks.next();
      if (!s) break;
      validate(s->value());
      auto deeper = s->shrinks().next();  // one level further down
      if (deeper) validate(deeper->value());
    }
  }
}

TEST_CASE("explore: the same seed draws the same cases and another seed others") {
  const auto o = options("swift", FaultMode::Lag);
  const auto a = draw_cases(o, 3, 0, 20), b = draw_cases(o, 3, 0, 20), other = draw_cases(o, 4, 0, 20);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(case_key(a[i].value()) == case_key(b[i].value()));
    differ += case_key(a[i].value()) != case_key(other[i].value());
  }
  CHECK(differ > 10);
  // Drawing from the middle gives the same cases as drawing from the start.
  CHECK(case_key(draw_cases(o, 3, 7, 1)[0].value()) == case_key(a[7].value()));
  CHECK(case_seed(3, 7) == case_seed(3, 7));
  CHECK(case_seed(3, 7) != case_seed(4, 7));
}

TEST_CASE("explore: faults none means no lag and no rules and lag means no targeted rules") {
  for (const auto& c : draw_cases(options("s3", FaultMode::None), 1, 0, 20)) {
    CHECK_FALSE(c.value().lag);
    CHECK(c.value().rules.empty());
    CHECK_FALSE(case_to_scenario(c.value(), "n", 1)["backend"].contains("consistency"));
  }
  for (const auto& c : draw_cases(options("swift", FaultMode::Lag), 1, 0, 20)) {
    CHECK(c.value().lag);
    CHECK(c.value().rules.empty());
  }
}

TEST_CASE("explore: findings are classified by kind from the report") {
  const auto integrity = classify(json::parse(R"({"outcome": "integrity", "counts": {"requests": 9},
      "violations": [{"invariant": "blob-length"}, {"invariant": "blob-digest"}], "errors": []})"), 1);
  CHECK(integrity.kind == "integrity: blob-length");
  CHECK(integrity.requests == 9);
  const std::string m7 = "push incident/m7:v1 (buildkit): push-commit: PUT /v2/incident/m7/blobs/uploads/28?_state=F "
                         "returned 404 (expected 201): {\"errors\":[{\"code\":\"BLOB_UPLOAD_INVALID\",\"message\":\"x\"}]}";
  const auto avail = classify(json{{"outcome", "availability"}, {"violations", json::array()}, {"errors", {m7}}}, 1);
  CHECK(avail.kind == "availability: push-commit PUT 404 BLOB_UPLOAD_INVALID");
  CHECK(error_text_of(m7) == "returned 404 (expected 201): {\"errors\":[{\"code\":\"BLOB_UPLOAD_INVALID\"");
  CHECK(expect_of(avail)["errors"] == true);
  CHECK(expect_of(integrity) == json{{"violations", {"blob-length"}}});
  // A violation after a child's death is not a finding; no report is infrastructure.
  const auto died = classify(json::parse(R"({"outcome": "infrastructure", "aborted": true,
      "violations": [{"invariant": "blob-digest", "after_process_death": true}]})"), 3);
  CHECK(died.outcome == Finding::Outcome::Infrastructure);
  CHECK_FALSE(died.failed());
  CHECK(classify(nullptr, 137).outcome == Finding::Outcome::Infrastructure);
  CHECK(classify(json{{"outcome", "clean"}}, 0).kind.empty());
  // Same kind: the target's invariant among the candidate's; the same failed request.
  CHECK(same_kind(integrity, finding_of(Finding::Outcome::Integrity, "blob-length")));
  CHECK_FALSE(same_kind(integrity, finding_of(Finding::Outcome::Integrity, "blob-digest")));
  CHECK_FALSE(same_kind(integrity, avail));
  CHECK(same_kind(avail, avail));
}

TEST_CASE("explore: the greedy shrink reaches a minimal case and keeps the kind") {
  const auto target = finding_of(Finding::Outcome::Integrity, "blob-digest");
  // A stand-in for the registry: pulling a multi-segment layer breaks blob-digest;
  // a case with several images fails a push instead (another kind, so never accepted).
  const Judge judge = [&](const std::vector<ExploreCase>& cases) {
    std::vector<Finding> out;
    for (const auto& c : cases) {
      if (pulls_a_multi_segment_layer(c) && c.images.size() == 1) out.push_back(target);
      else if (pulls_a_multi_segment_layer(c)) out.push_back(finding_of(Finding::Outcome::Availability, "push-put PUT 500"));
      else out.push_back({});
    }
    return out;
  };
  std::size_t shrunk = 0;
  for (const auto& c : draw_cases(options("swift", FaultMode::Lag), 21, 0, 60)) {
    if (!pulls_a_multi_segment_layer(c.value()) || c.value().images.size() != 1) continue;
    ShrinkBounds bounds;
    bounds.batch = 3;
    bounds.tries = 1;
    const auto r = shrink_case(c, target, judge, bounds);
    CHECK(r.exhausted);
    CHECK(r.finding.kind == target.kind);
    CHECK(pulls_a_multi_segment_layer(r.minimal));
    CHECK(r.minimal.images.size() == 1);
    CHECK(case_operations(r.minimal) <= case_operations(c.value()));
    CHECK(case_operations(r.minimal) == 2);  // one push, one pull
    CHECK(r.minimal.images[0].layers.size() == 1);
    CHECK(r.minimal.images[0].layers[0].size == (1u << 20) + 1);  // the smallest size above one segment
    if (++shrunk == 3) break;
  }
  CHECK(shrunk == 3);
}

TEST_CASE("explore: a bound stops the shrink early and says so") {
  const auto target = finding_of(Finding::Outcome::Integrity, "blob-digest");
  const Judge always = [&](const std::vector<ExploreCase>& cases) { return std::vector<Finding>(cases.size(), target); };
  const auto c = draw_cases(options("swift", FaultMode::Lag), 2, 0, 1)[0];
  ShrinkBounds bounds;
  bounds.max_runs = 2;
  const auto r = shrink_case(c, target, always, bounds);
  CHECK(r.runs <= 2);
  CHECK_FALSE(r.exhausted);
}

TEST_CASE("explore: a saved counterexample expects its finding and says how to replay it") {
  const auto c = draw_cases(options("swift", FaultMode::Lag), 1, 0, 1)[0].value();
  Counterexample ce;
  ce.finding = finding_of(Finding::Outcome::Integrity, "blob-digest");
  ce.seed = case_seed(1, 0);
  const auto s = counterexample_scenario(c, ce, "explore-swift-x", 1);
  CHECK(s["kind"] == "targeted");
  CHECK(s["seed"] == ce.seed);
  CHECK(s["expect"] == json{{"violations", {"blob-digest"}}});
  CHECK(s["description"].get<std::string>().find("M1") != std::string::npos);
  REQUIRE_NOTHROW(stalemate::harness::parse_scenario(s, "saved.json"));
}

TEST_CASE("explore: a salt changes every layer's bytes and nothing else, and keeps shared layers shared") {
  const auto cases = draw_cases(options("swift", FaultMode::Lag), 4, 0, 20);
  for (const auto& sc : cases) {
    const auto& c = sc.value();
    const auto plain = case_to_scenario(c, "case", 7);
    const auto salted = case_to_scenario(c, "case", 7, 12);
    CHECK(plain["backend"]["digest_ordinals"] == true);  // the draws do not follow the digests
    auto a = plain, b = salted;
    std::set<std::uint64_t> plain_seeds, salted_seeds;
    std::size_t layers = 0;
    for (std::size_t i = 0; i < a["workload"]["images"].size(); ++i) {
      auto& la = a["workload"]["images"][i]["layers"];
      auto& lb = b["workload"]["images"][i]["layers"];
      for (std::size_t k = 0; k < la.size(); ++k, ++layers) {
        plain_seeds.insert(la[k]["seed"].get<std::uint64_t>());
        salted_seeds.insert(lb[k]["seed"].get<std::uint64_t>());
        CHECK(la[k]["seed"] != lb[k]["seed"]);
        la[k].erase("seed");
        lb[k].erase("seed");
      }
    }
    CHECK(a == b);                                   // only the layer seeds differ
    CHECK(plain_seeds.size() == salted_seeds.size());  // a shared layer stays shared
    std::vector<std::uint64_t> both;
    std::set_intersection(plain_seeds.begin(), plain_seeds.end(), salted_seeds.begin(), salted_seeds.end(),
                          std::back_inserter(both));
    CHECK(both.empty());  // no salted layer is an unsalted one
    validate(c);
  }
}
