#include "campaign/explore/case_gen.h"

#include <algorithm>

namespace stalemate::campaign::explore {

namespace {

constexpr std::uint64_t KiB = 1024, MiB = 1024 * KiB;

// The registry's chunk (Swift segment, S3 part): the smallest each driver takes,
// so small layers already cross boundaries.
std::uint64_t chunksize_of(const std::string& backend) { return backend == "s3" ? 5 * MiB : 1 * MiB; }

// Layer sizes around the segment/part boundary, smallest first (rapidcheck
// shrinks an element towards the front of its list).
std::vector<std::uint64_t> layer_sizes(const std::string& backend) {
  const auto c = chunksize_of(backend);
  return {1 * KiB, 64 * KiB, c - 1, c, c + 1, c + c / 2, 2 * c + 7, 3 * c + c / 2};
}

const char* const kPushClients[] = {"single", "dockerd", "buildkit"};
const char* const kPullClients[] = {"plain", "docker", "containerd", "slices"};

// One of `values`, drawn by index so that it shrinks towards the front of the
// list (rapidcheck's element/elementOf do not shrink at all). Repeating a value
// weighs it.
template <typename T>
rc::Gen<T> choose(std::vector<T> values) {
  return rc::gen::map(rc::gen::inRange<std::size_t>(0, values.size()), [values](std::size_t i) { return values[i]; });
}

// At most `hi` elements (at least `lo`); shrinks drop any element, then shrink each.
template <typename T>
rc::Gen<std::vector<T>> vector_of(std::size_t lo, std::size_t hi, rc::Gen<T> g) {
  // resize bounds the length; the elements get rapidcheck's nominal size back
  // (inRange draws near its minimum at small sizes).
  auto elements = rc::gen::resize(rc::kNominalSize, std::move(g));
  return rc::gen::suchThat(rc::gen::resize(static_cast<int>(hi), rc::gen::container<std::vector<T>>(elements)),
                           [lo](const std::vector<T>& v) { return v.size() >= lo; });
}

rc::Gen<ImageCase> image_gen(const std::string& backend) {
  using namespace rc;
  const auto c = chunksize_of(backend);
  auto layer = gen::build<LayerCase>(gen::set(&LayerCase::size, choose(layer_sizes(backend))),
                                     gen::set(&LayerCase::seed, gen::inRange(1, 5)));  // few seeds: shared layers
  return gen::build<ImageCase>(gen::set(&ImageCase::layers, vector_of<LayerCase>(1, 3, layer)),
                               gen::set(&ImageCase::chunked, choose<bool>({false, true})),
                               gen::set(&ImageCase::chunk_size, choose<std::uint64_t>({c, c / 4, c + c / 2})),
                               gen::set(&ImageCase::oci, choose<bool>({false, true})));
}

rc::Gen<StepCase> step_gen() {
  using namespace rc;
  using K = StepCase::Kind;
  return gen::build<StepCase>(
      gen::set(&StepCase::kind, choose<K>({K::Push, K::Push, K::Push, K::Pull, K::Pull, K::Pull, K::Pull,
                                                   K::ParallelPull, K::ParallelPush, K::Restart, K::Delete})),
      gen::set(&StepCase::image, gen::inRange(0, 3)), gen::set(&StepCase::other, gen::inRange(0, 3)),
      gen::set(&StepCase::client, gen::inRange(0, 12)), gen::set(&StepCase::by_digest, choose<bool>({true, false})),
      gen::set(&StepCase::clients, gen::inRange(2, 4)));
}

// Lag in the range the stochastic incident scenarios use (Swift: listing p99
// seconds; S3: a much shorter listing lag), read order and X-Newest.
rc::Gen<LagCase> lag_gen(const std::string& backend) {
  using namespace rc;
  const bool s3 = backend == "s3";
  return gen::build<LagCase>(
      gen::set(&LagCase::write_quorum, choose<int>({0, 2})),
      gen::set(&LagCase::replication_p50_us, choose<std::int64_t>({1'000, 20'000, 100'000})),
      gen::set(&LagCase::replication_p99_us, choose<std::int64_t>({200'000, 1'000'000, 2'000'000})),
      gen::set(&LagCase::replica_lag_probability, choose<double>({0.1, 0.3, 1.0})),
      gen::set(&LagCase::listing_p50_us, s3 ? choose<std::int64_t>({300, 5'000, 50'000})
                                            : choose<std::int64_t>({50'000, 300'000, 1'000'000})),
      gen::set(&LagCase::listing_p99_us, s3 ? choose<std::int64_t>({100'000, 500'000})
                                            : choose<std::int64_t>({1'000'000, 3'000'000, 6'000'000})),
      gen::set(&LagCase::shuffled_reads, choose<bool>({true, false})),
      gen::set(&LagCase::always_newest, choose<bool>({false, true})));
}

rc::Gen<RuleCase> rule_gen() {
  using namespace rc;
  using K = RuleCase::Kind;
  return gen::build<RuleCase>(gen::set(&RuleCase::kind, choose<K>({K::Row, K::Route, K::Obj, K::Fail, K::Cut})),
                              gen::set(&RuleCase::replica, gen::inRange(1, 4)),
                              gen::set(&RuleCase::target, gen::inRange(0, 4)),
                              gen::set(&RuleCase::nth, gen::inRange(1, 6)),
                              gen::set(&RuleCase::status, choose<int>({503, 500, 404})),
                              gen::set(&RuleCase::after_bytes, choose<std::uint64_t>({0, 1000, 300 * KiB})));
}

// What the rules match: storage names of each driver's objects. The Swift
// driver stores blob bytes as DLO segments; the S3 driver as one object (parts).
const char* object_pattern(const std::string& backend, int target) {
  static const char* const swift[] = {"^segments/.*/0000000000000002$", "/_uploads/[^/]+/data$",
                                      "/blobs/sha256/../[0-9a-f]+/data$", "/_layers/sha256/[0-9a-f]+/link$"};
  static const char* const s3[] = {"/_uploads/[^/]+/data$", "/_uploads/[^/]+/startedat$",
                                   "/blobs/sha256/../[0-9a-f]+/data$", "/_layers/sha256/[0-9a-f]+/link$"};
  return (backend == "s3" ? s3 : swift)[target % 4];
}

std::string duration_text(std::int64_t us) {
  if (us >= 1'000'000 && us % 100'000 == 0) return std::to_string(us / 1'000'000) + (us % 1'000'000 ? "." + std::to_string(us % 1'000'000 / 100'000) : "") + "s";
  if (us >= 1000 && us % 1000 == 0) return std::to_string(us / 1000) + "ms";
  return std::to_string(us) + "us";
}

nlohmann::json delay_json(std::int64_t p50_us, std::int64_t p99_us) {
  return {{"lognormal", {{"p50", duration_text(p50_us)}, {"p99", duration_text(std::max(p50_us, p99_us))}}}};
}

nlohmann::json lag_json(const LagCase& l) {
  nlohmann::json j{{"replication_delay", delay_json(l.replication_p50_us, l.replication_p99_us)},
                   {"replica_lag_probability", l.replica_lag_probability},
                   {"listing_delay", delay_json(l.listing_p50_us, l.listing_p99_us)},
                   {"read_order", l.shuffled_reads ? "shuffled" : "fixed"},
                   {"listing_replica", "shuffled"}};
  if (l.write_quorum) j["write_quorum"] = l.write_quorum;
  if (l.always_newest) j["always_newest"] = true;
  return j;
}

nlohmann::json rule_json(const RuleCase& r, const std::string& backend, std::size_t index) {
  const std::string id = "explore-rule-" + std::to_string(index + 1);
  nlohmann::json match{{"object_regex", object_pattern(backend, r.target)}};
  switch (r.kind) {
    case RuleCase::Kind::Row:
      match["method"] = "PUT";
      return {{"id", id}, {"kind", "ROW"}, {"replicas", {r.replica}}, {"change", "insert"}, {"match", match}};
    case RuleCase::Kind::Obj:
      match["method"] = "PUT";
      return {{"id", id}, {"kind", "OBJ"}, {"replicas", {r.replica}}, {"change", "put"}, {"match", match}};
    case RuleCase::Kind::Route:
      match["nth"] = r.nth;
      return {{"id", id}, {"kind", "ROUTE"}, {"target", "listing"}, {"replica", r.replica}, {"match", match}};
    case RuleCase::Kind::Fail:
      match["nth"] = r.nth;
      match["times"] = 1;
      return {{"id", id}, {"kind", "FAIL"}, {"status", r.status}, {"match", match}};
    case RuleCase::Kind::Cut:
      match["method"] = "GET";
      match["times"] = 1;
      return {{"id", id}, {"kind", "CUT"}, {"after_bytes", r.after_bytes}, {"match", match}};
  }
  return nullptr;
}

// The steps as the scenario runs them: a pull or delete of an image that is
// not (or no longer) pushed is left out, so every shrink stays a valid,
// meaningful workload.
nlohmann::json steps_json(const ExploreCase& c) {
  const int n = static_cast<int>(c.images.size());
  std::vector<bool> pushed(n, false);
  nlohmann::json out = nlohmann::json::array();
  auto push = [&](int i, int client) {
    pushed[i] = true;
    return nlohmann::json{{"push", i}, {"client", kPushClients[client % 3]}};
  };
  auto pull = [&](const StepCase& s, int i) {
    nlohmann::json j{{"pull", i}, {"by", s.by_digest ? "digest" : "tag"}, {"client", kPullClients[s.client % 4]}};
    if (j["client"] == "slices") j["slice_size"] = c.backend == "s3" ? "2MiB" : "512KiB";
    return j;
  };
  for (const auto& s : c.steps) {
    const int i = s.image % n, k = s.other % n;
    switch (s.kind) {
      case StepCase::Kind::Push: out.push_back(push(i, s.client)); break;
      case StepCase::Kind::Pull:
        if (pushed[i]) out.push_back(pull(s, i));
        break;
      case StepCase::Kind::ParallelPull:
        if (pushed[i]) {
          auto j = pull(s, i);
          j["clients"] = s.clients;
          out.push_back(j);
        }
        break;
      case StepCase::Kind::Restart: out.push_back({{"restart", "all"}}); break;
      case StepCase::Kind::Delete:
        if (pushed[i]) out.push_back({{"delete", i}});
        pushed[i] = false;
        break;
      case StepCase::Kind::ParallelPush:
        if (i == k) out.push_back(push(i, s.client));
        else out.push_back({{"parallel", {push(i, s.client), push(k, s.client + 1)}}});
        break;
    }
  }
  if (out.empty()) out.push_back(push(0, 0));  // no steps would mean the default workload
  return out;
}


}  // namespace

rc::Gen<ExploreCase> case_gen(const CaseOptions& options) {
  using namespace rc;
  const auto& b = options.backend;
  // Field order is shrink order: steps first (fewer operations), then images, rules, lag.
  auto steps = vector_of<StepCase>(1, 8, step_gen());
  auto images = vector_of<ImageCase>(1, 3, image_gen(b));
  auto lag = options.faults == FaultMode::None ? gen::just(std::optional<LagCase>())
                                               : gen::map(lag_gen(b), [](LagCase l) { return std::optional<LagCase>(l); });
  auto rules = options.faults == FaultMode::Rules ? vector_of<RuleCase>(0, 2, rule_gen())
                                                  : gen::just(std::vector<RuleCase>());
  return gen::build<ExploreCase>(gen::set(&ExploreCase::steps, steps), gen::set(&ExploreCase::images, images),
                                 gen::set(&ExploreCase::rules, rules), gen::set(&ExploreCase::lag, lag),
                                 gen::set(&ExploreCase::backend, gen::just(b)),
                                 gen::set(&ExploreCase::flip_byte, gen::just(options.flip_byte)));
}

nlohmann::json case_to_scenario(const ExploreCase& c, const std::string& name, std::uint64_t seed,
                                std::uint64_t salt) {
  nlohmann::json images = nlohmann::json::array();
  for (std::size_t i = 0; i < c.images.size(); ++i) {
    const auto& im = c.images[i];
    nlohmann::json layers = nlohmann::json::array();
    // A layer is shared when seed and size agree; equal seeds with other sizes are distinct blobs.
    const auto sizes = layer_sizes(c.backend);
    for (const auto& l : im.layers) {
      const auto rank = std::find(sizes.begin(), sizes.end(), l.size) - sizes.begin();
      layers.push_back({{"size", l.size}, {"seed", salt * 1000 + l.seed * 100 + rank}});
    }
    // Repositories follow the seed, not the run's name: the store's lag draws are keyed by object
    // names, so every shrink, confirmation and the saved file of one case must name the same paths.
    nlohmann::json j{{"repository", "explore/c" + std::to_string(seed) + "-i" + std::to_string(i)},
                     {"tag", "v1"},
                     {"format", im.oci ? "oci" : "docker"},
                     {"layers", layers}};
    if (im.chunked) j["push"] = {{"mode", "chunked"}, {"chunk_size", im.chunk_size}};
    images.push_back(std::move(j));
  }
  nlohmann::json backend{{"type", c.backend}, {"digest_ordinals", true}};
  if (c.lag) backend["consistency"] = lag_json(*c.lag);
  if (!c.rules.empty()) {
    backend["faults"] = nlohmann::json::array();
    for (std::size_t i = 0; i < c.rules.size(); ++i) backend["faults"].push_back(rule_json(c.rules[i], c.backend, i));
  }
  nlohmann::json s{{"name", name},
                   {"description", "generated by stalemate explore: " + describe_case(c)},
                   {"seed", seed},
                   {"fail_on_errors", false},
                   {"backend", backend},
                   {"registry", {{"chunksize", chunksize_of(c.backend)}, {"redirect", false}}},
                   {"workload", {{"images", images}, {"steps", steps_json(c)}}}};
  if (c.flip_byte) {
    // Both drivers' blob bytes sit under these names; the first long enough one is flipped.
    s["debug"] = {{"flip_byte", {{"object_prefix", c.backend == "s3" ? "docker/registry/v2/blobs/" : "segments/"},
                                 {"offset", 100}}}};
    s["workload"]["verify_acknowledged"] = false;
  }
  return s;
}

std::size_t case_operations(const ExploreCase& c) {
  std::size_t n = 0;
  for (const auto& st : steps_json(c)) {
    if (st.contains("parallel")) n += st["parallel"].size();
    else n += st.value("clients", 1);
  }
  return n;
}

std::string describe_case(const ExploreCase& c) {
  std::size_t layers = 0;
  for (const auto& i : c.images) layers += i.layers.size();
  std::string s = std::to_string(c.images.size()) + " image(s), " + std::to_string(layers) + " layer(s), " +
                  std::to_string(case_operations(c)) + " operation(s)";
  if (!c.rules.empty()) s += ", " + std::to_string(c.rules.size()) + " targeted rule(s)";
  if (c.lag)
    s += ", lag (replication p50 " + duration_text(c.lag->replication_p50_us) + ", listing p50 " +
         duration_text(c.lag->listing_p50_us) + ", p99 " + duration_text(c.lag->listing_p99_us) +
         (c.lag->always_newest ? ", X-Newest" : "") + ")";
  else
    s += ", no lag";
  if (c.flip_byte) s += ", a stored byte flipped (self-test)";
  return s;
}

}  // namespace stalemate::campaign::explore
