// The model's decisions in English. The store writes each decision as data
// ({"kind": "<snake_case>", ...fields}, see sim/model/decision.h); this is
// the one place that turns them into sentences, for evidence and reports.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace stalemate::reports {

// One sentence for one decision, e.g. "listing prefix=P/ answered by c2, which
// lacks P/0002 (held back by rule hide-2 (ROW) for 1.000s so far, until
// healed)". Unknown kinds render as their JSON.
std::string render_decision(const nlohmann::json& decision);

// Whether a decision explains a divergence (a rule fired, a replica held
// back, a stale or missed read, a listing gap, a cached 404), as opposed to
// the routine ones (a write applied everywhere, a plain read or listing).
bool decision_is_notable(const nlohmann::json& decision);

}  // namespace stalemate::reports
