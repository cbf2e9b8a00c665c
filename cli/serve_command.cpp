// stalemate serve: the fake Swift or S3 alone, on loopback, until a signal.
#include <csignal>
#include <iostream>
#include <memory>
#include <tuple>
#include <utility>

#include "cli/command_line.h"
#include "cli/commands.h"
#include "common/json_reader.h"
#include "harness/fake_backend.h"
#include "harness/registry_process.h"

namespace stalemate::cli {

const char* const kServeUsage =
    "  stalemate serve --swift 127.0.0.1:PORT | --s3 127.0.0.1:PORT [--domain D] [--control 127.0.0.1:PORT]\n"
    "                  [--control-token TOKEN] [--body-budget SIZE]\n"
    "      serve the fake Swift (or S3) alone until SIGINT/SIGTERM, printing endpoint and credentials;\n"
    "      every listener is on loopback (127.x.x.x, localhost or ::1); the control endpoint\n"
    "      (/__stalemate/) has its own listener (a free port unless --control), guarded by TOKEN when\n"
    "      given (Authorization: Bearer TOKEN or X-Stalemate-Token); request bodies in flight beyond\n"
    "      SIZE (default a quarter of RAM) get 503 (S3: SlowDown); with --s3, --domain D also serves\n"
    "      virtual-host addressing (Host: BUCKET.D[:PORT]) beside path style\n";

namespace {

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "localhost" || address == "::1" || address == "[::1]";
}

// "ADDRESS:PORT" of a listener: a loopback address (whoever reaches the fake
// changes what the registry stores, and the control endpoint its faults).
std::pair<std::string, unsigned short> parse_listen(const std::string& option, const std::string& where) {
  const auto colon = where.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw InputError(option + ": expected ADDRESS:PORT, got \"" + where + "\"");
  const auto port = static_cast<unsigned short>(parse_count(option + " port", where.substr(colon + 1), 0, 65535));
  std::string address = where.substr(0, colon);
  if (!is_loopback(address))
    throw InputError(option + ": listens on loopback only (127.0.0.1, localhost or ::1), not \"" + address + "\"");
  if (address == "localhost") address = "127.0.0.1";
  if (address == "[::1]") address = "::1";
  return {address, port};
}

}  // namespace

int cmd_serve(const Args& args) {
  const auto line = parse_command_line("serve", args, {"--swift", "--s3", "--domain", "--control", "--control-token", "--body-budget"}, {});
  expect_positional(line, 0, 0, "serve takes options only");
  const auto swift = line.value("--swift"), s3 = line.value("--s3");
  if (!swift == !s3) throw InputError("serve needs one of --swift 127.0.0.1:PORT or --s3 127.0.0.1:PORT");
  const auto [address, port] = parse_listen(swift ? "--swift" : "--s3", swift ? *swift : *s3);
  harness::ControlListener control;
  control.enabled = true;
  if (const auto v = line.value("--control")) std::tie(control.address, control.port) = parse_listen("--control", *v);
  if (const auto v = line.value("--control-token")) {
    if (v->empty()) throw InputError("--control-token: empty token");
    control.token = *v;
  }
  harness::BackendSpec spec;
  if (s3) spec.type = "s3";
  if (const auto v = line.value("--domain")) {
    if (!s3) throw InputError("--domain: only with --s3 (S3 virtual-host addressing)");
    if (v->empty() || v->find_first_of("/: ") != std::string::npos || v->front() == '.' || v->back() == '.')
      throw InputError("--domain: expected a host name such as s3.localhost, got \"" + *v + "\"");
    spec.s3.domain = *v;
  }
  if (const auto v = line.value("--body-budget")) {
    // The same units and limits as a scenario's backend.body_budget.
    const auto doc = nlohmann::json{{"body_budget", *v}};
    spec.body_budget = JsonReader(doc, "--body-budget").at("body_budget").as_size();
    if (spec.body_budget < (1u << 20) || spec.body_budget > (1ull << 40))
      throw InputError("--body-budget: must be between 1MiB and 1TiB, got \"" + *v + "\"");
  }
  // Block the stop signals before any server thread exists, then wait for one.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::unique_ptr<harness::FakeBackend> backend;
  try {
    backend = std::make_unique<harness::FakeBackend>(spec, address, port, "", control);
  } catch (const std::runtime_error& e) {
    throw harness::InfrastructureError(e.what());
  }
  std::cout << backend->describe().dump(2) << std::endl;
  std::cout << "serving; stop with Ctrl-C" << std::endl;
  int sig = 0;
  sigwait(&stop_signals, &sig);
  backend->stop();
  std::cout << "stopped after " << backend->requests_served() << " requests (signal " << sig << ")" << std::endl;
  return 0;
}

}  // namespace stalemate::cli
