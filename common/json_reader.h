// Strict reading of user-written JSON (scenario files, traces): every error
// names the file and the JSON Pointer of the offending value, and unknown keys
// are errors (a typo must not silently fall back to a default).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate {

// Bad input: stalemate exits 2 on this.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The longest duration any input may give (delays, holds, rule windows, phase
// times, clock advances): one year. Far beyond any run, and far below the
// int64 microsecond range, so sums of a time and a duration cannot overflow.
constexpr std::int64_t kMaxDurationUs = 365LL * 24 * 3600 * 1'000'000;

class JsonReader {
 public:
  JsonReader(const nlohmann::json& value, std::string file, std::string pointer = "");

  const nlohmann::json& value() const { return value_; }
  const std::string& pointer() const { return pointer_; }
  const std::string& file() const { return file_; }
  [[noreturn]] void fail(const std::string& what) const;

  bool has(const std::string& key) const;
  JsonReader at(const std::string& key) const;     // required member
  JsonReader at(std::size_t index) const;          // array element
  std::size_t size() const;                        // array length (fails if not an array)
  void expect_object(std::initializer_list<const char*> allowed_keys) const;
  void expect_object(const std::vector<std::string>& allowed_keys) const;

  std::string as_string() const;
  bool as_bool() const;
  std::uint64_t as_uint() const;
  double as_number() const;
  // 1048576, "1MiB", "64 KiB", "1.5GiB", "512B", "10MB" (decimal units too).
  std::uint64_t as_size() const;
  std::string as_enum(std::initializer_list<const char*> choices) const;
  // A duration in microseconds: 2.5 (seconds), "150ms", "2s", "1.5m", "1h", "500us";
  // finite, >= 0 and at most kMaxDurationUs.
  std::int64_t as_duration_us() const;

  // Optional members with defaults.
  std::string get_string(const std::string& key, const std::string& fallback) const;
  bool get_bool(const std::string& key, bool fallback) const;
  std::uint64_t get_uint(const std::string& key, std::uint64_t fallback) const;
  std::uint64_t get_size(const std::string& key, std::uint64_t fallback) const;
  std::int64_t get_duration_us(const std::string& key, std::int64_t fallback) const;

 private:
  const nlohmann::json& value_;
  std::string file_;
  std::string pointer_;
};

// Parses a file as JSON; syntax errors name the file, line and column.
nlohmann::json read_json_file(const std::string& path);

}  // namespace stalemate
