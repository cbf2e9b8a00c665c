// JSON text written straight into a string, byte for byte as nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) writes the same value: the
// event log serialises each request's line with these instead of building a
// json object per event (property tests run thousands of requests a second).
// Objects must be written with their keys in std::map order, as dump sorts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace stalemate::sim::json_text {

// A JSON string literal, quotes included.
void append_string(std::string& out, std::string_view s);
void append_uint(std::string& out, std::uint64_t v);
void append_int(std::string& out, std::int64_t v);
void append_double(std::string& out, double v);
// Any json value, as dump() writes it.
void append_json(std::string& out, const nlohmann::json& j);

// A byte dump() writes as it is: printable ASCII other than '"' and '\\'.
constexpr bool plain_char(char c) { return c >= 0x20 && c <= 0x7e && c != '"' && c != '\\'; }

// A key written as it is: a string literal of printable ASCII without '"'
// or '\\', checked when compiled (keys are written for every field of every
// event line and decision, and scanning them at run time showed in profiles).
class Key {
 public:
  template <std::size_t N>
  consteval Key(const char (&k)[N]) : text_(k, N - 1) {  // NOLINT: implicit on purpose
    for (const char c : text_)
      if (!plain_char(c)) throw "a json_text key must not need escaping";
  }
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
};

// {"k":v,...}: writes the separators; the caller writes keys in sorted order.
class ObjectWriter {
 public:
  // Room for a small object up front: decisions start as empty strings, and
  // growing one a field at a time cost more reallocations than writing it.
  explicit ObjectWriter(std::string& out) : out_(out) {
    out_.reserve(out_.size() + 112);
    out_ += '{';
  }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  ~ObjectWriter() { out_ += '}'; }
  // Writes `"key":` (and the comma before it); the value follows.
  std::string& key(Key k) {
    const std::string_view t = k.text();
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_.append(t);
    out_.append("\":", 2);
    return out_;
  }
  void field(Key k, std::string_view v) { append_string(key(k), v); }
  void field(Key k, const char* v) { append_string(key(k), v); }
  void field(Key k, const std::string& v) { append_string(key(k), v); }
  void field(Key k, std::uint64_t v) { append_uint(key(k), v); }
  void field(Key k, int v) { append_int(key(k), v); }
  void field(Key k, std::int64_t v) { append_int(key(k), v); }
  void field(Key k, double v) { append_double(key(k), v); }
  void field(Key k, const nlohmann::json& v) { append_json(key(k), v); }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace stalemate::sim::json_text
