// Child processes of the harness (the registry, Redis): started with a clean
// environment, their output appended to a log, killed with us (PDEATHSIG),
// registered with the child reaper, and always reaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace stalemate::harness {

std::string errno_text(int err);
// A port on 127.0.0.1 that was free a moment ago.
unsigned short pick_free_port();
std::uint64_t file_size_or_zero(const std::filesystem::path& p);
// The text appended to the log since `from`, at most the last 64 KiB.
std::string log_since(const std::filesystem::path& p, std::uint64_t from);
std::string last_lines(const std::string& text, std::size_t lines);
std::string describe_status(int wait_status);
// Reaps pid, retrying on EINTR. Returns the status, or -1 if it was already reaped.
int wait_blocking(pid_t pid);
// fork + exec of command (argv[0] is the binary path) with PATH and HOME only,
// stdin from /dev/null, stdout and stderr appended to log, cwd work_dir.
// Throws InfrastructureError when it cannot be executed.
pid_t spawn_child(const std::vector<std::string>& command, const std::filesystem::path& log,
                  const std::filesystem::path& work_dir);
// SIGTERM, then SIGKILL after `grace`; reaps and unregisters.
void stop_child(pid_t pid, std::chrono::milliseconds grace);

}  // namespace stalemate::harness
