#include "sim/server/background_digests.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace stalemate::sim {

namespace {

// A few process-wide workers shared by every server and body: each body's
// stretches are hashed in order by one worker at a time (a job is queued at
// most once), different bodies in parallel.
class DigestWorkers {
 public:
  static DigestWorkers& instance() {
    static DigestWorkers workers;
    return workers;
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
  }

 private:
  DigestWorkers() {
    const unsigned n = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
    for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  ~DigestWorkers() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  void work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stopping, nothing left
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

struct BackgroundDigests::Job {
  std::optional<StreamingDigest> md5, sha256;
  std::mutex mutex;
  std::condition_variable idle;
  std::vector<std::pair<const char*, std::size_t>> pending;
  bool scheduled = false;  // a worker owns the job until it finds pending empty

  void drain() {
    std::vector<std::pair<const char*, std::size_t>> batch;
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (pending.empty()) {
          scheduled = false;
          idle.notify_all();
          return;
        }
        batch.swap(pending);
      }
      for (const auto& [p, n] : batch) {
        if (md5) md5->update(p, n);
        if (sha256) sha256->update(p, n);
      }
      batch.clear();
    }
  }

  void wait_idle() {
    std::unique_lock lock(mutex);
    idle.wait(lock, [this] { return !scheduled; });
  }
};

BackgroundDigests::BackgroundDigests(std::optional<StreamingDigest> md5, std::optional<StreamingDigest> sha256)
    : job_(std::make_shared<Job>()) {
  job_->md5 = std::move(md5);
  job_->sha256 = std::move(sha256);
}

void BackgroundDigests::wait() { job_->wait_idle(); }

BackgroundDigests::~BackgroundDigests() {
  if (job_) job_->wait_idle();
}

void BackgroundDigests::feed(const char* data, std::size_t n) {
  if (n == 0) return;
  bool schedule = false;
  {
    std::lock_guard lock(job_->mutex);
    job_->pending.emplace_back(data, n);
    schedule = !job_->scheduled;
    job_->scheduled = true;
  }
  if (schedule) DigestWorkers::instance().post([job = job_] { job->drain(); });
}

BackgroundDigests::Hex BackgroundDigests::finish() {
  job_->wait_idle();
  Hex hex;
  if (job_->md5) hex.md5 = job_->md5->hex_final();
  if (job_->sha256) hex.sha256 = job_->sha256->hex_final();
  return hex;
}

}  // namespace stalemate::sim
