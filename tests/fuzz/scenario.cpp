// parse_scenario from bytes, as `stalemate run` reads a file: JSON that does
// not parse, or a scenario that is refused with InputError, is fine; any other
// exception (or a crash) is a bug.
#include <cstddef>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto json = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  try {
    const auto scenario = stalemate::harness::parse_scenario(json, "fuzz.json");
    (void)scenario.name;
  } catch (const stalemate::InputError&) {
  }
  return 0;
}
