// What the scenario tests ask of the parser: the InputError text of parsing
// a document, or "" when it parsed.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"
#include "harness/scenario.h"

namespace stalemate::test {

inline std::string scenario_parse_error(const nlohmann::json& j, const std::string& file) {
  try {
    harness::parse_scenario(j, file);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace stalemate::test
