#include "harness/spawn_thread.h"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace stalemate::harness {

namespace {

class SpawnThread {
 public:
  static SpawnThread& instance() {
    // Never destroyed: the thread must outlive every child, i.e. the process.
    static SpawnThread* const spawner = new SpawnThread();
    return *spawner;
  }

  pid_t run(const std::function<pid_t()>& fork_exec) {
    std::packaged_task<pid_t()> task(fork_exec);
    auto result = task.get_future();
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
    return result.get();
  }

 private:
  SpawnThread() { std::thread([this] { loop(); }).detach(); }

  void loop() {
    for (;;) {
      std::packaged_task<pid_t()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return !tasks_.empty(); });
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<pid_t()>> tasks_;
};

}  // namespace

pid_t on_spawn_thread(const std::function<pid_t()>& fork_exec) { return SpawnThread::instance().run(fork_exec); }

}  // namespace stalemate::harness
