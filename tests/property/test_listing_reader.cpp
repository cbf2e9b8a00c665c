// The property tests read JSON listings with a SAX handler
// (tests/property/listing_reader.h): it must see what a json tree would, and
// refuse what is not a listing, or the properties could pass on garbage.
#include <catch2/catch.hpp>

#include "tests/property/listing_reader.h"

using stalemate::property::Listed;
using stalemate::property::read_listing;

TEST_CASE("listing reader: the fields of rows and subdirs") {
  std::vector<Listed> e;
  REQUIRE(read_listing(R"([{"bytes": 3, "hash": "abc", "name": "s/a", "content_type": "x", "last_modified": "t"},)"
                       R"( {"subdir": "s/b/"}, {"name": "caf\u00e9", "bytes": 0, "hash": ""}])",
                       e));
  REQUIRE(e.size() == 3);
  CHECK((!e[0].subdir && e[0].name == "s/a" && e[0].bytes == 3u && e[0].hash == "abc"));
  CHECK((e[1].subdir && e[1].name == "s/b/" && !e[1].bytes && !e[1].hash));
  CHECK((e[2].name == "caf\xc3\xa9" && e[2].bytes == 0u && e[2].hash == ""));
  REQUIRE(read_listing("[]", e));
  CHECK(e.empty());
}

TEST_CASE("listing reader: what is not a listing is refused or left unset") {
  std::vector<Listed> e;
  CHECK_FALSE(read_listing("[{\"name\": \"a\"", e));  // truncated
  CHECK_FALSE(read_listing("{\"name\": \"a\"}", e));  // not an array
  CHECK_FALSE(read_listing("[1, 2]", e));             // not objects
  CHECK_FALSE(read_listing("[{\"name\": {\"x\": 1}}]", e));  // nested
  REQUIRE(read_listing(R"([{"name": "a", "bytes": "3", "hash": 7}])", e));  // wrong types: unset
  REQUIRE(e.size() == 1);
  CHECK((!e[0].bytes && !e[0].hash));
}
