// A single run's report.html: a Jepsen-style timeline with one lane per
// client (each request a bar from send to answer, coloured by its verdict,
// violations marked) and a lane of the store's decisions from events.jsonl
// (stale reads, listing gaps, held-back replicas, fired rules), then the
// violations and the notable decisions as tables.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::reports {

// events: the lines of events.jsonl, parsed.
std::string render_run_html(const nlohmann::json& report, const std::vector<nlohmann::json>& events);

// Reads dir/events.jsonl (when there) and writes dir/report.html; returns its path.
std::filesystem::path write_run_html(const nlohmann::json& report, const std::filesystem::path& dir);

// The most notable decision kind of a storage event ("" when it has none).
std::string notable_decision(const nlohmann::json& event);

// "2026-11-30T07:03:45.253Z" → microseconds since the epoch (0 when unreadable).
std::int64_t parse_iso8601_micros(const std::string& text);

}  // namespace stalemate::reports
