#include "harness/child_reaper.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <mutex>
#include <string>
#include <sys/wait.h>

namespace stalemate::harness {

namespace {

// Fixed-size table so the signal handler needs no allocation or lock: a slot
// holds a registered pid or 0. std::atomic<pid_t> is lock-free (checked below)
// and therefore async-signal-safe.
constexpr int kSlots = 512;
std::atomic<pid_t> g_children[kSlots];
std::mutex g_install_mutex;
std::atomic<int> g_mode{static_cast<int>(OnInterrupt::Die)};
std::atomic<int> g_interrupt{0};
constexpr int kCleanups = 8;
std::atomic<void (*)()> g_cleanups[kCleanups];
static_assert(std::atomic<pid_t>::is_always_lock_free, "pid table must be lock-free for the signal handler");

void stalemate_reaper_handler(int sig) {
  const int saved_errno = errno;
  for (auto& slot : g_children) {
    const pid_t pid = slot.load(std::memory_order_relaxed);
    if (pid > 0) {
      ::kill(-pid, SIGKILL);  // its process group (a script's children)
      ::kill(pid, SIGKILL);
    }
  }
  // Abort mode, first signal: the children are dead; the run reaps them,
  // notices the flag at its next check and writes its partial report.
  int none = 0;
  if (g_mode.load() == static_cast<int>(OnInterrupt::Abort) && g_interrupt.compare_exchange_strong(none, sig)) {
    errno = saved_errno;
    return;
  }
  for (auto& slot : g_children) {
    const pid_t pid = slot.exchange(0, std::memory_order_relaxed);
    if (pid > 0) {
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  for (auto& cleanup : g_cleanups) {
    if (auto fn = cleanup.load()) fn();
  }
  // Die of the same signal, as if we had not caught it.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  ::sigaction(sig, &dfl, nullptr);
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, sig);
  ::sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
  ::raise(sig);
  errno = saved_errno;
}

}  // namespace

void install_child_reaper(OnInterrupt mode) {
  g_mode.store(static_cast<int>(mode));
  install_child_reaper();
}

void install_child_reaper() {
  // Idempotent, but re-installs if someone (a test framework, say) replaced
  // the handlers since.
  std::lock_guard<std::mutex> lock(g_install_mutex);
  struct sigaction current {};
  ::sigaction(SIGINT, nullptr, &current);
  const bool int_ok = current.sa_handler == stalemate_reaper_handler;
  ::sigaction(SIGTERM, nullptr, &current);
  if (int_ok && current.sa_handler == stalemate_reaper_handler) return;
  struct sigaction sa {};
  sa.sa_handler = stalemate_reaper_handler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

void add_die_cleanup(void (*cleanup)()) {
  for (auto& slot : g_cleanups) {
    void (*empty)() = nullptr;
    if (slot.compare_exchange_strong(empty, cleanup)) return;
  }
}

int interrupt_signal() { return g_interrupt.load(); }

Interrupted::Interrupted(int sig, const std::string& detail)
    : std::runtime_error(std::string("interrupted by ") +
                         (sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "signal " + std::to_string(sig)) +
                         (detail.empty() ? "" : "; " + detail)),
      signal(sig) {}

void register_child(pid_t pid) {
  if (pid <= 0) return;
  for (auto& slot : g_children) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
  // Table full: the child still dies with us through PR_SET_PDEATHSIG.
}

void unregister_child(pid_t pid) {
  if (pid <= 0) return;
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

}  // namespace stalemate::harness
