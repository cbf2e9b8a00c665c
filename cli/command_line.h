// The arguments of one CLI command, parsed against the options it accepts:
// every command rejects options it does not know and arguments it does not
// take, and answers --help with its own usage (cli/commands.h).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace stalemate::cli {

struct CommandLine {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // "--out" -> "DIR" (the last one given wins)
  std::set<std::string> flags;                // "--control"

  std::optional<std::string> value(const std::string& option) const;
  // The value of the first of several spellings given ("-o" or "--out").
  std::optional<std::string> value(std::initializer_list<const char*> spellings) const;
  bool flag(const std::string& option) const { return flags.count(option) > 0; }
};

// Throws InputError naming the command and the unknown option, or the option
// that lacks its value.
CommandLine parse_command_line(const std::string& command, const std::vector<std::string>& args,
                               std::initializer_list<const char*> valued, std::initializer_list<const char*> flags);

// Positional arguments: exactly `n`, or between `lo` and `hi`; else InputError with `what`.
void expect_positional(const CommandLine& line, std::size_t lo, std::size_t hi, const std::string& what);

// A decimal integer in [lo, hi] given to `option`; InputError otherwise.
std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t lo, std::uint64_t hi);

// --help or -h anywhere among the arguments.
bool wants_help(const std::vector<std::string>& args);

}  // namespace stalemate::cli
