// Rules added through the control API, the form scenarios and `serve` use.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "common/http_types.h"
#include "sim/control/control_api.h"
#include "sim/model/store.h"

namespace stalemate::test {

inline void add_rules(sim::Store& store, const std::string& rules) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/__stalemate/rules";
  r.body = make_payload(rules);
  REQUIRE(parse_request_target(r));
  REQUIRE(sim::handle_control(store, "A", r).status == 200);
}

}  // namespace stalemate::test
