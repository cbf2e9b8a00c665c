#include "campaign/sweep_store.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "campaign/run_row.h"
#include "common/json_reader.h"
#include "harness/registry_process.h"
#include "reports/run_report.h"
#include "reports/sweep_html.h"

namespace stalemate::campaign {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> parameter_names(const nlohmann::json& manifest) {
  std::vector<std::string> names;
  for (const auto& p : manifest.at("parameters")) names.push_back(p.at("name").get<std::string>());
  return names;
}

// Writes a text file atomically (temporary + rename).
void write_text(const fs::path& file, const std::string& text) {
  const auto tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out) throw harness::InfrastructureError("cannot write " + tmp);
  }
  fs::rename(tmp, file);
}

}  // namespace

nlohmann::json sweep_manifest(const SweepDefinition& sweep, const std::vector<SweepCell>& cells, std::size_t runs,
                              const std::optional<Shard>& shard, const std::optional<std::string>& registry) {
  nlohmann::json m{{"stalemate_sweep", 1},
                   {"name", sweep.name},
                   {"hash", sweep.hash},
                   {"file", sweep.file},
                   {"base_file", sweep.base_file},
                   {"combine", sweep.zip ? "zip" : "cross"},
                   {"seeds", sweep.seeds},
                   {"outputs", sweep.outputs},
                   {"runs", runs},
                   {"shard", shard ? nlohmann::json(std::to_string(shard->index) + "/" + std::to_string(shard->count))
                                   : nlohmann::json()},
                   {"registry", registry ? nlohmann::json(*registry) : nlohmann::json()}};
  m["parameters"] = nlohmann::json::array();
  for (const auto& p : sweep.parameters)
    m["parameters"].push_back({{"name", p.name},
                               {"pointer", p.pointer},
                               {"labels", p.labels},
                               {"numeric", p.numeric},
                               {"is_numeric", p.is_numeric},
                               {"log_scale", p.log_scale}});
  m["cells"] = nlohmann::json::array();
  for (const auto& c : cells) m["cells"].push_back({{"id", c.id()}, {"values", c.value_index}});
  return m;
}

nlohmann::json read_manifest(const fs::path& dir) {
  const auto file = dir / "sweep.json";
  if (!fs::exists(file)) throw InputError(dir.string() + ": not a sweep output folder (no sweep.json)");
  auto m = read_json_file(file.string());
  if (!m.is_object() || !m.contains("hash") || !m.contains("parameters") || !m.contains("cells"))
    throw InputError(file.string() + ": not a stalemate sweep.json");
  return m;
}

std::vector<nlohmann::json> read_rows(const fs::path& dir) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(dir / "rows.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::parse_error&) {
      // A line torn by a kill mid-write: that run counts as not done.
    }
  }
  return rows;
}

void write_rows(const fs::path& dir, const nlohmann::json& manifest, std::vector<nlohmann::json> rows) {
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.value("index", 0) < b.value("index", 0); });
  const auto names = parameter_names(manifest);
  std::string jsonl, csv = csv_header(names) + "\n";
  for (const auto& r : rows) {
    jsonl += r.dump() + "\n";
    csv += csv_line(r, names) + "\n";
  }
  write_text(dir / "rows.jsonl", jsonl);
  write_text(dir / "rows.csv", csv);
}

void append_row(const fs::path& dir, const nlohmann::json& manifest, const nlohmann::json& row) {
  append_line(dir / "rows.jsonl", row.dump());
  append_line(dir / "rows.csv", csv_line(row, parameter_names(manifest)));
}

fs::path render_report(const fs::path& dir) {
  const auto manifest = read_manifest(dir);
  auto rows = read_rows(dir);
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.value("index", 0) < b.value("index", 0); });
  const auto file = dir / "report.html";
  write_text(file, reports::render_sweep_html(manifest, rows));
  return file;
}

std::size_t merge_shards(const std::vector<fs::path>& dirs, const fs::path& out) {
  if (dirs.empty()) throw InputError("merge: name the shard folders");
  nlohmann::json manifest;
  std::map<std::size_t, nlohmann::json> rows;  // by run index
  for (const auto& dir : dirs) {
    auto m = read_manifest(dir);
    if (manifest.is_null()) manifest = m;
    else if (m.at("hash") != manifest.at("hash"))
      throw InputError(dir.string() + ": a different sweep (definition hash " + m.at("hash").get<std::string>().substr(0, 12) +
                       " vs " + manifest.at("hash").get<std::string>().substr(0, 12) + " in " + dirs.front().string() + ")");
    for (auto row : read_rows(dir)) {
      // run_dir is relative to its sweep folder: make it relative to the merged one.
      if (row.contains("run_dir") && row["run_dir"].is_string())
        row["run_dir"] = fs::absolute(dir / row["run_dir"].get<std::string>()).lexically_normal().string();
      const auto index = row.value("index", std::size_t{0});
      const auto [it, fresh] = rows.emplace(index, row);
      if (!fresh && it->second.value("exit", -1) != row.value("exit", -1))
        throw InputError(dir.string() + ": run " + row.value("run", "?") + " is also in another shard, with another result");
    }
  }
  fs::create_directories(out);
  manifest["shard"] = nullptr;
  manifest["merged_from"] = nlohmann::json::array();
  for (const auto& d : dirs) manifest["merged_from"].push_back(d.string());
  reports::write_json_file(out, "sweep.json", manifest);
  std::vector<nlohmann::json> list;
  for (auto& [i, r] : rows) {
    if (r.contains("run_dir") && r["run_dir"].is_string())
      r["run_dir"] = fs::path(r["run_dir"].get<std::string>()).lexically_relative(fs::absolute(out)).string();
    list.push_back(std::move(r));
  }
  write_rows(out, manifest, list);
  render_report(out);
  return list.size();
}

}  // namespace stalemate::campaign
