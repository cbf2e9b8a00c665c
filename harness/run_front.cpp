#include "harness/run_front.h"

#include <chrono>
#include <thread>

#include "harness/child_reaper.h"
#include "harness/front/front_report.h"

namespace stalemate::harness {

nlohmann::json front_start_report(const front::Front& f, const std::vector<std::string>& upstreams) {
  const auto& l = f.layout();
  return {{"base_url", f.base_url()},
          {"nginx_version", front::nginx_version("/usr/sbin/nginx")},
          {"prefix", l.prefix.string()},
          {"config_file", l.conf.string()},
          {"config", front::read_text_file(l.conf)},
          {"error_log", l.error_log.string()},
          {"access_log", l.access_log.string()},
          {"upstreams", upstreams}};
}

void finish_front(front::Front& f, const History& history, nlohmann::json& report_front) {
  const auto base = f.base_url();
  std::size_t sent = 0;
  for (const auto& r : history.requests()) sent += r.url.rfind(base, 0) == 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.access().size() < sent && std::chrono::steady_clock::now() < deadline && !interrupt_signal())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // polls a file, bounded by the deadline
  f.sampler().stop();
  f.nginx().stop();
  report_front["filesystems"] = front::filesystems_report(f.sampler());
  report_front["errors"] = nlohmann::json::array();
  for (const auto& e : f.errors()) report_front["errors"].push_back(front::to_json(e));
  if (f.spec().cache) report_front["cache"] = {{"orphaned_partials", front::orphaned_partials(f.layout().cache_dir)}};
}

void join_front_requests(front::Front& f, std::vector<RequestRecord>& requests, nlohmann::json& report_front,
                         nlohmann::json& errors) {
  const auto counts = front::join_requests(requests, f.base_url(), f.access(), f.errors(), f.sampler());
  report_front["requests"] = {{"joined_to_access_log", counts.joined},
                              {"failed_at_front", counts.front_failures},
                              {"failed_at_registry", counts.registry_failures},
                              {"cache_hits", counts.cache_hits}};
  // An error line names the request's method and path ("push-patch: PATCH /v2/… returned 500 …").
  std::vector<bool> annotated(errors.size(), false);
  for (const auto& [index, note] : counts.front_notes) {
    const auto& r = requests[index];
    const std::string needle = r.method + " " + r.url.substr(f.base_url().size());
    for (std::size_t e = 0; e < errors.size(); ++e) {
      if (annotated[e] || errors[e].get<std::string>().find(needle) == std::string::npos) continue;
      errors[e] = errors[e].get<std::string>() + "; " + note;
      annotated[e] = true;
      break;
    }
  }
}

void count_front_failures(const std::vector<OperationRecord>& operations, const std::vector<RequestRecord>& requests,
                          nlohmann::json& report_front) {
  std::size_t at_front = 0, at_registry = 0, other = 0;  // other: a violation, a request never joined
  for (const auto& o : operations) {
    if (o.outcome == OpOutcome::Ok || o.outcome == OpOutcome::Pending) continue;
    const std::string where = o.last_request < requests.size() ? requests[o.last_request].failed_at : "";
    if (where == "front")
      ++at_front;
    else if (where == "registry")
      ++at_registry;
    else
      ++other;
  }
  report_front["failed_operations"] = {{"front", at_front}, {"registry", at_registry}, {"other", other}};
}

namespace {

// The cache entries a HIT came from and the earlier request that filled them,
// with that request's storage requests and store decisions (the same evidence
// by keys as for any violation).
nlohmann::json cache_evidence(const front::Front& f, const Violation& v, const std::vector<RequestRecord>& requests,
                              const EvidenceSources& sources) {
  const auto& hit = requests[v.request_index];
  nlohmann::json j = {{"status", hit.cache},
                      {"request_id", hit.request_id},
                      {"entries", f.spec().cache ? front::cache_entries_for(f.layout().cache_dir,
                                                                            hit.url.substr(f.base_url().size()))
                                                 : nlohmann::json::array()},
                      {"filled_by", nullptr}};
  const auto filler = front::cache_filler(requests, v.request_index);
  if (!filler) return j;
  const auto& m = requests[*filler];
  Violation at_fill = v;
  at_fill.request_index = *filler;
  j["filled_by"] = {{"request_index", *filler}, {"request_id", m.request_id}, {"cache", m.cache},
                    {"method", m.method},       {"url", m.url},               {"status", m.status},
                    {"start_us", m.start_us},   {"end_us", m.end_us},
                    {"evidence", build_evidence(at_fill, requests, sources)}};
  return j;
}

}  // namespace

void add_front_evidence(const front::Front& f, const std::vector<front::ErrorLogRecord>& front_errors,
                        const Violation& v, const std::vector<RequestRecord>& requests,
                        const EvidenceSources& sources, nlohmann::json& evidence) {
  if (v.request_index >= requests.size()) return;
  const auto& r = requests[v.request_index];
  if (!r.request_id.empty())
    for (const auto& e : front_errors)
      if (e.request_id == r.request_id) evidence["front_log"].push_back(front::to_json(e));
  if (r.cache == "HIT") evidence["cache"] = cache_evidence(f, v, requests, sources);
}

}  // namespace stalemate::harness
