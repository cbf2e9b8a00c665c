// A Swift JSON container listing read with nlohmann's SAX parser into the
// fields the property checks use: a json tree per listing (a map per entry)
// cost more than the checks themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::property {

// One entry of a JSON container listing, as the checks read it.
struct Listed {
  bool subdir = false;
  std::string name;  // "name", or "subdir" for a subdir entry
  std::optional<std::uint64_t> bytes;
  std::optional<std::string> hash;
};

// The SAX handler: anything that is not an array of flat objects fails the
// parse; a field of another type than expected is left unset (the checks
// assert it is there, as get<>() on a tree would have thrown).
class ListingReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::vector<Listed> entries;

  bool null() override { return field_done(); }
  bool boolean(bool) override { return field_done(); }
  bool number_integer(number_integer_t) override { return field_done(); }
  bool number_unsigned(number_unsigned_t v) override {
    if (depth_ == 2 && key_ == "bytes") entries.back().bytes = v;
    return field_done();
  }
  bool number_float(number_float_t, const string_t&) override { return field_done(); }
  bool string(string_t& v) override {
    if (depth_ == 2) {
      if (key_ == "name" || key_ == "subdir") {
        entries.back().subdir = key_ == "subdir";
        entries.back().name = std::move(v);
      } else if (key_ == "hash") {
        entries.back().hash = std::move(v);
      }
    }
    return field_done();
  }
  bool binary(binary_t&) override { return field_done(); }
  bool start_object(std::size_t) override {
    if (++depth_ == 2) entries.emplace_back();
    return depth_ == 2;  // entries are objects in the top-level array
  }
  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool end_object() override {
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override { return ++depth_ == 1; }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool field_done() { return depth_ == 2; }  // a scalar only as a field of an entry
  int depth_ = 0;
  std::string key_;
};

// `body` read as a listing; false when it is not valid JSON or not an array
// of flat objects.
inline bool read_listing(const std::string& body, std::vector<Listed>& out) {
  ListingReader reader;
  if (!nlohmann::json::sax_parse(body, &reader)) return false;
  out = std::move(reader.entries);
  return true;
}

}  // namespace stalemate::property
