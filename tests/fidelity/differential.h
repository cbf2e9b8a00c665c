// A differential run: the same request sequence sent to a real Swift and to
// the fake, answers compared (status, the headers that matter, bodies —
// listings parsed, multipart boundaries and timestamps normalised). Each
// difference is checked against a list of accepted ones, which say why.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "harness/http_client.h"

namespace stalemate::fidelity {

enum class BodyCompare {
  Exact,    // byte for byte (after boundary normalisation)
  Listing,  // a JSON array of listing entries; last_modified ignored
  Json,     // a JSON document compared as a value
  Lines,    // the same lines in any order (slo.py HEADs segments concurrently: its problem list comes in
            // completion order)
  Ignore,   // not compared (transaction ids, timestamps inside)
};

struct Step {
  std::string name;    // unique; accepted differences refer to it
  std::string method;
  std::string path;    // under the storage URL ("/c/o?x"); "!/info" is under the base URL
  Headers headers;
  std::string body;
  BodyCompare compare = BodyCompare::Exact;
  bool anonymous = false;  // no X-Auth-Token
  // Query parameters added per side (a TempURL signature needs the side's own
  // clock-free key, which is the same here, but keeps the door open).
  std::function<std::string(const std::string& storage_path)> sign;
  // Headers compared by presence only in this step (values that hash a clock).
  std::set<std::string> presence_only = {};
};

// One accepted difference: the step, the aspect ("status", "body",
// "header:Etag") and why it is accepted.
struct Accepted {
  std::string step;
  std::string aspect;
  std::string reason;
};

struct Side {
  std::string base_url;     // http://127.0.0.1:PORT
  std::string storage_url;  // …/v1/AUTH_test
  std::string token;
};

struct Difference {
  std::string step;
  std::string aspect;
  std::string real;
  std::string fake;
  std::string text() const;
};

// Sends each step to both sides in order and returns every difference not
// in `accepted` (and fills `used` with the accepted ones that were seen).
std::vector<Difference> run_differential(const Side& real, const Side& fake, const std::vector<Step>& steps,
                                         const std::vector<Accepted>& accepted, std::set<std::string>* used);

}  // namespace stalemate::fidelity
