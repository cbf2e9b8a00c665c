#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "campaign/sweep.h"
#include "campaign/sweep_store.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/json_reader.h"
#include "harness/child_reaper.h"
#include "reports/run_html.h"

namespace stalemate::cli {

namespace fs = std::filesystem;

const char* const kSweepUsage =
    "  stalemate sweep SWEEP.json [--jobs N] [--out DIR] [--registry PATH] [--shard I/N] [--resume]\n"
    "      run a sweep's grid (cells x seeds) as child runs, N at a time; one row per run appended to\n"
    "      DIR/rows.csv and rows.jsonl as runs finish, then DIR/report.html; --shard I/N (I from 0)\n"
    "      runs the runs whose index is I modulo N; --resume skips the runs DIR already has;\n"
    "      exit 0 all runs carried out (violations are data), 3 some could not be, 130 on SIGINT\n";

const char* const kMergeUsage =
    "  stalemate merge SHARD_DIR... [-o DIR]\n"
    "      join the shard folders of one sweep (refuses different sweeps) into DIR (default merged)\n";

const char* const kReportUsage =
    "  stalemate report DIR\n"
    "      re-render DIR/report.html: a sweep's folder, or a single run's out dir\n";

int cmd_sweep(const std::vector<std::string>& args) {
  const auto p = parse_command_line("sweep", args, {"--jobs", "--out", "--registry", "--shard"}, {"--resume"});
  expect_positional(p, 1, 1, "sweep takes exactly one sweep file");
  campaign::SweepOptions options;
  options.file = p.positional[0];
  options.resume = p.flag("--resume");
  options.progress_bar = ::isatty(STDERR_FILENO);
  if (const auto v = p.value("--jobs")) options.jobs = static_cast<unsigned>(parse_count("--jobs", *v, 1, 64));
  if (const auto v = p.value("--out")) options.out_dir = *v;
  if (const auto v = p.value("--registry")) options.registry = *v;
  if (const auto v = p.value("--shard")) options.shard = campaign::parse_shard(*v);
  // Ctrl-C: the reaper kills every child run at once; the sweep then stops (exit 130).
  harness::install_child_reaper(harness::OnInterrupt::Abort);
  try {
    return campaign::run_sweep(options);
  } catch (const harness::Interrupted& e) {
    std::cerr << "stalemate: sweep " << e.what() << "\n";
    return 128 + e.signal;
  }
}

int cmd_merge(const std::vector<std::string>& args) {
  const auto p = parse_command_line("merge", args, {"-o", "--out"}, {});
  expect_positional(p, 1, SIZE_MAX, "merge takes the shard folders of one sweep");
  const std::string out = p.value({"-o", "--out"}).value_or("merged");
  std::vector<fs::path> dirs(p.positional.begin(), p.positional.end());
  const auto n = campaign::merge_shards(dirs, out);
  std::cout << "merged " << dirs.size() << " shard(s), " << n << " runs\n"
            << "rows      " << (fs::path(out) / "rows.csv").string() << "\n"
            << "report    " << (fs::path(out) / "report.html").string() << "\n";
  return 0;
}

int cmd_report(const std::vector<std::string>& args) {
  const auto p = parse_command_line("report", args, {}, {});
  expect_positional(p, 1, 1, "report takes one folder (a sweep's or a run's out dir)");
  const fs::path dir = p.positional[0];
  fs::path html;
  if (fs::exists(dir / "sweep.json")) html = campaign::render_report(dir);
  else if (fs::exists(dir / "report.json")) html = reports::write_run_html(read_json_file((dir / "report.json").string()), dir);
  else throw InputError(dir.string() + ": neither a sweep folder (sweep.json) nor a run's out dir (report.json)");
  std::cout << "report    " << html.string() << "\n";
  return 0;
}

}  // namespace stalemate::cli
