#include "harness/child_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "harness/child_reaper.h"
#include "harness/registry_process.h"
#include "harness/spawn_thread.h"

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
  if (status < 0) return "ended (reaped elsewhere)";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return "was killed by signal " + std::to_string(WTERMSIG(status)) + (name ? std::string(" (SIG") + name + ")" : "");
  }
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

namespace {

// fork + exec with a clean environment; the child dies with us (PDEATHSIG)
// and leads a process group of its own, so that a script's children go with
// it. Everything the child touches is prepared before fork(): between fork
// and exec only async-signal-safe calls are made. out_fd becomes stdout and
// stderr.
pid_t spawn_here(const std::vector<std::string>& command, int out_fd, const fs::path& work_dir) {
  std::vector<std::string> args = command;
  const std::string& binary = args.front();
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                  "HOME=" + (work_dir.empty() ? std::string("/") : work_dir.string())};
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string dir = work_dir.string();

  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  int exec_pipe[2];
  if (null_fd < 0 || ::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    if (null_fd >= 0) ::close(null_fd);
    throw InfrastructureError("cannot prepare a child process: " + errno_text(err));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    int err = 0;
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT}) ::sigaction(sig, &dfl, nullptr);
    if (::dup2(null_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(out_fd, 2) < 0) err = errno;
    if (!err && !dir.empty() && ::chdir(dir.c_str()) != 0) err = errno;
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
  ::close(null_fd);
  if (pid < 0) {
    ::close(exec_pipe[0]);
    throw InfrastructureError("fork failed: " + errno_text(fork_errno));
  }
  ::setpgid(pid, pid);  // also from here, so the group exists before we may signal it
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

// Forked on the spawn thread, so that PDEATHSIG follows the process, not the
// (perhaps short-lived) thread that asked (harness/spawn_thread.h).
pid_t spawn_with_output(const std::vector<std::string>& command, int out_fd, const fs::path& work_dir) {
  return on_spawn_thread([&] { return spawn_here(command, out_fd, work_dir); });
}

// The child and whatever it started in its group.
void signal_group(pid_t pid, int sig) {
  if (::kill(-pid, sig) != 0) ::kill(pid, sig);
}

}  // namespace

pid_t spawn_child(const std::vector<std::string>& command, const fs::path& log, const fs::path& work_dir) {
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw InfrastructureError("cannot open log " + log.string() + ": " + errno_text(errno));
  try {
    const pid_t pid = spawn_with_output(command, log_fd, work_dir);
    ::close(log_fd);
    return pid;
  } catch (...) {
    ::close(log_fd);
    throw;
  }
}

void stop_child(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  signal_group(pid, SIGTERM);
  const auto deadline = Clock::now() + grace;
  while (Clock::now() < deadline) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      ::kill(-pid, SIGKILL);  // stragglers of its group
      unregister_child(pid);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll interval, bounded by the deadline
  }
  signal_group(pid, SIGKILL);
  wait_blocking(pid);
  unregister_child(pid);
}

bool BoundedRun::ok() const { return !timed_out && wait_status >= 0 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0; }

BoundedRun run_bounded(const std::vector<std::string>& command, std::chrono::milliseconds timeout) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw InfrastructureError("cannot create a pipe: " + errno_text(errno));
  pid_t pid = -1;
  try {
    pid = spawn_with_output(command, out[1], {});
  } catch (...) {
    ::close(out[0]);
    ::close(out[1]);
    throw;
  }
  ::close(out[1]);
  BoundedRun run;
  const auto deadline = Clock::now() + timeout;
  bool eof = false;
  while (!eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) break;
    pollfd p{out[0], POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 100)));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n > 0 && run.output.size() < (64u << 10)) run.output.append(buf, static_cast<std::size_t>(n));
    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) eof = true;
  }
  ::close(out[0]);
  // Output closed (or the deadline passed): the exit follows at once, or never.
  while (true) {
    int status = 0;
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      run.wait_status = status;
      ::kill(-pid, SIGKILL);  // anything it left behind in its group
      unregister_child(pid);
      return run;
    }
    if (r < 0 && errno != EINTR) break;
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval, bounded by the deadline
  }
  run.timed_out = true;
  signal_group(pid, SIGKILL);
  wait_blocking(pid);
  unregister_child(pid);
  return run;
}

std::string seconds_text(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

std::string ProcessDeath::describe_short() const { return name + " (pid " + std::to_string(pid) + ") " + how(); }

std::string ProcessDeath::describe() const {
  return describe_short() + "; last log lines (" + log.string() + "):\n" + log_tail;
}

ManagedProcess::ManagedProcess(std::string name, fs::path work_dir, fs::path log,
                               std::chrono::milliseconds start_timeout)
    : work_dir_(std::move(work_dir)), start_timeout_(start_timeout), name_(std::move(name)), log_(std::move(log)) {
  install_child_reaper();
}

ManagedProcess::~ManagedProcess() {
  try {
    stop();
  } catch (...) {
  }
}

void ManagedProcess::start() {
  stop();
  death_.reset();
  if (!start_once(true) && !start_once(false))
    throw InfrastructureError(label() + " could not start");  // not reached: start_once(false) throws
}

void ManagedProcess::restart() {
  stop();
  start();
}

// One attempt: true when ready; false when it ended and may be retried;
// throws otherwise.
bool ManagedProcess::start_once(bool may_retry) {
  const auto cmd = command();
  const std::uint64_t log_start = file_size_or_zero(log_);
  pid_ = spawn_child(cmd, log_, work_dir_);
  const auto deadline = Clock::now() + start_timeout_;
  std::string last;
  while (true) {
    // First: on Ctrl-C the reaper has already killed the child.
    if (const int sig = interrupt_signal()) {
      kill();
      throw Interrupted(sig);
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      reap(pid_, status, true);
      const std::string log = log_since(log_, log_start);
      if (may_retry && retry_after_exit(log)) return false;
      throw InfrastructureError(label() + " " + describe_status(status) + " before it would " + ready_condition() +
                                "; last log lines (" + log_.string() + "):\n" + last_lines(log, 20));
    }
    if (ready(last)) return true;
    if (Clock::now() >= deadline) {
      kill();
      throw InfrastructureError(label() + " did not " + ready_condition() + " within " +
                                seconds_text(start_timeout_) + " (last: " + last +
                                "); last log lines (" + log_.string() + "):\n" +
                                last_lines(log_since(log_, log_start), 20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // poll interval, bounded by the deadline
  }
}

void ManagedProcess::reap(pid_t pid, int status, bool expected) {
  ::kill(-pid, SIGKILL);  // stragglers of its group
  unregister_child(pid);
  pid_ = -1;
  if (!expected)
    death_ = ProcessDeath{name_, pid, status, log_, last_lines(log_since(log_, 0), 20)};
}

void ManagedProcess::stop() {
  if (pid_ <= 0) return;
  stop_child(pid_, std::chrono::seconds(5));
  pid_ = -1;
}

void ManagedProcess::kill() {
  if (pid_ <= 0) return;
  signal_group(pid_, SIGKILL);
  wait_blocking(pid_);
  unregister_child(pid_);
  pid_ = -1;
}

bool ManagedProcess::alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  // ECHILD: reaped elsewhere (the reaper's handler); how it ended is unknown.
  reap(pid_, r == pid_ ? status : -1, false);
  return false;
}

}  // namespace stalemate::harness
