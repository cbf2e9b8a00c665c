// Invariant I11 "no leaks" as a figure: segments under segments/ that no live
// DLO manifest references (mechanisms.md M12e: every writer.Cancel deletes the
// upload's manifest only, and nothing ever walks segments/).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "sim/model/store.h"

namespace stalemate::harness {

// {"segments": n, "bytes": b, "prefixes": [...], "held_by_uploads":
// {"segments", "bytes"}} over the store's newest state (read after heal, when
// every replica agrees): orphans no manifest references, and segments only an
// unfinished upload's manifest references (the upload purge frees those).
nlohmann::json count_orphan_segments(const sim::Store& store, const std::string& account, const std::string& container);

}  // namespace stalemate::harness
