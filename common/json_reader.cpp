#include "common/json_reader.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace stalemate {

namespace {
std::string type_name(const nlohmann::json& v) { return v.type_name(); }
std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}
}  // namespace

JsonReader::JsonReader(const nlohmann::json& value, std::string file, std::string pointer)
    : value_(value), file_(std::move(file)), pointer_(std::move(pointer)) {}

void JsonReader::fail(const std::string& what) const {
  throw InputError(file_ + ": " + (pointer_.empty() ? "/" : pointer_) + ": " + what);
}

bool JsonReader::has(const std::string& key) const { return value_.is_object() && value_.contains(key); }

JsonReader JsonReader::at(const std::string& key) const {
  if (!value_.is_object()) fail("expected an object, got " + type_name(value_));
  auto it = value_.find(key);
  if (it == value_.end()) fail("missing required key \"" + key + "\"");
  return JsonReader(*it, file_, pointer_ + "/" + escape_pointer_token(key));
}

JsonReader JsonReader::at(std::size_t index) const {
  if (!value_.is_array()) fail("expected an array, got " + type_name(value_));
  if (index >= value_.size()) fail("index " + std::to_string(index) + " out of range");
  return JsonReader(value_[index], file_, pointer_ + "/" + std::to_string(index));
}

std::size_t JsonReader::size() const {
  if (!value_.is_array()) fail("expected an array, got " + type_name(value_));
  return value_.size();
}

void JsonReader::expect_object(std::initializer_list<const char*> allowed_keys) const {
  expect_object(std::vector<std::string>(allowed_keys.begin(), allowed_keys.end()));
}

void JsonReader::expect_object(const std::vector<std::string>& allowed_keys) const {
  if (!value_.is_object()) fail("expected an object, got " + type_name(value_));
  for (const auto& [key, v] : value_.items()) {
    bool known = false;
    for (const auto& k : allowed_keys) known = known || key == k;
    if (!known) {
      std::string list;
      for (const auto& k : allowed_keys) list += (list.empty() ? "" : ", ") + k;
      JsonReader(v, file_, pointer_ + "/" + escape_pointer_token(key)).fail("unknown key (expected one of: " + list + ")");
    }
  }
}

std::string JsonReader::as_string() const {
  if (!value_.is_string()) fail("expected a string, got " + type_name(value_));
  return value_.get<std::string>();
}

bool JsonReader::as_bool() const {
  if (!value_.is_boolean()) fail("expected true or false, got " + type_name(value_));
  return value_.get<bool>();
}

std::uint64_t JsonReader::as_uint() const {
  if (value_.is_number_unsigned()) return value_.get<std::uint64_t>();
  if (value_.is_number_integer() && value_.get<std::int64_t>() >= 0) return value_.get<std::uint64_t>();
  fail("expected a non-negative integer, got " + (value_.is_number() ? value_.dump() : type_name(value_)));
}

double JsonReader::as_number() const {
  if (!value_.is_number()) fail("expected a number, got " + type_name(value_));
  return value_.get<double>();
}

namespace {
// Splits "1.5GiB" / "150 ms" into a number and a unit; fails with `expected`.
std::pair<double, std::string> number_and_unit(const JsonReader& r, const std::string& expected) {
  const std::string s = r.value().get<std::string>();
  std::size_t pos = 0;
  double number = 0;
  try {
    number = std::stod(s, &pos);
  } catch (const std::exception&) {
    r.fail("expected " + expected + ", got \"" + s + "\"");
  }
  std::string unit = s.substr(pos);
  unit.erase(0, unit.find_first_not_of(' '));
  return {number, unit};
}
}  // namespace

std::uint64_t JsonReader::as_size() const {
  if (value_.is_number()) return as_uint();
  if (!value_.is_string()) fail("expected a size such as 1048576 or \"4MiB\", got " + type_name(value_));
  const std::string s = value_.get<std::string>();
  const auto [number, unit] = number_and_unit(*this, "a size such as 1048576 or \"4MiB\"");
  static const std::pair<const char*, double> units[] = {
      {"", 1},         {"B", 1},         {"KiB", 1024.0},  {"MiB", 1048576.0}, {"GiB", 1073741824.0},
      {"KB", 1000.0},  {"MB", 1e6},      {"GB", 1e9},      {"kB", 1000.0}};
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      const double bytes = number * factor;
      if (bytes < 0 || bytes > 1.8e19 || std::floor(bytes) != bytes)
        fail("size \"" + s + "\" is not a whole number of bytes");
      return static_cast<std::uint64_t>(bytes);
    }
  }
  fail("unknown size unit in \"" + s + "\" (use B, KiB, MiB, GiB, KB, MB or GB)");
}

std::string JsonReader::as_enum(std::initializer_list<const char*> choices) const {
  const std::string s = as_string();
  std::string list;
  for (const char* c : choices) {
    if (s == c) return s;
    list += std::string(list.empty() ? "" : ", ") + "\"" + c + "\"";
  }
  fail("\"" + s + "\" is not one of " + list);
}

namespace {
// Range-checks before the cast: casting a double beyond int64 (e.g. "1e30s")
// to an integer is undefined behaviour, and a NaN or negative delay is never meant.
std::int64_t checked_duration_us(const JsonReader& r, double us, const std::string& text) {
  if (std::isnan(us) || us < 0) r.fail("a duration must be a number >= 0, got " + text);
  if (us > static_cast<double>(kMaxDurationUs)) r.fail("duration " + text + " is longer than the maximum of one year");
  return static_cast<std::int64_t>(us);
}
}  // namespace

std::int64_t JsonReader::as_duration_us() const {
  if (value_.is_number()) {
    return checked_duration_us(*this, as_number() * 1e6, value_.dump());
  }
  if (!value_.is_string()) fail("expected a duration such as 2.5, \"150ms\" or \"2s\", got " + type_name(value_));
  const std::string s = value_.get<std::string>();
  const auto [number, unit] = number_and_unit(*this, "a duration such as \"150ms\" or \"2s\"");
  static const std::pair<const char*, double> units[] = {{"us", 1}, {"ms", 1e3}, {"s", 1e6}, {"m", 60e6}, {"h", 3600e6}};
  for (const auto& [name, factor] : units) {
    if (unit == name) {
      return checked_duration_us(*this, number * factor, "\"" + s + "\"");
    }
  }
  fail("unknown duration unit in \"" + s + "\" (use us, ms, s, m or h)");
}

std::int64_t JsonReader::get_duration_us(const std::string& key, std::int64_t fallback) const {
  return has(key) ? at(key).as_duration_us() : fallback;
}

std::string JsonReader::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? at(key).as_string() : fallback;
}
bool JsonReader::get_bool(const std::string& key, bool fallback) const { return has(key) ? at(key).as_bool() : fallback; }
std::uint64_t JsonReader::get_uint(const std::string& key, std::uint64_t fallback) const {
  return has(key) ? at(key).as_uint() : fallback;
}
std::uint64_t JsonReader::get_size(const std::string& key, std::uint64_t fallback) const {
  return has(key) ? at(key).as_size() : fallback;
}

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based offset of the error; turn it into line:column.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw InputError(path + ":" + std::to_string(line) + ":" + std::to_string(column) + ": invalid JSON: " + e.what());
  } catch (const nlohmann::json::exception& e) {  // out_of_range: a number like 1e99999
    throw InputError(path + ": invalid JSON: " + e.what());
  }
}

}  // namespace stalemate
