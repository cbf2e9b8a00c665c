// The trace format: strict parsing with line numbers, coherence checks,
// round trips, generators and the compilation into a scenario workload.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "common/json_reader.h"
#include "harness/workload/generators.h"
#include "harness/workload/trace.h"
#include "harness/workload/trace_compile.h"

using namespace stalemate;
using namespace stalemate::harness::workload;

namespace {

const char* kHeader = R"({"stalemate_trace": 1, "id": "t", "source": "test"})";
const char* kPush =
    R"({"op": "push", "at": "0s", "client": "b1", "profile": "dockerd", "image": {"repository": "app/web", "tag": "v1", "layers": [{"token": "base", "size": "1MiB"}, {"token": "code", "size": 2048}]}})";
const char* kPull = R"({"op": "pull", "at": 1.5, "client": "n1", "profile": "containerd", "repository": "app/web", "tag": "v1"})";

Trace parse(const std::string& text) {
  std::istringstream in(text);
  return parse_trace(in, "t.jsonl");
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a trace parses into timed events per client", "[harness][trace]") {
  const auto t = parse(std::string(kHeader) + "\n" + kPush + "\n\n" + kPull + "\n");
  REQUIRE(t.events.size() == 2);
  CHECK(t.id == "t");
  CHECK(t.events[0].op == TraceEvent::Op::Push);
  CHECK(t.events[0].image.layers[0].size == (1u << 20));
  CHECK(t.events[0].line == 2);
  CHECK(t.events[1].at_us == 1'500'000);
  CHECK(t.events[1].profile == "containerd");
  CHECK(t.events[1].line == 4);
}

TEST_CASE("trace errors name the file and the line", "[harness][trace]") {
  const std::string h = std::string(kHeader) + "\n";
  CHECK_THAT(error_of(h + kPush + "\n{not json\n"), Catch::Contains("t.jsonl:3: not JSON"));
  CHECK_THAT(error_of(h + R"({"op": "teleport", "at": 0, "client": "x"})"), Catch::Contains("t.jsonl:2: /op"));
  CHECK_THAT(error_of(h + kPush + "\n" + R"({"op": "pull", "at": 1, "client": "n", "repository": "app/web", "tag": "v1", "colour": 1})"),
             Catch::Contains("t.jsonl:3") && Catch::Contains("colour"));
  CHECK_THAT(error_of(h + R"({"op": "pull", "client": "n", "repository": "a", "tag": "v1"})"),
             Catch::Contains("t.jsonl:2") && Catch::Contains("needs \"at\""));
  // Coherence: a pull of an image no earlier event pushes; a token with two sizes.
  const std::string late_push = std::string(kPush).replace(std::string(kPush).find("\"0s\""), 4, "\"2s\"");
  CHECK_THAT(error_of(h + kPull + "\n" + late_push), Catch::Contains("t.jsonl:2: pull of app/web:v1, which no earlier event pushes"));
  CHECK_THAT(error_of(h + kPush + "\n" +
                      R"({"op": "push", "at": 2, "client": "b2", "image": {"repository": "x", "layers": [{"token": "base", "size": 7}]}})"),
             Catch::Contains("t.jsonl:3: layer token \"base\" has size 7 here and 1048576 before"));
  CHECK_THAT(error_of(kPush), Catch::Contains("t.jsonl:1: /at: unknown key"));
  CHECK_THAT(error_of(""), Catch::Contains("empty"));
  CHECK_THAT(error_of(R"({"stalemate_trace": 2})"), Catch::Contains("version 1"));
}

TEST_CASE("a pull's mode picks or checks its profile", "[harness][trace]") {
  const std::string h = std::string(kHeader) + "\n" + kPush + "\n";
  auto pull = [](const std::string& extra) {
    return R"({"op": "pull", "at": 1, "client": "n", "repository": "app/web", "tag": "v1", )" + extra + "}";
  };
  CHECK(parse(h + pull(R"("mode": "sliced")")).events[1].profile == "slices");
  CHECK(parse(h + pull(R"("mode": "resumed")")).events[1].profile == "containerd");
  CHECK(parse(h + pull(R"("mode": "resumed", "profile": "docker")")).events[1].profile == "docker");
  CHECK_THAT(error_of(h + pull(R"("mode": "sliced", "profile": "docker")")),
             Catch::Contains("t.jsonl:3: /mode: profile \"docker\" does not pull sliced"));
}

TEST_CASE("a trace written and read back is the same trace", "[harness][trace]") {
  const auto t = generate_random({});
  std::stringstream s;
  write_trace(s, t);
  const auto back = parse_trace(s, "back.jsonl");
  REQUIRE(back.events.size() == t.events.size());
  for (std::size_t i = 0; i < t.events.size(); ++i) {
    CHECK(back.events[i].op == t.events[i].op);
    CHECK(back.events[i].at_us == t.events[i].at_us);
    CHECK(back.events[i].client == t.events[i].client);
    CHECK(back.events[i].profile == t.events[i].profile);
    CHECK(back.events[i].image.layers.size() == t.events[i].image.layers.size());
  }
}

TEST_CASE("deploy-train: builders push flavours sharing base and code, then every node pulls each", "[harness][trace]") {
  DeployTrainKnobs k;
  k.builders = 2;
  k.images = 3;
  k.push_concurrency = 2;
  k.nodes = 4;
  k.scale = 0.001;
  const auto t = generate_deploy_train(k);
  std::size_t pushes = 0, pulls = 0;
  std::set<std::string> push_clients, code_tokens;
  for (const auto& e : t.events) {
    if (e.op == TraceEvent::Op::Push) {
      ++pushes;
      push_clients.insert(e.client);
      CHECK(e.image.layers[0].token == "base");
      code_tokens.insert(e.image.layers[1].token);
      CHECK(e.image.layers[1].size == 1073742);  // 1 GiB x 0.001
    } else {
      ++pulls;
    }
  }
  CHECK(pushes == 6);
  CHECK(pulls == 24);
  CHECK(push_clients.size() == 4);  // two push lanes per builder
  CHECK(code_tokens.size() == 2);   // one code layer per builder
}

TEST_CASE("random traces are a function of the seed", "[harness][trace]") {
  RandomKnobs a;
  a.seed = 7;
  std::stringstream x, y, z;
  write_trace(x, generate_random(a));
  write_trace(y, generate_random(a));
  a.seed = 8;
  write_trace(z, generate_random(a));
  CHECK(x.str() == y.str());
  CHECK(x.str() != z.str());
}

TEST_CASE("generator knobs from the command line are checked", "[harness][trace]") {
  CHECK(generate_from_args("deploy-train", {"nodes=2", "scale=0.001", "code_size=1GiB"}).events.size() == 8 + 16);
  CHECK_THROWS_WITH(generate_from_args("deploy-train", {"nodes=0"}), Catch::Contains("nodes"));
  CHECK_THROWS_WITH(generate_from_args("deploy-train", {"colour=red"}), Catch::Contains("colour"));
  CHECK_THROWS_WITH(generate_from_args("random", {"seed"}), Catch::Contains("NAME=VALUE"));
}

TEST_CASE("a trace compiles to one parallel step whose branches are its clients", "[harness][trace]") {
  const auto t = parse(std::string(kHeader) + "\n" + kPush + "\n" + kPull + "\n" +
                       R"({"op": "pull", "at": "2s", "client": "n2", "repository": "app/web", "tag": "v1", "by": "digest"})" +
                       "\n" + R"({"op": "pull", "at": "3s", "client": "n1", "repository": "app/web", "tag": "v1"})");
  ReplayOptions o;
  o.speed = 2;
  o.scale = 0.5;
  const auto w = compile_trace(t, o);
  REQUIRE(w["images"].size() == 1);
  CHECK(w["images"][0]["layers"][0]["size"] == 524288);
  CHECK(w["images"][0]["layers"][0]["seed"] == token_seed("t", "base"));
  REQUIRE(w["steps"].size() == 1);
  const auto& branches = w["steps"][0]["parallel"];
  REQUIRE(branches.size() == 3);
  CHECK(branches[0]["name"] == "b1");
  CHECK(branches[1]["name"] == "n1");
  CHECK(branches[1]["steps"].size() == 2);
  CHECK(branches[1]["steps"][0]["at"] == "750000us");  // 1.5 s at speed 2
  CHECK(branches[1]["steps"][1]["at"] == "1500000us");
  CHECK(branches[2]["steps"][0]["by"] == "digest");
  o.as_fast_as_possible = true;
  const auto fast = compile_trace(t, o);
  CHECK_FALSE(fast["steps"][0]["parallel"][1]["steps"][0].contains("at"));
  CHECK(fast["replay"]["speed"] == "max");
}

TEST_CASE("an image pushed twice is one scenario image", "[harness][trace]") {
  const std::string again = std::string(kPush).replace(std::string(kPush).find("\"b1\""), 4, "\"b2\"");
  const auto w = compile_trace(parse(std::string(kHeader) + "\n" + kPush + "\n" + again), {});
  CHECK(w["images"].size() == 1);
  CHECK(w["steps"][0]["parallel"][1]["steps"][0]["push"] == 0);
}

TEST_CASE("setup events run first, in order, outside the parallel step", "[harness][trace]") {
  const auto t = parse(std::string(kHeader) + "\n" + kPull + "\n" +
                       R"({"op": "push", "setup": true, "client": "setup", "image": {"repository": "app/web", "tag": "v1", "layers": [{"token": "x", "size": 10}]}})");
  const auto w = compile_trace(t, {});
  REQUIRE(w["steps"].size() == 2);
  CHECK(w["steps"][0]["push"] == 0);
  CHECK(w["steps"][1].contains("parallel"));
}

TEST_CASE("layer content seeds depend on the trace id and the token only", "[harness][trace]") {
  CHECK(token_seed("a", "base") == token_seed("a", "base"));
  CHECK(token_seed("a", "base") != token_seed("b", "base"));
  CHECK(token_seed("a", "base") != token_seed("a", "code"));
  CHECK(token_seed("ab", "c") != token_seed("a", "bc"));
}
