// Delay distributions for replication and listing lag.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace stalemate {
class JsonReader;
}

namespace stalemate::sim {

// "Until healed": held until the rule is removed or the store quiesces.
constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();

struct Delay {
  enum class Kind { Fixed, Uniform, Exponential, LogNormal, UntilHealed };
  Kind kind = Kind::Fixed;
  std::int64_t a_us = 0;  // Fixed: value; Uniform: min; Exponential: mean; LogNormal: p50
  std::int64_t b_us = 0;  // Uniform: max; LogNormal: p99

  static Delay zero() { return {}; }
  static Delay fixed(std::int64_t us) { return {Kind::Fixed, us, 0}; }
  static Delay until_healed() { return {Kind::UntilHealed, 0, 0}; }
  bool is_zero() const { return kind == Kind::Fixed && a_us == 0; }

  // Maps u in [0,1) to a delay in microseconds (kForever for UntilHealed).
  std::int64_t sample(double u) const;
  std::string describe() const;
};

// JSON forms: 0, 1.5, "200ms" (fixed); "until_healed"; {"fixed": "2s"};
// {"uniform": ["0s", "3s"]}; {"exponential": {"mean": "1s"}};
// {"lognormal": {"p50": "200ms", "p99": "8s"}}.
Delay parse_delay(const JsonReader& r);
nlohmann::json delay_to_json(const Delay& d);

}  // namespace stalemate::sim
