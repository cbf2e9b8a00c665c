// The one thread every child process is forked from. Linux sends a child's
// PR_SET_PDEATHSIG when the *thread* that forked it ends, not the process: a
// registry restarted by a parallel branch's thread would be SIGKILLed as soon
// as that branch ended. Forking on a thread that lives as long as the process
// keeps "the child dies with us" meaning the process.
#pragma once

#include <functional>

#include <sys/types.h>

namespace stalemate::harness {

// Runs `fork_exec` on the spawn thread and returns its result; its exception,
// if any, is rethrown here.
pid_t on_spawn_thread(const std::function<pid_t()>& fork_exec);

}  // namespace stalemate::harness
