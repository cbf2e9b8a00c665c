#include "harness/front/tmpfs_mount.h"

#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "harness/child_process.h"
#include "harness/child_reaper.h"
#include "harness/registry_process.h"

namespace stalemate::harness::front {

namespace fs = std::filesystem;

namespace {

// Mounts still up, readable from a signal handler: fixed slots, no allocation.
constexpr int kSlots = 32;
constexpr std::size_t kPathMax = 1024;
char g_paths[kSlots][kPathMax];
std::atomic<bool> g_used[kSlots];
std::mutex g_table_mutex;

void emergency_unmount_all() {
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i].exchange(false)) ::umount2(g_paths[i], MNT_DETACH);
  }
}

int claim_slot(const std::string& path) {
  if (path.size() >= kPathMax) return -2;
  std::lock_guard<std::mutex> lock(g_table_mutex);
  static bool hooks = false;
  if (!hooks) {
    hooks = true;
    std::atexit(emergency_unmount_all);
    add_die_cleanup(emergency_unmount_all);  // the reaper's Ctrl-C path, after the children are dead
  }
  for (int i = 0; i < kSlots; ++i) {
    if (!g_used[i].load()) {
      std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
      g_used[i].store(true);
      return i;
    }
  }
  return -1;
}

}  // namespace

int TmpfsMount::system_mount(const fs::path& target, const std::string& options) {
  if (::mount("tmpfs", target.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0) return 0;
  return errno;
}

namespace {
struct MountRow {
  std::string point, type;
};

// Every mount of this mount namespace (from /proc/self/mountinfo:
// "id parent major:minor root mount-point options ... - type source ...").
std::vector<MountRow> mount_table() {
  std::vector<MountRow> rows;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::size_t pos = 0;
    for (int field = 0; field < 4 && pos != std::string::npos; ++field) pos = line.find(' ', pos + 1);
    if (pos == std::string::npos) continue;
    const auto end = line.find(' ', pos + 1);
    MountRow row{line.substr(pos + 1, end - pos - 1), {}};
    if (const auto dash = line.find(" - "); dash != std::string::npos)
      row.type = line.substr(dash + 3, line.find(' ', dash + 3) - dash - 3);
    rows.push_back(std::move(row));
  }
  return rows;
}
}  // namespace

bool is_mount_point(const fs::path& path) {
  std::error_code ec;
  const fs::path want = fs::weakly_canonical(path, ec);
  for (const auto& row : mount_table())
    if (row.point == want.string()) return true;
  return false;
}

std::size_t unmount_tmpfs_under(const fs::path& dir) {
  std::error_code ec;
  const std::string prefix = fs::weakly_canonical(dir, ec).string() + "/";
  std::size_t n = 0;
  for (const auto& row : mount_table())
    if (row.type == "tmpfs" && row.point.starts_with(prefix) && ::umount2(row.point.c_str(), MNT_DETACH) == 0) ++n;
  return n;
}

TmpfsMount::TmpfsMount(fs::path target, std::uint64_t bytes, MountCall mount)
    : target_(fs::absolute(std::move(target))), bytes_(bytes) {
  if (bytes_ < (64u << 10))
    throw std::invalid_argument("tmpfs at " + target_.string() + ": size " + std::to_string(bytes_) +
                                " is below 64 KiB (size=0 would mean unlimited)");
  std::error_code ec;
  fs::create_directories(target_, ec);
  if (ec) throw InfrastructureError("cannot create mount point " + target_.string() + ": " + ec.message());
  if (is_mount_point(target_))
    throw InfrastructureError(target_.string() + " is already a mount point (a previous run's tmpfs? umount it)");
  const std::string options = "size=" + std::to_string(bytes_) + ",mode=0755";
  const int err = mount(target_, options);
  if (err != 0) {
    std::string why = errno_text(err);
    if (err == EPERM || err == EACCES)
      why += "; stalemate mounts the front's filesystems itself and needs root (CAP_SYS_ADMIN) for it, and "
             "will not run the front on an unlimited disk instead";
    throw InfrastructureError("cannot mount a tmpfs of " + std::to_string(bytes_) + " bytes at " + target_.string() +
                              " (mount -t tmpfs -o " + options + "): " + why);
  }
  slot_ = claim_slot(target_.string());
  if (slot_ < 0) {
    ::umount2(target_.c_str(), MNT_DETACH);
    slot_ = -1;
    throw InfrastructureError("too many tmpfs mounts at once (or path too long): " + target_.string());
  }
}

TmpfsMount::~TmpfsMount() { unmount(); }

void TmpfsMount::unmount() {
  if (slot_ < 0) return;
  // Whoever clears the slot unmounts (the signal path may have done it).
  if (g_used[slot_].exchange(false)) {
    if (::umount2(target_.c_str(), 0) != 0 && errno == EBUSY) ::umount2(target_.c_str(), MNT_DETACH);
  }
  slot_ = -1;
}

}  // namespace stalemate::harness::front
