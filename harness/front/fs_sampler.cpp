#include "harness/front/fs_sampler.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace stalemate::harness::front {

FsUse fs_use(const std::filesystem::path& path) {
  struct statvfs st {};
  if (::statvfs(path.c_str(), &st) != 0)
    throw std::runtime_error("statvfs " + path.string() + ": " + std::strerror(errno));
  FsUse u;
  u.total = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
  u.used = static_cast<std::uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
  return u;
}

FsSampler::FsSampler(std::vector<Target> targets, std::chrono::milliseconds period)
    : targets_(std::move(targets)),
      period_(period),
      start_(std::chrono::steady_clock::now()),
      start_wall_us_(std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count()) {
  for (const auto& t : targets_) {
    totals_.push_back(fs_use(t.path).total);  // a bad path fails here, not on the thread
    peaks_.push_back(0);
  }
  sample_now();
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      if (wake_.wait_for(lock, period_, [this] { return stopping_; })) break;
      lock.unlock();
      sample_now();
      lock.lock();
    }
  });
}

FsSampler::~FsSampler() { stop(); }

void FsSampler::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  sample_now();
}

void FsSampler::sample_now() {
  Sample s;
  s.t_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_).count();
  for (const auto& t : targets_) {
    std::uint64_t used = 0;
    try {
      used = fs_use(t.path).used;
    } catch (const std::exception&) {
      // Unmounted under us (the run is ending): record 0 rather than stop sampling.
    }
    s.used.push_back(used);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < s.used.size(); ++i) peaks_[i] = std::max(peaks_[i], s.used[i]);
  samples_.push_back(std::move(s));
}

std::size_t FsSampler::index(const std::string& name) const {
  for (std::size_t i = 0; i < targets_.size(); ++i)
    if (targets_[i].name == name) return i;
  throw std::out_of_range("no sampled filesystem named \"" + name + "\"");
}

std::uint64_t FsSampler::peak(const std::string& name) const {
  const std::size_t i = index(name);
  std::lock_guard<std::mutex> lock(mutex_);
  return peaks_[i];
}

std::uint64_t FsSampler::total(const std::string& name) const { return totals_[index(name)]; }

std::vector<FsSampler::Sample> FsSampler::samples() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

std::uint64_t FsSampler::peak_between(const std::string& name, std::int64_t from_us, std::int64_t to_us) const {
  const std::size_t i = index(name);
  const std::int64_t from_ms = (from_us - start_wall_us_) / 1000, to_ms = (to_us - start_wall_us_) / 1000;
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t before = 0, peak = 0;
  for (const auto& s : samples_) {
    if (s.t_ms > to_ms) break;
    if (s.t_ms <= from_ms) before = s.used[i];
    else peak = std::max(peak, s.used[i]);
  }
  return std::max(before, peak);
}

nlohmann::json FsSampler::to_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json fss = nlohmann::json::object(), used = nlohmann::json::object(), t = nlohmann::json::array();
  for (std::size_t i = 0; i < targets_.size(); ++i) {
    fss[targets_[i].name] = {{"path", targets_[i].path.string()}, {"size", totals_[i]}, {"peak", peaks_[i]}};
    used[targets_[i].name] = nlohmann::json::array();
  }
  for (const auto& s : samples_) {
    t.push_back(s.t_ms);
    for (std::size_t i = 0; i < targets_.size(); ++i) used[targets_[i].name].push_back(s.used[i]);
  }
  return {{"period_ms", period_.count()}, {"filesystems", fss}, {"t_ms", t}, {"used", used}};
}

}  // namespace stalemate::harness::front
