#include "cli/campaign_commands.h"

#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "campaign/sweep.h"
#include "campaign/sweep_store.h"
#include "common/json_reader.h"
#include "harness/child_reaper.h"
#include "reports/run_html.h"

namespace stalemate::cli {

namespace fs = std::filesystem;

const char* const kCampaignUsage =
    "  stalemate sweep SWEEP.json [--jobs N] [--out DIR] [--registry PATH] [--shard I/N] [--resume]\n"
    "      run a sweep's grid (cells x seeds) as child runs, N at a time; one row per run appended to\n"
    "      DIR/rows.csv and rows.jsonl as runs finish, then DIR/report.html; --shard I/N (I from 0)\n"
    "      runs the runs whose index is I modulo N; --resume skips the runs DIR already has;\n"
    "      exit 0 all runs carried out (violations are data), 3 some could not be, 130 on SIGINT\n"
    "  stalemate merge SHARD_DIR... [-o DIR]\n"
    "      join the shard folders of one sweep (refuses different sweeps) into DIR (default merged)\n"
    "  stalemate report DIR\n"
    "      re-render DIR/report.html: a sweep's folder, or a single run's out dir\n";

namespace {

struct Parsed {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;
  bool resume = false;
};

// Options with values in `valued`; flags in `flags`; anything else is an error.
Parsed parse(const std::vector<std::string>& args, std::initializer_list<const char*> valued,
             std::initializer_list<const char*> flags) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    bool known = false;
    for (const char* v : valued)
      if (a == v) {
        if (i + 1 >= args.size()) throw InputError("option " + a + " needs a value");
        p.options.emplace_back(a, args[++i]);
        known = true;
      }
    for (const char* f : flags)
      if (a == f) p.resume = known = true;
    if (known) continue;
    if (a.size() > 1 && a[0] == '-') throw InputError("unknown option " + a);
    p.positional.push_back(a);
  }
  return p;
}

unsigned parse_jobs(const std::string& text) {
  std::size_t pos = 0;
  unsigned long n = 0;
  try {
    n = std::stoul(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != text.size() || text.empty() || text[0] == '-' || n < 1 || n > 64)
    throw InputError("--jobs: expected 1 to 64, got \"" + text + "\"");
  return static_cast<unsigned>(n);
}

}  // namespace

int cmd_sweep(const std::vector<std::string>& args) {
  const auto p = parse(args, {"--jobs", "--out", "--registry", "--shard"}, {"--resume"});
  if (p.positional.size() != 1) throw InputError("sweep takes exactly one sweep file");
  campaign::SweepOptions options;
  options.file = p.positional[0];
  options.resume = p.resume;
  options.progress_bar = ::isatty(STDERR_FILENO);
  for (const auto& [k, v] : p.options) {
    if (k == "--jobs") options.jobs = parse_jobs(v);
    if (k == "--out") options.out_dir = v;
    if (k == "--registry") options.registry = v;
    if (k == "--shard") options.shard = campaign::parse_shard(v);
  }
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
  const auto p = parse(args, {"-o", "--out"}, {});
  std::string out = "merged";
  for (const auto& [k, v] : p.options) out = v;
  std::vector<fs::path> dirs(p.positional.begin(), p.positional.end());
  const auto n = campaign::merge_shards(dirs, out);
  std::cout << "merged " << dirs.size() << " shard(s), " << n << " runs\n"
            << "rows      " << (fs::path(out) / "rows.csv").string() << "\n"
            << "report    " << (fs::path(out) / "report.html").string() << "\n";
  return 0;
}

int cmd_report(const std::vector<std::string>& args) {
  const auto p = parse(args, {}, {});
  if (p.positional.size() != 1) throw InputError("report takes one folder (a sweep's or a run's out dir)");
  const fs::path dir = p.positional[0];
  fs::path html;
  if (fs::exists(dir / "sweep.json")) html = campaign::render_report(dir);
  else if (fs::exists(dir / "report.json")) html = reports::write_run_html(read_json_file((dir / "report.json").string()), dir);
  else throw InputError(dir.string() + ": neither a sweep folder (sweep.json) nor a run's out dir (report.json)");
  std::cout << "report    " << html.string() << "\n";
  return 0;
}

}  // namespace stalemate::cli
