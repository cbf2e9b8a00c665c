#include "campaign/sweep_def.h"

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/crypto.h"
#include "common/json_reader.h"
#include "harness/run_plan.h"
#include "harness/scenario.h"
#include "reports/svg.h"

namespace stalemate::campaign {

namespace {

constexpr std::size_t kMaxValues = 1000;   // per parameter
constexpr std::size_t kMaxRuns = 100000;   // cells × seeds
constexpr std::size_t kMaxSeeds = 10000;

std::string number_text(double v) { return reports::format_double("%.6g", v); }
std::string number_text3(double v) { return reports::format_double("%.3g", v); }

std::string size_label(std::uint64_t bytes) {
  static const std::pair<const char*, double> units[] = {{"GiB", 1073741824.0}, {"MiB", 1048576.0}, {"KiB", 1024.0}};
  for (const auto& [unit, factor] : units)
    if (bytes >= factor) return number_text(bytes / factor) + unit;
  return std::to_string(bytes) + "B";
}

std::string duration_label(double seconds) {
  if (seconds != 0 && seconds < 1) return number_text(seconds * 1000) + "ms";
  return number_text(seconds) + "s";
}

enum class Unit { Plain, Size, Duration };

// What kind of quantity a value is: a plain number, a size ("4MiB") or a
// duration ("2s"); strings that are neither are categorical.
bool quantity_of(const JsonReader& r, Unit& unit, double& numeric) {
  const auto& v = r.value();
  if (v.is_number()) {
    unit = Unit::Plain;
    numeric = v.get<double>();
    return true;
  }
  if (!v.is_string()) return false;
  try {
    numeric = r.as_duration_us() / 1e6;
    unit = Unit::Duration;
    return true;
  } catch (const InputError&) {
  }
  try {
    numeric = static_cast<double>(r.as_size());
    unit = Unit::Size;
    return true;
  } catch (const InputError&) {
  }
  return false;
}

void add_value(SweepParameter& p, Unit unit, double x, bool integral) {
  if (unit == Unit::Size) {
    const auto bytes = static_cast<std::uint64_t>(std::llround(x));
    p.values.push_back(bytes);
    p.labels.push_back(size_label(bytes));
    p.numeric.push_back(static_cast<double>(bytes));
  } else if (unit == Unit::Duration) {
    const double s = std::round(x * 1e6) / 1e6;  // whole microseconds
    p.values.push_back(s);
    p.labels.push_back(duration_label(s));
    p.numeric.push_back(s);
  } else if (integral) {
    const auto n = std::llround(x);
    p.values.push_back(n);
    p.labels.push_back(std::to_string(n));
    p.numeric.push_back(static_cast<double>(n));
  } else {
    p.values.push_back(x);
    p.labels.push_back(number_text(x));
    p.numeric.push_back(x);
  }
}

void parse_range(const JsonReader& r, SweepParameter& p) {
  r.expect_object({"from", "to", "steps", "scale"});
  Unit from_unit{}, to_unit{};
  double from = 0, to = 0;
  if (!quantity_of(r.at("from"), from_unit, from)) r.at("from").fail("expected a number, a size (\"4MiB\") or a duration (\"2s\")");
  if (!quantity_of(r.at("to"), to_unit, to)) r.at("to").fail("expected a number, a size (\"4MiB\") or a duration (\"2s\")");
  if (from_unit != to_unit) r.at("to").fail("\"from\" and \"to\" must have the same kind of unit");
  const auto steps = r.at("steps").as_uint();
  if (steps < 2 || steps > kMaxValues) r.at("steps").fail("steps: 2 to " + std::to_string(kMaxValues));
  p.log_scale = r.has("scale") && r.at("scale").as_enum({"linear", "log"}) == "log";
  if (p.log_scale && (from <= 0 || to <= 0)) r.fail("a log range needs \"from\" and \"to\" above zero");
  const bool integral = from_unit == Unit::Plain && r.at("from").value().is_number_integer() &&
                        r.at("to").value().is_number_integer();
  for (std::uint64_t i = 0; i < steps; ++i) {
    const double t = static_cast<double>(i) / static_cast<double>(steps - 1);
    double x = p.log_scale ? from * std::pow(to / from, t) : from + (to - from) * t;
    if (p.log_scale) x = std::stod(number_text3(x));  // 3 significant digits: 58.5ms, not 58.4804ms
    add_value(p, from_unit, x, integral);
  }
  p.is_numeric = true;
}

void parse_values(const JsonReader& r, SweepParameter& p) {
  const auto n = r.size();
  if (n == 0 || n > kMaxValues) r.fail("values: 1 to " + std::to_string(kMaxValues) + " entries");
  bool numeric = true;
  for (std::size_t i = 0; i < n; ++i) {
    const auto v = r.at(i);
    Unit unit{};
    double x = 0;
    const bool q = quantity_of(v, unit, x);
    numeric = numeric && q;
    p.values.push_back(v.value());  // written as given: the scenario reads units itself
    if (v.value().is_string()) p.labels.push_back(v.value().get<std::string>());
    else p.labels.push_back(v.value().dump());
    p.numeric.push_back(q ? x : static_cast<double>(i));
  }
  p.is_numeric = numeric;
  if (!numeric)  // categorical: plotted at their index
    for (std::size_t i = 0; i < n; ++i) p.numeric[i] = static_cast<double>(i);
}

SweepParameter parse_parameter(const JsonReader& r) {
  r.expect_object({"name", "pointer", "values", "range", "labels"});
  SweepParameter p;
  p.pointer = r.at("pointer").as_string();
  try {
    const nlohmann::json::json_pointer ptr(p.pointer);
    if (ptr.empty()) r.at("pointer").fail("the pointer must name a value inside the scenario, not the whole of it");
    p.name = r.has("name") ? r.at("name").as_string() : ptr.back();
  } catch (const nlohmann::json::exception& e) {
    r.at("pointer").fail(std::string("not a JSON pointer: ") + e.what());
  }
  if (p.name.empty()) r.fail("empty parameter name");
  if (r.has("values") == r.has("range")) r.fail("give either \"values\" or \"range\"");
  if (r.has("values")) parse_values(r.at("values"), p);
  else parse_range(r.at("range"), p);
  if (r.has("labels")) {  // names for values that print badly (objects, long lists)
    const auto labels = r.at("labels");
    if (labels.size() != p.values.size())
      labels.fail("needs one label per value (" + std::to_string(p.values.size()) + ")");
    for (std::size_t i = 0; i < labels.size(); ++i) p.labels[i] = labels.at(i).as_string();
  }
  return p;
}

std::vector<std::uint64_t> parse_seeds(const JsonReader& r) {
  std::vector<std::uint64_t> seeds;
  if (r.value().is_array()) {
    for (std::size_t i = 0; i < r.size(); ++i) seeds.push_back(r.at(i).as_uint());
  } else {
    r.expect_object({"from", "count"});
    const auto from = r.has("from") ? r.at("from").as_uint() : 1;
    const auto count = r.at("count").as_uint();
    if (count > kMaxSeeds) r.at("count").fail("at most " + std::to_string(kMaxSeeds) + " seeds");
    for (std::uint64_t i = 0; i < count; ++i) seeds.push_back(from + i);
  }
  if (seeds.empty() || seeds.size() > kMaxSeeds) r.fail("1 to " + std::to_string(kMaxSeeds) + " seeds");
  return seeds;
}

// Writes value at pointer, creating missing objects on the way; every
// existing step of the way must be an object (or an array holding the index).
void write_at(nlohmann::json& doc, const nlohmann::json::json_pointer& ptr, const nlohmann::json& value,
              const JsonReader& where) {
  std::vector<std::string> tokens;
  for (auto p = ptr; !p.empty(); p = p.parent_pointer()) tokens.insert(tokens.begin(), p.back());
  nlohmann::json* node = &doc;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const auto& t = tokens[i];
    const bool last = i + 1 == tokens.size();
    if (node->is_array()) {
      std::size_t pos = 0;
      const auto idx = t.empty() ? 0 : std::stoull(t, &pos);
      if (t.empty() || pos != t.size() || idx >= node->size())
        where.fail("the base scenario has no array element " + t + " at this pointer");
      node = &(*node)[idx];
    } else if (node->is_object() || node->is_null()) {
      if (!last && node->contains(t) && !(*node)[t].is_object() && !(*node)[t].is_array())
        where.fail("\"" + t + "\" in the base scenario is not an object or array");
      node = &(*node)[t];
    } else {
      where.fail("the base scenario has a " + std::string(node->type_name()) + " where the pointer goes on");
    }
  }
  *node = value;
}

std::string cell_label(const SweepDefinition& sweep, const SweepCell& cell) {
  std::string s;
  for (std::size_t k = 0; k < sweep.parameters.size(); ++k)
    s += (k ? ", " : "") + sweep.parameters[k].name + "=" + sweep.parameters[k].labels[cell.value_index[k]];
  return s;
}

}  // namespace

std::string SweepCell::id() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "c%03zu", index);
  return buf;
}

std::string SweepRun::id() const {
  char buf[48];
  std::snprintf(buf, sizeof buf, "c%03zu-s%llu", cell, static_cast<unsigned long long>(seed));
  return buf;
}

const std::vector<std::string>& known_outputs() {
  static const std::vector<std::string> names{
      "failed",       "infrastructure", "exit",         "pushes_ok",        "pushes_failed",    "pulls_ok",
      "pulls_failed", "push_failure_rate", "violations", "push_p50_ms",      "push_p99_ms",      "pull_p50_ms",
      "pull_p99_ms",  "spool_peak_bytes", "cache_peak_bytes", "wall_s"};
  return names;
}

SweepDefinition parse_sweep(const nlohmann::json& json, const std::string& file) {
  const JsonReader r(json, file);
  r.expect_object({"name", "description", "base", "parameters", "combine", "seeds", "outputs"});
  SweepDefinition s;
  s.file = file;
  s.name = r.has("name") ? r.at("name").as_string() : std::filesystem::path(file).stem().string();
  const auto base = r.at("base");
  if (base.value().is_string()) {
    // Relative to the sweep file's folder, so a sweep and its base move together.
    auto path = std::filesystem::path(base.as_string());
    if (path.is_relative() && !file.empty()) path = std::filesystem::path(file).parent_path() / path;
    s.base_file = path.lexically_normal().string();
    try {
      s.base = read_json_file(s.base_file);
    } catch (const InputError& e) {
      base.fail(e.what());
    }
  } else if (base.value().is_object()) {
    s.base = base.value();
  } else {
    base.fail("expected a scenario file path or an inline scenario object");
  }
  const auto params = r.at("parameters");
  if (params.size() == 0) params.fail("at least one parameter");
  for (std::size_t i = 0; i < params.size(); ++i) {
    s.parameters.push_back(parse_parameter(params.at(i)));
    for (std::size_t j = 0; j < i; ++j)
      if (s.parameters[j].name == s.parameters[i].name)
        params.at(i).fail("parameter name \"" + s.parameters[i].name + "\" is used twice (give a \"name\")");
  }
  s.zip = r.has("combine") && r.at("combine").as_enum({"cross", "zip"}) == "zip";
  if (s.zip)
    for (std::size_t i = 1; i < s.parameters.size(); ++i)
      if (s.parameters[i].values.size() != s.parameters[0].values.size())
        params.at(i).fail("zipped parameters need as many values as the first (" +
                          std::to_string(s.parameters[0].values.size()) + ")");
  s.seeds = r.has("seeds") ? parse_seeds(r.at("seeds")) : std::vector<std::uint64_t>{1};
  if (r.has("outputs")) {
    const auto outs = r.at("outputs");
    for (std::size_t i = 0; i < outs.size(); ++i) {
      const auto name = outs.at(i).as_string();
      // "hit:KIND": whether the run saw a violation of that kind (a rate, like "failed").
      bool known = name.rfind("hit:", 0) == 0 && name.size() > 4;
      for (const auto& k : known_outputs()) known = known || k == name;
      if (!known) {
        std::string list;
        for (const auto& k : known_outputs()) list += (list.empty() ? "" : ", ") + k;
        outs.at(i).fail("unknown output \"" + name + "\" (one of " + list + ", or hit:KIND for a violation kind)");
      }
      s.outputs.push_back(name);
    }
  } else {
    s.outputs = {"failed"};
  }
  // The hash covers what decides the runs (not the name, description or plots).
  nlohmann::json canonical{{"base", s.base}, {"zip", s.zip}, {"seeds", s.seeds}};
  for (const auto& p : s.parameters) canonical["parameters"].push_back({{"pointer", p.pointer}, {"values", p.values}});
  s.hash = sha256_hex(canonical.dump());
  std::size_t cells = s.zip ? s.parameters[0].values.size() : 1;
  if (!s.zip)
    for (const auto& p : s.parameters) {
      cells *= p.values.size();
      if (cells > kMaxRuns) params.fail("more than " + std::to_string(kMaxRuns) + " cells");
    }
  if (cells * s.seeds.size() > kMaxRuns) r.fail("more than " + std::to_string(kMaxRuns) + " runs (cells × seeds)");
  return s;
}

SweepDefinition load_sweep(const std::string& path) { return parse_sweep(read_json_file(path), path); }

std::vector<SweepCell> expand_cells(const SweepDefinition& sweep) {
  const std::size_t n = sweep.parameters.size();
  std::vector<std::vector<std::size_t>> combos;
  if (sweep.zip) {
    for (std::size_t i = 0; i < sweep.parameters[0].values.size(); ++i) combos.emplace_back(n, i);
  } else {
    std::vector<std::size_t> at(n, 0);  // an odometer, the last parameter turning fastest
    for (;;) {
      combos.push_back(at);
      std::size_t k = n;
      while (k > 0 && ++at[k - 1] == sweep.parameters[k - 1].values.size()) at[--k] = 0;
      if (k == 0) break;
    }
  }
  const JsonReader root(nlohmann::json::object(), sweep.file);
  std::vector<SweepCell> cells;
  for (std::size_t c = 0; c < combos.size(); ++c) {
    SweepCell cell;
    cell.index = c;
    cell.value_index = combos[c];
    cell.scenario = sweep.base;
    for (std::size_t k = 0; k < n; ++k) {
      const auto& p = sweep.parameters[k];
      const JsonReader where(nlohmann::json(), sweep.file, "/parameters/" + std::to_string(k) + "/pointer");
      write_at(cell.scenario, nlohmann::json::json_pointer(p.pointer), p.values[combos[c][k]], where);
    }
    // Validated as the run will see it: a bad cell stops the sweep before any run.
    const std::string label = (sweep.base_file.empty() ? sweep.file : sweep.base_file) + " [sweep cell " + cell.id() +
                              ": " + cell_label(sweep, cell) + "]";
    harness::RunOptions options;
    options.seed = sweep.seeds.front();
    options.out_dir = "unused";
    harness::make_run_plan(harness::parse_scenario(cell.scenario, label), options);
    cells.push_back(std::move(cell));
  }
  return cells;
}

std::vector<SweepRun> all_runs(const SweepDefinition& sweep, const std::vector<SweepCell>& cells) {
  std::vector<SweepRun> runs;
  for (const auto& c : cells)
    for (const auto seed : sweep.seeds) runs.push_back({runs.size(), c.index, seed});
  return runs;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t a = 0, b = 0;
    const auto i = std::stoull(text.substr(0, slash), &a);
    const auto n = std::stoull(text.substr(slash + 1), &b);
    if (a != slash || b != text.size() - slash - 1 || text[0] == '-' || text[slash + 1] == '-')
      throw std::invalid_argument("trailing");
    if (n < 1 || n > 10000 || i >= n) throw InputError("--shard: need 0 <= i < n <= 10000, got \"" + text + "\"");
    return {i, n};
  } catch (const InputError&) {
    throw;
  } catch (const std::exception&) {
    throw InputError("--shard: expected i/n (i from 0 to n-1), got \"" + text + "\"");
  }
}

}  // namespace stalemate::campaign
