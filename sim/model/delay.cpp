#include "sim/model/delay.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/json_reader.h"

namespace stalemate::sim {

namespace {
// Inverse of the standard normal CDF (Acklam's rational approximation,
// relative error < 1.2e-9) — enough for sampling lags.
double inverse_normal(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01,  -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - 0.02425) return -inverse_normal(1 - p);
  const double q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
constexpr double kZ99 = 2.3263478740408408;  // standard normal quantile at 0.99

std::string us_text(std::int64_t us) {
  char buf[32];
  if (us % 1000000 == 0) std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(us / 1000000));
  else if (us % 1000 == 0) std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(us / 1000));
  else std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(us));
  return buf;
}
}  // namespace

std::int64_t Delay::sample(double u) const {
  switch (kind) {
    case Kind::Fixed: return a_us;
    case Kind::UntilHealed: return kForever;
    case Kind::Uniform: return a_us + static_cast<std::int64_t>(u * static_cast<double>(b_us - a_us));
    case Kind::Exponential: return static_cast<std::int64_t>(-std::log1p(-u) * static_cast<double>(a_us));
    case Kind::LogNormal: {
      if (a_us <= 0) return 0;
      const double mu = std::log(static_cast<double>(a_us));
      const double sigma = b_us > a_us ? (std::log(static_cast<double>(b_us)) - mu) / kZ99 : 0.0;
      const double v = std::exp(mu + sigma * inverse_normal(u));
      return static_cast<std::int64_t>(std::min(v, 1e15));
    }
  }
  return 0;
}

std::string Delay::describe() const {
  switch (kind) {
    case Kind::Fixed: return us_text(a_us);
    case Kind::UntilHealed: return "until healed";
    case Kind::Uniform: return "uniform(" + us_text(a_us) + ", " + us_text(b_us) + ")";
    case Kind::Exponential: return "exponential(mean " + us_text(a_us) + ")";
    case Kind::LogNormal: return "lognormal(p50 " + us_text(a_us) + ", p99 " + us_text(b_us) + ")";
  }
  return "?";
}

Delay parse_delay(const JsonReader& r) {
  const auto& v = r.value();
  if (v.is_string() && v.get<std::string>() == "until_healed") return Delay::until_healed();
  if (v.is_number() || v.is_string()) return Delay::fixed(r.as_duration_us());
  r.expect_object({"fixed", "uniform", "exponential", "lognormal"});
  if (v.size() != 1) r.fail("a delay object has exactly one of fixed, uniform, exponential, lognormal");
  if (r.has("fixed")) return Delay::fixed(r.at("fixed").as_duration_us());
  if (r.has("uniform")) {
    auto u = r.at("uniform");
    if (u.size() != 2) u.fail("expected [min, max]");
    Delay d{Delay::Kind::Uniform, u.at(0).as_duration_us(), u.at(1).as_duration_us()};
    if (d.b_us < d.a_us) u.fail("max is below min");
    return d;
  }
  if (r.has("exponential")) {
    auto e = r.at("exponential");
    e.expect_object({"mean"});
    return {Delay::Kind::Exponential, e.at("mean").as_duration_us(), 0};
  }
  auto l = r.at("lognormal");
  l.expect_object({"p50", "p99"});
  Delay d{Delay::Kind::LogNormal, l.at("p50").as_duration_us(), l.at("p99").as_duration_us()};
  if (d.a_us <= 0) l.at("p50").fail("must be > 0");
  if (d.b_us < d.a_us) l.at("p99").fail("p99 is below p50");
  return d;
}

nlohmann::json delay_to_json(const Delay& d) {
  switch (d.kind) {
    case Delay::Kind::Fixed: return us_text(d.a_us);
    case Delay::Kind::UntilHealed: return "until_healed";
    case Delay::Kind::Uniform: return {{"uniform", {us_text(d.a_us), us_text(d.b_us)}}};
    case Delay::Kind::Exponential: return {{"exponential", {{"mean", us_text(d.a_us)}}}};
    case Delay::Kind::LogNormal: return {{"lognormal", {{"p50", us_text(d.a_us)}, {"p99", us_text(d.b_us)}}}};
  }
  return nullptr;
}

}  // namespace stalemate::sim
