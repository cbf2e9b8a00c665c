// Every child process stalemate starts is registered here, so that SIGINT,
// SIGTERM or an exit path that skipped a destructor still kills and reaps it.
// Children are also started with PR_SET_PDEATHSIG, so they die with us even
// on SIGKILL.
#pragma once

#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace stalemate::harness {

enum class OnInterrupt {
  Die,    // kill and reap every child, then die of the same signal (serve, suite, tests)
  Abort,  // kill every child and remember the signal, so that the run can stop
          // at its next check and write a partial report; a second signal dies
};

// Installs the SIGINT/SIGTERM handlers (idempotent). On a signal: SIGKILL
// every registered child (and its process group). Without a mode, the mode set
// before stays (Die by default).
void install_child_reaper();
void install_child_reaper(OnInterrupt mode);
void register_child(pid_t pid);
void unregister_child(pid_t pid);
// A cleanup the reaper runs when it is about to die of a signal, after the
// children are dead (the front's tmpfs unmounts). Must be async-signal-safe.
// At most 8; extra ones are ignored.
void add_die_cleanup(void (*cleanup)());
// The signal received in Abort mode, or 0.
int interrupt_signal();

// Thrown where a run notices interrupt_signal(): the run stops, writes what it
// has, and stalemate exits 128 + signal.
struct Interrupted : std::runtime_error {
  explicit Interrupted(int sig, const std::string& detail = "");
  int signal;
};

}  // namespace stalemate::harness
