// `stalemate sweep`: runs a sweep's grid (or one shard of it) as child
// `stalemate run` processes, --jobs at a time, appending one row per finished
// run to rows.csv and rows.jsonl, then renders report.html.
#pragma once

#include <optional>
#include <string>

#include "campaign/sweep_def.h"

namespace stalemate::campaign {

struct SweepOptions {
  std::string file;
  unsigned jobs = 1;
  std::string out_dir;  // "" = stalemate-out/sweeps/<name>
  std::optional<std::string> registry;
  std::optional<Shard> shard;
  bool resume = false;  // skip the runs rows.jsonl already has
  bool progress_bar = false;  // a terminal: redraw a bar; otherwise plain lines
};

// 0 when every run was carried out (violations are data here, not failures),
// 3 when some run could not be (infrastructure); throws InputError (exit 2)
// before any run, and Interrupted on Ctrl-C after killing the running children.
int run_sweep(const SweepOptions& options);

}  // namespace stalemate::campaign
