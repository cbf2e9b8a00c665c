// Writing and rendering run reports. A report is one JSON document (the
// harness builds it); this module stores it safely and renders it for people.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace stalemate::reports {

// Writes dir/name atomically (temporary file, fsync, rename) so that an
// interrupted run never leaves a half-written report. Creates dir.
std::filesystem::path write_json_file(const std::filesystem::path& dir, const std::string& name,
                                      const nlohmann::json& document);

// A one-screen text summary: scenario, verdict, counts, and for the first few
// violations the request that saw them and what it saw.
std::string render_summary(const nlohmann::json& report);

// Long hex runs (digests, segment names) cut to 8 characters, for people.
std::string shorten_hex(const std::string& text);

}  // namespace stalemate::reports
