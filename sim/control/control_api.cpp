#include "sim/control/control_api.h"

#include "common/json_reader.h"

namespace stalemate::sim {

namespace {

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse res;
  res.status = status;
  // Names echoed from the request may be invalid UTF-8: replace, never throw.
  res.set_text(body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
  return res;
}

HttpResponse error(int status, const std::string& message) { return json_response(status, {{"error", message}}); }

nlohmann::json parse_body(const HttpRequest& req) {
  try {
    return nlohmann::json::parse(*req.body);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(std::string("request body: invalid JSON: ") + e.what());
  }
}

}  // namespace

bool is_control_request(const HttpRequest& request) { return request.path.rfind(kControlPrefix, 0) == 0; }

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
        auto rules = parse_fault_rules(JsonReader(body, "request body"));
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
        store.set_consistency(parse_consistency(JsonReader(body, "request body"), store.params_now()));
        return json_response(200, consistency_to_json(store.params_now()));
      }
    }
    if (route == "phases" && m == "PUT") {
      const auto body = parse_body(req);
      store.set_phases(parse_phases(JsonReader(body, "request body")));
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
  }
}

}  // namespace stalemate::sim
