#include "sim/model/json_text.h"

#include <array>
#include <charconv>
#include <cmath>

namespace stalemate::sim::json_text {

namespace {

constexpr auto kReplace = nlohmann::json::error_handler_t::replace;

// Printable ASCII without '"' or '\\': dump writes it as it is. Anything else
// (escapes, UTF-8, invalid bytes) goes through nlohmann's own serializer.
// (One table load per byte: every key and string of every event line passes here.)
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[static_cast<std::size_t>(c)] = plain_char(static_cast<char>(c));
  return t;
}();

bool plain(std::string_view s) {
  for (const char c : s)
    if (!kPlain[static_cast<unsigned char>(c)]) return false;
  return true;
}

template <typename T>
void append_integer(std::string& out, T v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void append_string(std::string& out, std::string_view s) {
  if (!plain(s)) {
    out += nlohmann::json(s).dump(-1, ' ', false, kReplace);
    return;
  }
  out.reserve(out.size() + s.size() + 2);
  out += '"';
  out.append(s);
  out += '"';
}

void append_uint(std::string& out, std::uint64_t v) { append_integer(out, v); }
void append_int(std::string& out, std::int64_t v) { append_integer(out, v); }

void append_double(std::string& out, double v) {
  // What dump() writes for a number_float (serializer::dump_float): "null"
  // when not finite, else nlohmann's shortest round-trip form ("1.5", "0.0",
  // "1e-07"; not std::to_chars's), without building a json value.
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  char buf[64];
  char* end = nlohmann::detail::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_json(std::string& out, const nlohmann::json& j) {
  if (j.is_string()) {
    append_string(out, j.get_ref<const std::string&>());
    return;
  }
  // What dump() runs, writing into `out` instead of a string of its own.
  nlohmann::detail::serializer<nlohmann::json> writer(nlohmann::detail::output_adapter<char>(out), ' ', kReplace);
  writer.dump(j, false, false, 0);
}

}  // namespace stalemate::sim::json_text
