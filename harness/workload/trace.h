// A push/pull trace: timed events per client, one JSON object per line after
// a header line. Traces come from logs (importers), generators or a recorded
// run, and replay as a scenario's workload (see scenarios/README.md, "Traces").
// Parsing is strict and whole-file: every error names the file and the line.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::harness::workload {

inline constexpr int kTraceVersion = 1;
inline constexpr std::size_t kMaxTraceEvents = 100'000;

struct TraceLayer {
  std::string token;       // content identity: equal tokens = the same blob (shared layers)
  std::uint64_t size = 0;  // bytes, before any scale
};

struct TraceImage {
  std::string repository;
  std::string tag = "latest";
  std::string format = "docker";  // "docker" or "oci"
  std::vector<TraceLayer> layers;
  std::string config;  // token of the config blob ("" = derived from repository:tag)
};

struct TraceEvent {
  enum class Op { Push, Pull, Delete, Restart, Faults };
  Op op = Op::Push;
  std::int64_t at_us = 0;  // offset from the trace's start
  bool setup = false;      // runs before the timed part, in order (images a pulled log needs first)
  std::string client;      // who issues it: each client replays as its own concurrent client
  std::string profile;     // push: single|dockerd|buildkit|skopeo; pull: plain|docker|containerd|slices|skopeo
  TraceImage image;        // push: the whole image; pull/delete: repository and tag
  bool by_digest = false;  // pull
  std::uint64_t slice_size = 1u << 20;  // pull with slices
  int instance = -1;                    // restart: -1 all
  nlohmann::json rules;                 // faults: rule list as in a scenario's faults step
  std::size_t line = 0;                 // where it was read (0: made in memory)
};

struct Trace {
  std::string id;      // content identity: layer bytes derive from (id, token)
  std::string source;  // what made it ("import nginx access.log", "generate deploy-train", "record run")
  double scale = 1.0;  // sizes were already scaled by this factor (informational)
  std::vector<TraceEvent> events;  // setup events first, then by time (stable)
  nlohmann::json notes = nlohmann::json::object();  // importer counts etc., kept in the header
};

std::string op_name(TraceEvent::Op op);

// Throws InputError "FILE:LINE: what" for the first bad line, after reading
// the whole file; a trace that is valid line by line must also be coherent
// (every pulled image pushed before, a token always the same size).
Trace parse_trace(std::istream& in, const std::string& file);
Trace load_trace(const std::string& path);
void validate_trace(const Trace& trace, const std::string& file);

void write_trace(std::ostream& out, const Trace& trace);
void save_trace(const std::string& path, const Trace& trace);  // throws InputError when it cannot write

// Events sorted as replay wants them: setup first in file order, then by at (stable).
void sort_events(Trace& trace);

}  // namespace stalemate::harness::workload
