// The nginx front's part of one run, kept out of the runner: the report
// section when nginx starts and when the workload is over, the join of the
// client's requests to nginx's logs (which failures nginx answered itself, which
// answers came from its cache), and the front's evidence for a violation.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/evidence.h"
#include "harness/front/front.h"
#include "harness/history.h"

namespace stalemate::harness {

// report["front"] once nginx runs: address, version, config, log paths, upstreams.
nlohmann::json front_start_report(const front::Front& f, const std::vector<std::string>& upstreams);

// Once the workload is over: awaits (bounded) an access-log line for every
// request sent through the front — nginx logs a refused upload only after its
// lingering close — then stops the sampler and nginx and adds the filesystems,
// the error.log records and the orphaned cache files to report_front.
void finish_front(front::Front& f, const History& history, nlohmann::json& report_front);

// Joins requests to nginx's access log (request ids, cache statuses, failed_at)
// and appends "; front 500: spool full (…)" to the error line of each
// operation that failed at the front; adds report_front["requests"].
void join_front_requests(front::Front& f, std::vector<RequestRecord>& requests, nlohmann::json& report_front,
                         nlohmann::json& errors);

// report_front["failed_operations"]: failed operations by where their last request failed.
void count_front_failures(const std::vector<OperationRecord>& operations, const std::vector<RequestRecord>& requests,
                          nlohmann::json& report_front);

// Adds to a violation's evidence what nginx logged for its request
// ("front_log") and, for a cache HIT, the cache entries and the earlier
// request that filled them with that request's own evidence ("cache").
void add_front_evidence(const front::Front& f, const std::vector<front::ErrorLogRecord>& front_errors,
                        const Violation& v, const std::vector<RequestRecord>& requests,
                        const EvidenceSources& sources, nlohmann::json& evidence);

}  // namespace stalemate::harness
