#include "campaign/explore/shrink.h"

#include <set>

namespace stalemate::campaign::explore {

std::string case_key(const ExploreCase& c) {
  const auto s = case_to_scenario(c, "key", 0);
  return s["backend"].dump() + s["workload"].dump() + s.value("debug", nlohmann::json()).dump();
}

ShrinkResult shrink_case(const rc::Shrinkable<ExploreCase>& failing, const Finding& target, const Judge& judge,
                         const ShrinkBounds& bounds, const ShrinkProgress& progress) {
  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] { return std::chrono::steady_clock::now() - start; };
  ShrinkResult result;
  result.minimal = failing.value();
  result.finding = target;
  std::set<std::string> tried{case_key(result.minimal)};
  auto current = failing;
  bool moved = true;
  while (moved) {
    moved = false;
    auto shrinks = current.shrinks();
    // Walk this case's shrinks a batch at a time; the first that fails the same way wins.
    while (!moved) {
      if (result.runs >= bounds.max_runs || elapsed() >= bounds.max_time) {
        result.seconds = std::chrono::duration<double>(elapsed()).count();
        return result;  // bounded: not exhausted
      }
      std::vector<rc::Shrinkable<ExploreCase>> batch;
      std::vector<ExploreCase> cases;
      while (batch.size() < std::max(1u, bounds.batch) && result.runs + batch.size() < bounds.max_runs) {
        auto next = shrinks.next();
        if (!next) break;
        auto value = next->value();
        if (!tried.insert(case_key(value)).second) continue;  // runs the same scenario as one already tried
        // A shrink of an index can split one push into two parallel ones: not smaller.
        if (case_operations(value) > case_operations(result.minimal)) continue;
        cases.push_back(std::move(value));
        batch.push_back(std::move(*next));
      }
      if (batch.empty()) break;  // no shrink left: current is minimal
      auto findings = judge(cases);
      result.runs += batch.size();
      for (unsigned t = 1; t < bounds.tries; ++t) {  // once more for those that did not fail the same way
        std::vector<std::size_t> again;
        for (std::size_t i = 0; i < batch.size(); ++i)
          if (!same_kind(target, findings[i])) again.push_back(i);
        if (again.empty() || result.runs + again.size() > bounds.max_runs) break;
        std::vector<ExploreCase> retry;
        for (auto i : again) retry.push_back(cases[i]);
        const auto second = judge(retry);
        result.runs += again.size();
        for (std::size_t k = 0; k < again.size(); ++k) findings[again[k]] = second[k];
      }
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (!same_kind(target, findings[i])) continue;
        current = batch[i];
        result.minimal = cases[i];
        result.finding = findings[i];
        ++result.steps;
        moved = true;
        if (progress) progress(result);
        break;
      }
    }
  }
  result.exhausted = true;
  result.seconds = std::chrono::duration<double>(elapsed()).count();
  return result;
}

}  // namespace stalemate::campaign::explore
