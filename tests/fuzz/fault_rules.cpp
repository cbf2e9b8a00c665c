// parse_fault_rules from bytes (a JSON array, as /__stalemate/rules and a
// scenario's backend.faults carry it): refused with InputError or parsed and
// rendered back to JSON. Any other exception or a crash is a bug.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "sim/model/fault_rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto json = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  try {
    for (const auto& rule : stalemate::sim::parse_fault_rules(stalemate::JsonReader(json, "fuzz.json")))
      (void)stalemate::sim::fault_rule_to_json(rule).dump();
  } catch (const stalemate::InputError&) {
  }
  return 0;
}
