#include "campaign/sweep.h"

#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <set>

#include "campaign/child_pool.h"
#include "campaign/child_run.h"
#include "campaign/progress.h"
#include "campaign/run_row.h"
#include "campaign/sweep_store.h"
#include "common/json_reader.h"
#include "harness/child_reaper.h"
#include "harness/runner.h"
#include "reports/run_report.h"
#include "reports/svg.h"

namespace stalemate::campaign {

namespace fs = std::filesystem;

namespace {

// Hang guard for one child run (each has its own, shorter, deadlines inside).
constexpr std::chrono::minutes kRunDeadline{60};

nlohmann::json make_row(const SweepDefinition& sweep, const std::vector<SweepCell>& cells, const SweepRun& run,
                        ChildRun& child, const fs::path& out) {
  nlohmann::json row{{"index", run.index}, {"run", run.id()}, {"cell", cells[run.cell].id()}};
  row["params"] = nlohmann::json::object();
  for (std::size_t k = 0; k < sweep.parameters.size(); ++k)
    row["params"][sweep.parameters[k].name] = sweep.parameters[k].labels[cells[run.cell].value_index[k]];
  const auto report = child.report();
  const int code = child.exit_code();
  row["seed"] = run.seed;
  row["exit"] = code;
  row["failed"] = code == harness::kExitViolation;
  row["infrastructure"] = code != harness::kExitPass && code != harness::kExitViolation;
  if (report.is_object()) row.update(metrics_from_report(report));
  else row["verdict"] = "no report (exit " + std::to_string(code) + ", see stalemate.log)";
  row["wall_s"] = std::round(child.seconds() * 1000) / 1000;
  row["run_dir"] = child.dir().lexically_relative(out).string();
  return row;
}

std::string row_line(const nlohmann::json& row) {
  std::string kinds;
  const auto by_kind = row.value("violations_by_kind", nlohmann::json::object());
  for (const auto& [k, n] : by_kind.items())
    kinds += (kinds.empty() ? "" : ",") + k + ":" + n.dump();
  const auto wall = reports::format_double("%.1fs", row.value("wall_s", 0.0));
  std::string params;
  const auto values = row.value("params", nlohmann::json::object());
  for (const auto& [k, v] : values.items())
    params += " " + k + "=" + v.get<std::string>();
  const int code = row.value("exit", -1);
  const char* what = code == 0 ? "pass" : code == 1 ? "FAIL" : "INFRA";
  return row.value("run", "?") + params + " seed " + std::to_string(row.value("seed", 0)) + ": " + what + " (exit " +
         std::to_string(code) + ")" + (kinds.empty() ? "" : " " + kinds) + " " + wall;
}

// Prepares out: a fresh folder, or one of the same sweep when resuming.
std::set<std::string> prepare_out(const fs::path& out, const nlohmann::json& manifest, bool resume) {
  std::set<std::string> done;
  if (fs::exists(out / "sweep.json")) {
    const auto old = read_manifest(out);
    if (old.at("hash") != manifest.at("hash"))
      throw InputError(out.string() + " holds the output of a different sweep (definition hash differs); use another --out");
    if (old.value("shard", nlohmann::json()) != manifest.at("shard"))
      throw InputError(out.string() + " holds another shard of this sweep; use another --out");
    auto rows = read_rows(out);
    if (!rows.empty() && !resume)
      throw InputError(out.string() + " already holds " + std::to_string(rows.size()) +
                       " runs of this sweep: add --resume to skip them, or use another --out");
    std::vector<nlohmann::json> kept;
    for (auto& r : rows) {
      const int code = r.value("exit", -1);
      if (code >= 128) continue;  // killed: run again
      if (done.insert(r.value("run", "")).second) kept.push_back(std::move(r));
    }
    write_rows(out, manifest, kept);  // also drops a torn line and repairs the CSV
  } else {
    write_rows(out, manifest, {});
  }
  reports::write_json_file(out, "sweep.json", manifest);
  return done;
}

}  // namespace

int run_sweep(const SweepOptions& options) {
  // Everything is read and every cell validated before any run starts.
  const auto sweep = load_sweep(options.file);
  const auto cells = expand_cells(sweep);
  const auto runs = all_runs(sweep, cells);
  const fs::path out = options.out_dir.empty() ? fs::path("stalemate-out/sweeps") / sweep.name : fs::path(options.out_dir);
  fs::create_directories(out);
  const auto manifest = sweep_manifest(sweep, cells, runs.size(), options.shard, options.registry);
  const auto done = prepare_out(out, manifest, options.resume);

  std::deque<SweepRun> pending;
  std::size_t in_shard = 0;
  for (const auto& r : runs) {
    if (options.shard && !options.shard->contains(r)) continue;
    ++in_shard;
    if (!done.count(r.id())) pending.push_back(r);
  }
  std::cerr << "sweep " << sweep.name << ": " << cells.size() << " cells x " << sweep.seeds.size() << " seeds = "
            << runs.size() << " runs" << (options.shard ? ", shard " + manifest["shard"].get<std::string>() : "")
            << " (" << in_shard << " here, " << (in_shard - pending.size()) << " already done), " << options.jobs
            << " at a time -> " << out.string() << "\n";

  const auto binary = self_executable();
  Progress progress(pending.size(), options.progress_bar);
  int exit_code = harness::kExitPass;
  std::size_t failures = 0;
  std::deque<ChildTask> tasks;
  for (const auto& run : pending) {
    ChildRunSpec spec{binary, out / "runs" / run.id(), cells[run.cell].scenario, run.seed, options.registry};
    tasks.push_back({std::move(spec), [&, run](ChildRun& child) {
                       const auto row = make_row(sweep, cells, run, child, out);
                       append_row(out, manifest, row);
                       failures += row.value("failed", false);
                       if (row.value("infrastructure", false)) exit_code = harness::kExitInfrastructure;
                       progress.finished(row_line(row), row.value("failed", false) || row.value("infrastructure", false));
                     }});
  }
  try {
    run_child_pool(std::move(tasks), options.jobs, kRunDeadline,
                   "the running runs wrote partial reports; finished runs are in " + (out / "rows.csv").string() +
                       " (--resume goes on from there)");
  } catch (const harness::Interrupted&) {
    progress.close();
    throw;
  }
  progress.close();
  const auto html = render_report(out);
  std::cout << "sweep " << sweep.name << ": " << in_shard << " runs, " << failures << " failed (exit 1)\n"
            << "rows      " << (out / "rows.csv").string() << "\n"
            << "          " << (out / "rows.jsonl").string() << "\n"
            << "report    " << html.string() << "\n";
  return exit_code;
}

}  // namespace stalemate::campaign
