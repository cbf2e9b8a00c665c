// The fake's control endpoint: JSON over HTTP under /__stalemate/ on its own
// loopback listener (never the store's port, which the registry reaches), for
// changing fault parameters and rules while a run is going, quiescing, and
// dumping the per-replica state of a key. An optional token guards it.
// Protocol neutral: it speaks to the Store, whatever front-end serves the rest.
//
//   GET  /__stalemate/state?container=C&object=O[&account=A]   per-replica state (and capacity)
//   GET  /__stalemate/capacity       capacity and use of every replica, handoff and container DB
//   POST /__stalemate/quiesce        apply all pending updates (those whose replica is full stay)
//   POST /__stalemate/heal           rules off, lag off, capacity unlimited, quiesce
//   GET|POST|PUT /__stalemate/rules  list / add / replace fault rules (JSON array)
//   POST /__stalemate/rules/ID/enable | /disable
//   GET|PUT /__stalemate/consistency base knobs (PUT patches them)
//   PUT  /__stalemate/phases         replace the phases (JSON array)
//   POST /__stalemate/clock          {"advance": "5s"}
//   POST /__stalemate/expire         expire every credential issued so far
//   GET  /__stalemate/events?since=N the event log from entry N
#pragma once

#include <string>

#include "common/http_types.h"
#include "sim/model/store.h"

namespace stalemate::sim {

inline constexpr const char* kControlPrefix = "/__stalemate/";

bool is_control_request(const HttpRequest& request);
HttpResponse handle_control(Store& store, const std::string& default_account, const HttpRequest& request);

// The request carries `token` ("Authorization: Bearer T" or "X-Stalemate-Token:
// T"); an empty token admits every request.
bool control_authorized(const HttpRequest& request, const std::string& token);
// The control listener's whole handler: 401 without the token, 404 outside
// /__stalemate/, else handle_control.
HttpResponse serve_control(Store& store, const std::string& default_account, const std::string& token,
                           const HttpRequest& request);

}  // namespace stalemate::sim
