#include "harness/workload/trace.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/json_reader.h"

namespace stalemate::harness::workload {

namespace {

bool valid_repository(const std::string& name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.';
  });
}

bool valid_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 128) return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

void read_reference(const JsonReader& r, TraceImage& image) {
  image.repository = r.at("repository").as_string();
  if (!valid_repository(image.repository))
    r.at("repository").fail("repository names use lowercase letters, digits and . _ - /");
  image.tag = r.get_string("tag", "latest");
  if (!valid_tag(image.tag)) r.at("tag").fail("a tag is 1 to 128 of [A-Za-z0-9_.-]");
}

TraceImage read_image(const JsonReader& r) {
  r.expect_object({"repository", "tag", "format", "layers", "config"});
  TraceImage image;
  read_reference(r, image);
  image.format = r.has("format") ? r.at("format").as_enum({"docker", "oci"}) : "docker";
  image.config = r.get_string("config", "");
  const auto layers = r.at("layers");
  if (layers.size() == 0) layers.fail("an image needs at least one layer");
  if (layers.size() > 1000) layers.fail("at most 1000 layers");
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto l = layers.at(i);
    l.expect_object({"token", "size"});
    TraceLayer layer{l.at("token").as_string(), l.at("size").as_size()};
    if (layer.token.empty()) l.at("token").fail("must not be empty");
    if (layer.size == 0) l.at("size").fail("layers must not be empty");
    if (layer.size > (64ull << 30)) l.at("size").fail("at most 64GiB per layer");
    image.layers.push_back(std::move(layer));
  }
  return image;
}

TraceEvent read_event(const JsonReader& r) {
  TraceEvent e;
  const std::string op = r.at("op").as_enum({"push", "pull", "delete", "restart", "faults"});
  e.setup = r.get_bool("setup", false);
  if (r.has("at") && r.has("at_us")) r.fail("give \"at\" or \"at_us\", not both");
  if (r.has("at_us")) {
    const auto us = r.at("at_us").as_uint();
    if (us > static_cast<std::uint64_t>(kMaxDurationUs)) r.at("at_us").fail("at most one year");
    e.at_us = static_cast<std::int64_t>(us);
  } else if (r.has("at")) {
    e.at_us = r.at("at").as_duration_us();
  } else if (!e.setup) {
    r.fail("a timed event needs \"at\" (a duration from the start) or \"at_us\"");
  }
  e.client = r.at("client").as_string();
  if (e.client.empty() || e.client.size() > 200) r.at("client").fail("a client name is 1 to 200 characters");
  if (op == "push") {
    r.expect_object({"op", "at", "at_us", "setup", "client", "profile", "image"});
    e.op = TraceEvent::Op::Push;
    e.profile = r.has("profile") ? r.at("profile").as_enum({"single", "dockerd", "buildkit", "skopeo"}) : "single";
    e.image = read_image(r.at("image"));
  } else if (op == "pull") {
    r.expect_object({"op", "at", "at_us", "setup", "client", "profile", "mode", "repository", "tag", "by", "slice_size"});
    e.op = TraceEvent::Op::Pull;
    e.profile = r.has("profile") ? r.at("profile").as_enum({"plain", "docker", "containerd", "slices", "skopeo"}) : "plain";
    // "mode" says how the bytes come: whole (plain, skopeo), sliced (slices), resumed (docker, containerd).
    if (r.has("mode")) {
      const auto mode = r.at("mode").as_enum({"whole", "sliced", "resumed"});
      const auto& p = e.profile;
      const bool fits = mode == "whole" ? (p == "plain" || p == "skopeo")
                                        : mode == "sliced" ? p == "slices" : (p == "docker" || p == "containerd");
      if (!r.has("profile"))
        e.profile = mode == "whole" ? "plain" : mode == "sliced" ? "slices" : "containerd";
      else if (!fits)
        r.at("mode").fail("profile \"" + p + "\" does not pull " + mode + " (whole: plain, skopeo; sliced: slices; resumed: docker, containerd)");
    }
    read_reference(r, e.image);
    e.by_digest = r.has("by") && r.at("by").as_enum({"tag", "digest"}) == "digest";
    e.slice_size = r.get_size("slice_size", e.slice_size);
    if (e.slice_size == 0 || e.slice_size > (5ull << 30)) r.at("slice_size").fail("1 byte to 5GiB");
  } else if (op == "delete") {
    r.expect_object({"op", "at", "at_us", "setup", "client", "repository", "tag"});
    e.op = TraceEvent::Op::Delete;
    read_reference(r, e.image);
  } else if (op == "restart") {
    r.expect_object({"op", "at", "at_us", "setup", "client", "instance"});
    e.op = TraceEvent::Op::Restart;
    if (r.has("instance") && !(r.at("instance").value().is_string() && r.at("instance").as_string() == "all")) {
      const auto i = r.at("instance").as_uint();
      if (i > 3) r.at("instance").fail("registry instances are numbered 0 to 3 (or \"all\")");
      e.instance = static_cast<int>(i);
    }
  } else {
    r.expect_object({"op", "at", "at_us", "setup", "client", "rules"});
    e.op = TraceEvent::Op::Faults;
    e.rules = r.at("rules").value();
    if (!e.rules.is_array()) r.at("rules").fail("expected a list of fault rules");
  }
  return e;
}

std::string where(const std::string& file, std::size_t line) { return file + ":" + std::to_string(line); }

}  // namespace

std::string op_name(TraceEvent::Op op) {
  switch (op) {
    case TraceEvent::Op::Push: return "push";
    case TraceEvent::Op::Pull: return "pull";
    case TraceEvent::Op::Delete: return "delete";
    case TraceEvent::Op::Restart: return "restart";
    case TraceEvent::Op::Faults: return "faults";
  }
  return "?";
}

void sort_events(Trace& trace) {
  std::stable_sort(trace.events.begin(), trace.events.end(), [](const TraceEvent& a, const TraceEvent& b) {
    if (a.setup != b.setup) return a.setup;
    if (a.setup) return false;
    return a.at_us < b.at_us;
  });
}

Trace parse_trace(std::istream& in, const std::string& file) {
  Trace trace;
  std::string text;
  std::size_t line = 0;
  bool header = false;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are allowed
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(where(file, line) + ": not JSON (" + e.what() + ")");
    }
    const JsonReader r(j, where(file, line));
    if (!j.is_object()) r.fail("each line is one JSON object");
    if (!header) {
      r.expect_object({"stalemate_trace", "id", "source", "scale", "notes"});
      if (r.at("stalemate_trace").as_uint() != kTraceVersion)
        r.at("stalemate_trace").fail("this stalemate reads trace version " + std::to_string(kTraceVersion));
      trace.source = r.get_string("source", "");
      trace.id = r.get_string("id", trace.source);
      trace.scale = r.has("scale") ? r.at("scale").as_number() : 1.0;
      if (!(trace.scale > 0)) r.at("scale").fail("must be > 0");
      if (r.has("notes")) trace.notes = r.at("notes").value();
      header = true;
      continue;
    }
    if (trace.events.size() >= kMaxTraceEvents)
      r.fail("at most " + std::to_string(kMaxTraceEvents) + " events in one trace");
    auto e = read_event(r);
    e.line = line;
    trace.events.push_back(std::move(e));
  }
  if (!header)
    throw InputError(file + ": empty: a trace starts with a header line {\"stalemate_trace\": 1, ...}");
  validate_trace(trace, file);
  sort_events(trace);
  return trace;
}

void validate_trace(const Trace& trace, const std::string& file) {
  if (trace.events.empty()) throw InputError(file + ": the trace has no events");
  Trace sorted = trace;
  sort_events(sorted);
  std::map<std::string, std::uint64_t> token_size;
  std::set<std::string> pushed;
  for (const auto& e : sorted.events) {
    const std::string at = e.line ? where(file, e.line) : file + ": event " + op_name(e.op) + " of " + e.client;
    if (e.op == TraceEvent::Op::Push) {
      for (const auto& l : e.image.layers) {
        const auto [it, fresh] = token_size.emplace(l.token, l.size);
        if (!fresh && it->second != l.size)
          throw InputError(at + ": layer token \"" + l.token + "\" has size " + std::to_string(l.size) +
                           " here and " + std::to_string(it->second) + " before (a token is one blob)");
      }
      pushed.insert(e.image.repository + ":" + e.image.tag);
    } else if (e.op == TraceEvent::Op::Pull || e.op == TraceEvent::Op::Delete) {
      const auto ref = e.image.repository + ":" + e.image.tag;
      if (!pushed.count(ref))
        throw InputError(at + ": " + op_name(e.op) + " of " + ref +
                         ", which no earlier event pushes (add a push, with \"setup\": true if it predates the trace)");
    }
  }
  return;
}

void write_trace(std::ostream& out, const Trace& trace) {
  nlohmann::json header = {{"stalemate_trace", kTraceVersion}, {"id", trace.id}, {"source", trace.source},
                           {"scale", trace.scale}};
  if (!trace.notes.empty()) header["notes"] = trace.notes;
  out << header.dump() << "\n";
  for (const auto& e : trace.events) {
    nlohmann::json j = {{"op", op_name(e.op)}, {"client", e.client}};
    if (e.setup)
      j["setup"] = true;
    else
      j["at_us"] = e.at_us;
    switch (e.op) {
      case TraceEvent::Op::Push: {
        nlohmann::json layers = nlohmann::json::array();
        for (const auto& l : e.image.layers) layers.push_back({{"token", l.token}, {"size", l.size}});
        j["profile"] = e.profile;
        j["image"] = {{"repository", e.image.repository}, {"tag", e.image.tag}, {"format", e.image.format},
                      {"layers", std::move(layers)}};
        if (!e.image.config.empty()) j["image"]["config"] = e.image.config;
        break;
      }
      case TraceEvent::Op::Pull:
        j["profile"] = e.profile;
        j["repository"] = e.image.repository;
        j["tag"] = e.image.tag;
        j["by"] = e.by_digest ? "digest" : "tag";
        if (e.profile == "slices") j["slice_size"] = e.slice_size;
        break;
      case TraceEvent::Op::Delete:
        j["repository"] = e.image.repository;
        j["tag"] = e.image.tag;
        break;
      case TraceEvent::Op::Restart:
        if (e.instance >= 0)
          j["instance"] = e.instance;
        else
          j["instance"] = "all";
        break;
      case TraceEvent::Op::Faults: j["rules"] = e.rules; break;
    }
    out << j.dump() << "\n";
  }
}

Trace load_trace(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the trace");
  return parse_trace(in, path);
}

void save_trace(const std::string& path, const Trace& trace) {
  std::ofstream out(path);
  if (!out) throw InputError(path + ": cannot write the trace");
  write_trace(out, trace);
  if (!out) throw InputError(path + ": write failed");
}

}  // namespace stalemate::harness::workload
