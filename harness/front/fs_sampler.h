// Samples how full each of the front's filesystems is (statvfs) every 100 ms
// on a thread of its own, keeping the peak and the whole time series, so a
// report can say how full the spool was when nginx answered 500.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace stalemate::harness::front {

struct FsUse {
  std::uint64_t used = 0;   // bytes in use
  std::uint64_t total = 0;  // the filesystem's size
};
// statvfs of path; throws std::runtime_error naming the path.
FsUse fs_use(const std::filesystem::path& path);

class FsSampler {
 public:
  struct Target {
    std::string name;  // "spool", "temp", "cache"
    std::filesystem::path path;
  };
  struct Sample {
    std::int64_t t_ms = 0;            // since start
    std::vector<std::uint64_t> used;  // one per target, in order
  };

  // Takes a first sample at once, then one per period until stop().
  explicit FsSampler(std::vector<Target> targets, std::chrono::milliseconds period = std::chrono::milliseconds(100));
  ~FsSampler();  // stop()
  FsSampler(const FsSampler&) = delete;
  FsSampler& operator=(const FsSampler&) = delete;

  // Takes a last sample and joins the thread. Idempotent.
  void stop();
  const std::vector<Target>& targets() const { return targets_; }
  std::uint64_t peak(const std::string& name) const;   // bytes; throws std::out_of_range for an unknown name
  std::uint64_t total(const std::string& name) const;  // the filesystem's size
  std::vector<Sample> samples() const;
  // Wall clock (microseconds since the epoch) of t_ms = 0, to place a request in the series.
  std::int64_t start_wall_us() const { return start_wall_us_; }
  // The fullest sample of name between two wall times (microseconds since the
  // epoch), including the last sample before from_us: how full it was while a request ran.
  std::uint64_t peak_between(const std::string& name, std::int64_t from_us, std::int64_t to_us) const;
  // {"period_ms":100,"filesystems":{"spool":{"path":…,"size":…,"peak":…}},"t_ms":[…],"used":{"spool":[…]}}
  nlohmann::json to_json() const;

 private:
  void sample_now();
  std::size_t index(const std::string& name) const;

  std::vector<Target> targets_;
  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point start_;
  std::int64_t start_wall_us_ = 0;
  std::vector<std::uint64_t> totals_, peaks_;
  std::vector<Sample> samples_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace stalemate::harness::front
