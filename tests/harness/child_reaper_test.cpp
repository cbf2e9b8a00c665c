#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "harness/child_reaper.h"

using namespace stalemate::harness;

TEST_CASE("SIGTERM kills and reaps registered children, then kills us with SIGTERM", "[harness][reaper]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The "stalemate" process: registers a long-running grandchild, then waits.
    ::close(fds[0]);
    install_child_reaper();
    const pid_t grandchild = ::fork();
    if (grandchild == 0) {
      ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    register_child(grandchild);
    const pid_t unrelated = 0;
    unregister_child(unrelated);  // harmless
    if (::write(fds[1], &grandchild, sizeof grandchild) != sizeof grandchild) ::_exit(1);
    for (;;) ::pause();
  }
  ::close(fds[1]);
  pid_t grandchild = 0;
  REQUIRE(::read(fds[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  ::close(fds[0]);
  REQUIRE(grandchild > 0);

  REQUIRE(::kill(child, SIGTERM) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  // The grandchild was killed and reaped by the handler: it no longer exists
  // (not even as a zombie re-parented to init).
  const int alive = ::kill(grandchild, 0);
  const int err = errno;
  if (alive == 0) ::kill(grandchild, SIGKILL);  // don't leak it if the test fails
  CHECK(alive == -1);
  CHECK(err == ESRCH);
}
