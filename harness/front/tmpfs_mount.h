// A tmpfs of a fixed size mounted under the run's out dir, so that nginx's
// spool, temp and cache filesystems fill exactly as production's 4 GiB tmpfs
// did. Mounted with mount(2) (root or CAP_SYS_ADMIN); without that right it
// throws InfrastructureError saying so — never a silent fall back to an
// unlimited disk. Unmounted by its destructor and, for exits that skip
// destructors, by an exit handler and the child reaper's signal path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace stalemate::harness::front {

class TmpfsMount {
 public:
  // The mount call: 0 on success, else an errno. Tests pass one that fails.
  using MountCall = std::function<int(const std::filesystem::path& target, const std::string& options)>;
  static int system_mount(const std::filesystem::path& target, const std::string& options);

  // Creates target (and parents) and mounts a tmpfs of `bytes` there. Throws
  // InfrastructureError (no right to mount, target busy, …) or
  // std::invalid_argument for a size below 64 KiB (size=0 would be unlimited).
  TmpfsMount(std::filesystem::path target, std::uint64_t bytes, MountCall mount = system_mount);
  ~TmpfsMount();  // unmount()
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  const std::filesystem::path& path() const { return target_; }
  std::uint64_t size() const { return bytes_; }
  bool mounted() const { return slot_ >= 0; }
  // Unmounts (lazily if a process still holds a file there). Idempotent.
  void unmount();

 private:
  std::filesystem::path target_;
  std::uint64_t bytes_;
  int slot_ = -1;  // in the emergency-unmount table
};

// Whether path is currently a mount point (from /proc/self/mountinfo).
bool is_mount_point(const std::filesystem::path& path);

// Lazily unmounts every tmpfs mounted below dir and returns how many: the
// cleanup for a run that was SIGKILLed before its own unmount could run.
std::size_t unmount_tmpfs_under(const std::filesystem::path& dir);

}  // namespace stalemate::harness::front
