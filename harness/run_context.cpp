#include "harness/run_context.h"

#include <algorithm>
#include <iostream>
#include <thread>

namespace stalemate::harness {

void check_interrupt() {
  if (const int sig = interrupt_signal()) throw Interrupted(sig);
}

void check_children(const Lifecycle& life, RunRecord& rec, std::size_t violations_before, const std::string& during) {
  check_interrupt();
  if (const auto* death = life.first_death()) {
    rec.suspect_from = violations_before;
    throw ProcessDied(*death, during);
  }
}

void wait_watching(const Lifecycle& life, std::chrono::steady_clock::time_point deadline,
                   const std::atomic<bool>* stop) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (interrupt_signal() || !life.all_alive() || (stop && *stop)) return;
    const auto left = deadline - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(100)));
  }
}

void print_children(const Lifecycle& life) {
  for (const auto* p : life.children())
    std::cerr << "stalemate: " << p->name() << " running (pid " << p->pid() << ", log " << p->log_path().string()
              << ")" << std::endl;
}
}  // namespace stalemate::harness
