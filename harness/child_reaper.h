// Every child process stalemate starts is registered here, so that SIGINT,
// SIGTERM or an exit path that skipped a destructor still kills and reaps it.
// Children are also started with PR_SET_PDEATHSIG, so they die with us even
// on SIGKILL.
#pragma once

#include <sys/types.h>

namespace stalemate::harness {

// Installs the SIGINT/SIGTERM handlers (idempotent). On a signal: SIGKILL
// every registered child, reap them, then die of the same signal.
void install_child_reaper();
void register_child(pid_t pid);
void unregister_child(pid_t pid);

}  // namespace stalemate::harness
