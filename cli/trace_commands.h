// The trace commands of the CLI: `stalemate import` and `stalemate generate`.
#pragma once

namespace stalemate::cli {

extern const char* const kTraceUsage;

// argv[1] is the command; return the exit code (InputError escapes: exit 2).
int cmd_import(int argc, char** argv);
int cmd_generate(int argc, char** argv);

}  // namespace stalemate::cli
