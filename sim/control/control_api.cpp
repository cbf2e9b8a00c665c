#include "sim/control/control_api.h"

#include "common/json_reader.h"

namespace stalemate::sim {

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse res;
  res.status = status;
  // Names from requests may be any bytes (a %FF in a path): invalid UTF-8 is
  // replaced by U+FFFD rather than failing every later dump.
  res.set_text(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
  return res;
}

HttpResponse error(int status, const std::string& message) { return json_response(status, {{"error", message}}); }

nlohmann::json parse_body(const HttpRequest& req) {
  try {
    return nlohmann::json::parse(req.body.str());
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for a number like 1e99999
    throw InputError(std::string("request body: invalid JSON: ") + e.what());
  }
}

}  // namespace

bool is_control_request(const HttpRequest& request) { return request.path.rfind(kControlPrefix, 0) == 0; }

bool control_authorized(const HttpRequest& request, const std::string& token) {
  if (token.empty()) return true;
  // Constant-time comparison: the token is a secret and the listener answers quickly.
  auto same = [&token](const std::string& given) {
    if (given.size() != token.size()) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < given.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
    return diff == 0;
  };
  const std::string auth = request.header("Authorization");
  if (auth.rfind("Bearer ", 0) == 0 && same(auth.substr(7))) return true;
  return request.has_header("X-Stalemate-Token") && same(request.header("X-Stalemate-Token"));
}

HttpResponse serve_control(Store& store, const std::string& default_account, const std::string& token,
                           const HttpRequest& request) {
  try {
    if (!control_authorized(request, token)) {
      HttpResponse res = error(401, "control endpoint: missing or wrong token (Authorization: Bearer T or X-Stalemate-Token)");
      res.headers["WWW-Authenticate"] = "Bearer realm=\"stalemate\"";
      return res;
    }
    if (!is_control_request(request)) return error(404, std::string("control routes live under ") + kControlPrefix);
    return handle_control(store, default_account, request);
  } catch (const std::exception& e) {
    return error(500, e.what());
  }
}

HttpResponse handle_control(Store& store, const std::string& default_account, const HttpRequest& req) {
  const std::string route = req.path.substr(std::string(kControlPrefix).size());
  const std::string& m = req.method;
  try {
    if (route == "state" && m == "GET") {
      const std::string account = req.has_query("account") ? req.query_value("account") : default_account;
      if (!req.has_query("container") || !req.has_query("object"))
        return error(400, "state needs ?container=C&object=O");
      auto dump = store.dump_object(account, req.query_value("container"), req.query_value("object"));
      if (dump.is_null()) return error(404, "no such container");
      return json_response(200, dump);
    }
    if (route == "capacity" && m == "GET") return json_response(200, store.capacity_json());
    if (route == "quiesce" && m == "POST") {
      const auto applied = store.quiesce();
      return json_response(200, {{"applied", applied}, {"converged", store.converged()}});
    }
    if (route == "heal" && m == "POST") {
      const auto applied = store.heal();
      return json_response(200, {{"applied", applied}, {"converged", store.converged()}});
    }
    if (route == "rules") {
      if (m == "GET") return json_response(200, store.rules_json());
      if (m == "POST" || m == "PUT") {
        const auto body = parse_body(req);
        auto rules = parse_fault_rules(JsonReader(body, "request body"), store.topology());
        if (m == "PUT")
          store.replace_rules(std::move(rules));
        else
          store.add_rules(std::move(rules));
        return json_response(200, store.rules_json());
      }
    }
    if (route.rfind("rules/", 0) == 0 && m == "POST") {
      const auto slash = route.rfind('/');
      const std::string id = route.substr(6, slash - 6), action = route.substr(slash + 1);
      if (slash <= 6 || (action != "enable" && action != "disable"))
        return error(400, "use POST /__stalemate/rules/ID/enable or /disable");
      if (!store.set_rule_enabled(id, action == "enable")) return error(404, "no rule with id " + id);
      return json_response(200, store.rules_json());
    }
    if (route == "consistency") {
      if (m == "GET") return json_response(200, consistency_to_json(store.params_now()));
      if (m == "PUT") {
        const auto body = parse_body(req);
        store.patch_consistency(parse_consistency_patch(JsonReader(body, "request body"), store.topology()));
        return json_response(200, consistency_to_json(store.params_now()));
      }
    }
    if (route == "phases" && m == "PUT") {
      const auto body = parse_body(req);
      store.set_phases(parse_phases(JsonReader(body, "request body"), store.topology()));
      return json_response(200, {{"phases", body}});
    }
    if (route == "clock" && m == "POST") {
      const auto body = parse_body(req);
      JsonReader r(body, "request body");
      r.expect_object({"advance"});
      store.advance_clock(r.at("advance").as_duration_us());
      return json_response(200, {{"now_s", static_cast<double>(store.now_us()) / 1e6}});
    }
    if (route == "expire" && m == "POST") {
      store.expire_credentials();
      return json_response(200, {{"expired_before_s", static_cast<double>(store.auth_epoch_us()) / 1e6}});
    }
    if (route == "events" && m == "GET") {
      std::size_t since = 0;
      if (req.has_query("since")) {
        try {
          since = std::stoull(req.query_value("since"));
        } catch (const std::exception&) {
          return error(400, "since: expected a non-negative integer");
        }
      }
      return json_response(200, store.events().since(since));
    }
    return error(404, "no control route " + m + " " + req.path);
  } catch (const InputError& e) {
    return error(400, e.what());
  } catch (const std::invalid_argument& e) {  // the store refused a rule or knob that does not fit its topology
    return error(400, e.what());
  }
}

}  // namespace stalemate::sim
