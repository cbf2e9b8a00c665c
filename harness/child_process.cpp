#include "harness/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness/child_reaper.h"
#include "harness/registry_process.h"

namespace stalemate::harness {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;


std::string errno_text(int err) { return std::strerror(err); }

unsigned short pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw InfrastructureError("cannot create a socket to pick a port: " + errno_text(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const int err = errno;
    ::close(fd);
    throw InfrastructureError("cannot pick a free port on 127.0.0.1: " + errno_text(err));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::uint64_t file_size_or_zero(const fs::path& p) {
  std::error_code ec;
  const auto n = fs::file_size(p, ec);
  return ec ? 0 : n;
}

// The text appended to the log since `from`, at most the last 64 KiB.
std::string log_since(const fs::path& p, std::uint64_t from) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  const std::uint64_t size = file_size_or_zero(p);
  if (size <= from) return {};
  const std::uint64_t start = std::max<std::uint64_t>(from, size > (64u << 10) ? size - (64u << 10) : 0);
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(static_cast<std::size_t>(size - start), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

std::string last_lines(const std::string& text, std::size_t lines) {
  std::size_t pos = text.size();
  if (pos && text[pos - 1] == '\n') --pos;
  std::size_t count = 0;
  while (pos > 0) {
    const auto nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    if (++count == lines) {
      pos = nl + 1;
      break;
    }
    pos = nl;
  }
  return text.substr(pos);
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

// Reaps pid, retrying on EINTR. Returns the status, or -1 if it was already reaped.
int wait_blocking(pid_t pid) {
  int status = 0;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, 0);
    if (r == pid) return status;
    if (r < 0 && errno == EINTR) continue;
    return -1;
  }
}

// fork + exec with a clean environment; the child dies with us (PDEATHSIG).
// Everything the child touches is prepared before fork(): between fork and
// exec only async-signal-safe calls are made.
pid_t spawn_child(const std::vector<std::string>& command, const fs::path& log, const fs::path& work_dir) {
  std::vector<std::string> args = command;
  const std::string& binary = args.front();
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + work_dir.string()};
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string dir = work_dir.string();

  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw InfrastructureError("cannot open log " + log.string() + ": " + errno_text(errno));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_pipe[2];
  if (null_fd < 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(log_fd);
    if (null_fd >= 0) ::close(null_fd);
    throw InfrastructureError("cannot prepare a child process: " + errno_text(err));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    int err = 0;
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) ::sigaction(sig, &dfl, nullptr);
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) err = errno;
    if (!err && ::chdir(dir.c_str()) != 0) err = errno;
    if (!err) {
      // Keep only stdio and the exec-status pipe (which closes on exec).
      const int keep = exec_pipe[1];
      if (keep > 3) ::close_range(3, static_cast<unsigned>(keep - 1), 0);
      ::close_range(static_cast<unsigned>(keep + 1), ~0u, 0);
      ::execve(argv[0], argv.data(), envp.data());
      err = errno;
    }
    ssize_t ignored = ::write(exec_pipe[1], &err, sizeof err);
    (void)ignored;
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(exec_pipe[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(exec_pipe[0]);
    throw InfrastructureError("fork failed: " + errno_text(fork_errno));
  }
  register_child(pid);
  // EOF on the pipe: exec succeeded. An int: exec (or setup) failed.
  int child_err = 0;
  ssize_t n;
  do {
    n = ::read(exec_pipe[0], &child_err, sizeof child_err);
  } while (n < 0 && errno == EINTR);
  ::close(exec_pipe[0]);
  if (n > 0) {
    wait_blocking(pid);
    unregister_child(pid);
    throw InfrastructureError("cannot execute " + binary + ": " + errno_text(child_err));
  }
  return pid;
}

void stop_child(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      unregister_child(pid);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, bounded by the deadline
  }
  ::kill(pid, SIGKILL);
  wait_blocking(pid);
  unregister_child(pid);
}

}  // namespace stalemate::harness
