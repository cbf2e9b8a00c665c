#include "reports/decision_text.h"

#include <cstdio>

namespace stalemate::reports {

namespace {

std::string str(const nlohmann::json& d, const char* key) {
  const auto it = d.find(key);
  if (it == d.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

std::int64_t num(const nlohmann::json& d, const char* key) {
  const auto it = d.find(key);
  return it != d.end() && it->is_number() ? it->get<std::int64_t>() : 0;
}

std::string seconds(std::int64_t us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(us) / 1e6);
  return buf;
}

// "held back by rule hide-2 (ROW)", "listing lag", ...
std::string cause_text(const nlohmann::json& f) {
  const std::string cause = str(f, "cause");
  if (cause == "rule_hold") return "held back by rule " + str(f, "rule") + " (" + str(f, "fault") + ")";
  if (cause == "replication_lag") return "replication lag";
  if (cause == "listing_lag") return "listing lag";
  if (cause == "container_full") return "container replica full: async pending";
  if (cause == "handoff") return "on a handoff until replication";
  if (cause == "replica_full") return "replica full: replication retries";
  return cause;
}

// One replica's fate in a write: "o1: applied", "c2: listing lag, +0.500s".
std::string fate_text(const nlohmann::json& f) {
  const std::string fate = str(f, "fate"), replica = str(f, "replica");
  if (fate == "full")
    return replica + ": full (507" +
           (str(f, "cause") == "capacity" ? ", " + str(f, "used") + " of " + str(f, "capacity") + " bytes used, " +
                                                str(f, "needed") + " needed"
            : str(f, "cause") == "rule" ? ", rule " + str(f, "rule")
                                        : std::string()) +
           ")";
  if (fate == "handoff") return replica + ": holds it for " + str(f, "for");
  if (fate == "corrupted") return replica + ": byte " + str(f, "offset") + " flipped by rule " + str(f, "rule");
  if (fate == "pending")
    return replica + ": " + cause_text(f) + ", " +
           (f.value("until_healed", false) ? std::string("until healed") : "+" + seconds(num(f, "delay_us")));
  return replica + ": " + fate;
}

std::string rule_fired(const nlohmann::json& d) {
  std::string text = "rule " + str(d, "rule") + " (" + str(d, "fault") + ") fired";
  const std::string fault = str(d, "fault");
  if (fault == "FAIL")
    text += ": answer " + str(d, "status") + (d.value("applied", false) ? " after applying" : " without applying") +
            (d.value("error_in_200", false) ? " (S3: as a 200 carrying the <Error> document)" : "");
  if (fault == "CUT") text += ": body cut after " + str(d, "after_bytes") + " bytes";
  if (fault == "EXPIRE") text += ": every credential issued so far expires";
  return text;
}

std::string write(const nlohmann::json& d) {
  std::string text = str(d, "change") + " " + str(d, "name") + " ts " + str(d, "ts") + ":";
  for (const auto& r : d.value("replicas", nlohmann::json::array())) text += " " + fate_text(r) + ";";
  for (const auto& l : d.value("listings", nlohmann::json::array())) text += " " + fate_text(l) + ";";
  if (d.value("unavailable", false)) text += " fewer than " + str(d, "quorum") + " replicas stored it (503)";
  return text;
}

std::string read(const nlohmann::json& d) {
  const std::string kind = str(d, "kind"), name = str(d, "name");
  if (kind == "stale_read")
    return "read " + name + " answered by " + str(d, "replica") + " with ts " + str(d, "ts") + "; " +
           str(d, "newest_replica") + " has newer " + (d.value("newest_tombstone", false) ? "tombstone" : "version") +
           " ts " + str(d, "newest_ts");
  if (kind == "read_missed")
    return "read " + name + " answered 404 although " + str(d, "holder") + " holds ts " + str(d, "holder_ts");
  if (kind == "negative_cache_hit")
    return "read " + name + " answered 404 from the negative cache (a 404 was read before; cached for " +
           seconds(num(d, "remaining_us")) + " more)";
  const std::string replica = str(d, "replica");
  return "read " + name + (replica.empty() ? " answered 404" : " answered by " + replica);
}

// "lacks P/0002 (held back by rule hide-2 (ROW) for 1.000s so far, until healed)"
std::string difference_text(const nlohmann::json& diff) {
  const std::string problem = str(diff, "problem"), name = str(diff, "name");
  std::string text = problem == "lacks"           ? "lacks " + name
                     : problem == "lists_deleted" ? "still lists deleted " + name
                                                  : "lists a stale row for " + name + " (" + str(diff, "bytes") +
                                                        " bytes, newest " + str(diff, "newest_bytes") + ")";
  if (diff.contains("pending")) {
    const auto& p = diff["pending"];
    text += " (" + cause_text(p) + " for " + seconds(num(p, "since_us")) + " so far, " +
            (p.value("until_healed", false) ? std::string("until healed") : "due in " + seconds(num(p, "due_in_us"))) +
            ")";
  }
  return text;
}

std::string listing(const nlohmann::json& d) {
  std::string text = "listing prefix=" + str(d, "prefix") + " answered by " + str(d, "replica");
  const auto diffs = d.value("differences", nlohmann::json::array());
  if (diffs.empty()) return text;
  const auto more = num(d, "more");
  return text + ", which " + difference_text(diffs.front()) + (more > 0 ? " and " + std::to_string(more) + " more" : "");
}

}  // namespace

std::string render_decision(const nlohmann::json& d) {
  if (!d.is_object()) return d.dump();
  const std::string kind = str(d, "kind");
  if (kind == "rule_fired") return rule_fired(d);
  if (kind == "write" || kind == "replica_held_back") return write(d);
  if (kind == "write_stored_nowhere") return "write of " + str(d, "name") + " stored on no replica";
  if (kind == "read" || kind == "stale_read" || kind == "read_missed" || kind == "negative_cache_hit") return read(d);
  if (kind == "listing" || kind == "listing_gap") return listing(d);
  if (kind == "container_stats") return "container stats answered by " + str(d, "replica");
  if (kind == "replication_deferred")
    return "replication of " + str(d, "name") + " ts " + str(d, "ts") + " to " + str(d, "replica") +
           " deferred: full (" + str(d, "used") + " of " + str(d, "capacity") + " bytes used, " + str(d, "needed") +
           " needed), retried in " + seconds(num(d, "retry_in_us"));
  return d.dump();
}

bool decision_is_notable(const nlohmann::json& d) {
  static const char* const notable[] = {"rule_fired",  "replica_held_back", "write_stored_nowhere", "stale_read",
                                        "read_missed", "negative_cache_hit", "listing_gap",
                                        "replication_deferred"};
  const std::string kind = d.is_object() ? str(d, "kind") : "";
  for (const char* k : notable)
    if (kind == k) return true;
  return false;
}

}  // namespace stalemate::reports
