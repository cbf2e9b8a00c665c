#include "cli/command_line.h"

#include "common/json_reader.h"

namespace stalemate::cli {

std::optional<std::string> CommandLine::value(const std::string& option) const {
  const auto it = values.find(option);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> CommandLine::value(std::initializer_list<const char*> spellings) const {
  for (const char* s : spellings)
    if (auto v = value(s)) return v;
  return std::nullopt;
}

CommandLine parse_command_line(const std::string& command, const std::vector<std::string>& args,
                               std::initializer_list<const char*> valued, std::initializer_list<const char*> flags) {
  CommandLine line;
  auto is_one_of = [](const std::string& a, std::initializer_list<const char*> names) {
    for (const char* n : names)
      if (a == n) return true;
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (is_one_of(a, valued)) {
      if (i + 1 >= args.size()) throw InputError(command + ": option " + a + " needs a value");
      line.values[a] = args[++i];
    } else if (is_one_of(a, flags)) {
      line.flags.insert(a);
    } else if (a.size() > 1 && a[0] == '-') {
      throw InputError(command + ": unknown option " + a + " (stalemate " + command + " --help lists its options)");
    } else {
      line.positional.push_back(a);
    }
  }
  return line;
}

void expect_positional(const CommandLine& line, std::size_t lo, std::size_t hi, const std::string& what) {
  const auto n = line.positional.size();
  if (n < lo || n > hi) {
    std::string extra;
    if (n > hi) extra = " (unexpected \"" + line.positional[hi] + "\")";
    throw InputError(what + extra);
  }
}

std::uint64_t parse_count(const std::string& option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t n = 0;
  std::size_t pos = 0;
  try {
    n = std::stoull(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != text.size() || text.empty() || text[0] == '-' || n < lo || n > hi)
    throw InputError(option + ": expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                     ", got \"" + text + "\"");
  return n;
}

bool wants_help(const std::vector<std::string>& args) {
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return true;
  return false;
}

}  // namespace stalemate::cli
