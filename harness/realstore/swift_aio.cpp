#include "harness/realstore/swift_aio.h"

#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <future>
#include <stdexcept>

#include "harness/child_process.h"
#include "harness/http_client.h"
#include "harness/realstore/swift_aio_config.h"
#include "harness/redis_process.h"
#include "harness/registry_process.h"

namespace stalemate::harness {

namespace {

using Clock = std::chrono::steady_clock;

std::string current_user() {
  const passwd* pw = ::getpwuid(::geteuid());
  if (!pw) throw InfrastructureError("cannot name the current user (uid " + std::to_string(::geteuid()) + ")");
  return pw->pw_name;
}

void write_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) throw InfrastructureError("cannot write " + p.string());
}

// memcached: the proxy's token and info cache. Ready when it answers
// "version" (the redis helper speaks any one-line text protocol).
class MemcachedProcess : public ManagedProcess {
 public:
  MemcachedProcess(const std::filesystem::path& dir, std::string binary, unsigned short port, std::string user,
                   std::chrono::milliseconds timeout)
      : ManagedProcess("memcached", dir, dir / "memcached.log", timeout),
        binary_(std::move(binary)), port_(port), user_(std::move(user)) {}

 protected:
  std::vector<std::string> command() override {
    // -U 0: no UDP listener; -u: memcached refuses to run as root without it.
    return {binary_, "-l", "127.0.0.1", "-p", std::to_string(port_), "-U", "0", "-u", user_, "-m", "64"};
  }
  bool ready(std::string& last) override {
    last = redis_command(port_, "version");
    if (last.empty()) last = "no answer";
    return last.rfind("VERSION", 0) == 0;
  }
  std::string ready_condition() const override {
    return "answer \"version\" on 127.0.0.1:" + std::to_string(port_);
  }
  std::string label() const override { return "memcached " + binary_; }

 private:
  std::string binary_;
  unsigned short port_;
  std::string user_;
};

// One Swift server or daemon, `-v` so its log lines also go to its output
// log. A server (port != 0) is ready when GET /healthcheck answers 200; a
// daemon as soon as it runs.
class SwiftProcess : public ManagedProcess {
 public:
  SwiftProcess(const std::filesystem::path& dir, std::string name, std::string binary,
               std::filesystem::path conf, unsigned short port, std::chrono::milliseconds timeout)
      : ManagedProcess(name, dir, dir / (name + ".log"), timeout),
        binary_(std::move(binary)), conf_(std::move(conf)), port_(port) {}

 protected:
  std::vector<std::string> command() override { return {binary_, conf_.string(), "-v"}; }
  bool ready(std::string& last) override {
    if (port_ == 0) return true;
    ClientRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(port_) + "/healthcheck";
    const auto res = HttpClient(std::chrono::seconds(2)).send(req);
    last = res.status ? "HTTP " + std::to_string(res.status) : (res.error.empty() ? "no answer" : res.error);
    return res.status == 200;
  }
  std::string ready_condition() const override {
    return port_ ? "answer GET /healthcheck on 127.0.0.1:" + std::to_string(port_) + " with 200" : "run";
  }
  std::string label() const override { return name() + " (" + binary_ + ")"; }

 private:
  std::string binary_;
  std::filesystem::path conf_;
  unsigned short port_;
};

// Starts them all at once (python start-up dominates) and rethrows the first failure.
void start_all(const std::vector<ManagedProcess*>& procs) {
  std::vector<std::future<void>> started;
  for (auto* p : procs) started.push_back(std::async(std::launch::async, [p] { p->start(); }));
  std::exception_ptr first;
  for (auto& f : started) {
    try {
      f.get();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace

RealSwift::RealSwift(std::filesystem::path dir, RealSwiftOptions options)
    : dir_(std::filesystem::absolute(std::move(dir))), options_(std::move(options)) {
  if (options_.replicas < 1 || options_.replicas > 8)
    throw std::invalid_argument("RealSwift: replicas must be 1..8, not " + std::to_string(options_.replicas));
}

RealSwift::~RealSwift() { stop(); }

std::string RealSwift::missing_binaries(const RealSwiftOptions& options) {
  const std::pair<std::string, std::string> needed[] = {
      {options.bin_dir + "/swift-proxy-server", "swift-proxy"},
      {options.bin_dir + "/swift-account-server", "swift-account"},
      {options.bin_dir + "/swift-container-server", "swift-container"},
      {options.bin_dir + "/swift-object-server", "swift-object"},
      {options.bin_dir + "/memcached", "memcached"},
      {options.python, "python3"}};
  std::string missing;
  for (const auto& [path, package] : needed)
    if (::access(path.c_str(), X_OK) != 0)
      missing += (missing.empty() ? "" : ", ") + path + " (apt-get install " + package + ")";
  return missing;
}

void RealSwift::write_configs() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  std::filesystem::create_directories(dir_ / "recon", ec);
  if (ec) throw InfrastructureError("cannot create " + dir_.string() + ": " + ec.message());
  proxy_port_ = options_.proxy_port ? options_.proxy_port : pick_free_port();
  memcached_port_ = pick_free_port();
  account_port_ = pick_free_port();
  container_port_ = pick_free_port();
  object_ports_.clear();
  for (int i = 0; i < options_.replicas; ++i) object_ports_.push_back(pick_free_port());

  swift_aio::Layout l{dir_, current_user(), proxy_port_, memcached_port_, account_port_, container_port_,
                      object_ports_, options_.background_daemons};
  const auto n = object_ports_.size();
  std::filesystem::create_directories(swift_aio::devices_dir(l, "account") / swift_aio::device_name('a', 0));
  for (std::size_t i = 0; i < n; ++i) {
    std::filesystem::create_directories(swift_aio::devices_dir(l, "container") / swift_aio::device_name('c', i));
    std::filesystem::create_directories(swift_aio::devices_dir(l, "object" + std::to_string(i + 1)) /
                                        swift_aio::device_name('o', i));
    write_file(dir_ / ("object" + std::to_string(i + 1) + ".conf"), swift_aio::object_conf(l, i));
  }
  write_file(dir_ / "proxy.conf", swift_aio::proxy_conf(l));
  write_file(dir_ / "account.conf", swift_aio::account_conf(l));
  write_file(dir_ / "container.conf", swift_aio::container_conf(l));
  write_file(dir_ / "rings.py", swift_aio::ring_script(l));
}

void RealSwift::build_rings() const {
  const auto run = run_bounded({options_.python, (dir_ / "rings.py").string(), dir_.string()}, std::chrono::seconds(60));
  if (!run.ok())
    throw InfrastructureError("building the Swift rings (" + (dir_ / "rings.py").string() + ") " +
                              (run.timed_out ? "timed out" : describe_status(run.wait_status)) + ":\n" +
                              last_lines(run.output, 20));
}

void RealSwift::start() {
  stop();
  if (const auto missing = missing_binaries(options_); !missing.empty())
    throw InfrastructureError("a real Swift needs " + missing);
  const auto t0 = Clock::now();
  write_configs();
  build_rings();
  const auto bin = [&](const std::string& b) { return options_.bin_dir + "/" + b; };
  const auto timeout = options_.start_timeout;
  memcached_ = std::make_unique<MemcachedProcess>(dir_, bin("memcached"), memcached_port_, current_user(), timeout);
  servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-account", bin("swift-account-server"),
                                                    dir_ / "account.conf", account_port_, timeout));
  servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-container", bin("swift-container-server"),
                                                    dir_ / "container.conf", container_port_, timeout));
  servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-proxy", bin("swift-proxy-server"),
                                                    dir_ / "proxy.conf", proxy_port_, timeout));
  for (std::size_t i = 0; i < object_ports_.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    object_servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-object" + n, bin("swift-object-server"),
                                                             dir_ / ("object" + n + ".conf"), object_ports_[i], timeout));
  }
  if (options_.background_daemons) {
    // What brings a replica that was down up to date: the replicator pushes
    // missing objects, the updaters apply container updates that failed.
    for (std::size_t i = 0; i < object_ports_.size(); ++i) {
      const std::string n = std::to_string(i + 1);
      const auto conf = dir_ / ("object" + n + ".conf");
      servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-object-replicator" + n,
                                                        bin("swift-object-replicator"), conf, 0, timeout));
      servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-object-updater" + n,
                                                        bin("swift-object-updater"), conf, 0, timeout));
    }
    servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-container-updater", bin("swift-container-updater"),
                                                      dir_ / "container.conf", 0, timeout));
    servers_.push_back(std::make_unique<SwiftProcess>(dir_, "swift-container-replicator",
                                                      bin("swift-container-replicator"), dir_ / "container.conf", 0,
                                                      timeout));
  }
  std::vector<ManagedProcess*> all{memcached_.get()};
  for (auto& s : servers_) all.push_back(s.get());
  for (auto& s : object_servers_) all.push_back(s.get());
  try {
    start_all(all);
  } catch (...) {
    stop();
    throw;
  }
  startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

void RealSwift::stop() {
  // The proxy first (no new requests), then the rest; each is reaped.
  for (auto it = servers_.rbegin(); it != servers_.rend(); ++it) (*it)->stop();
  for (auto& s : object_servers_) s->stop();
  if (memcached_) memcached_->stop();
  servers_.clear();
  object_servers_.clear();
  memcached_.reset();
}

std::string RealSwift::base_url() const { return "http://127.0.0.1:" + std::to_string(proxy_port_); }
std::string RealSwift::auth_url() const { return base_url() + "/auth/v1.0"; }
std::string RealSwift::storage_url() const { return base_url() + "/v1/" + kAccount; }

std::vector<std::filesystem::path> RealSwift::log_files() const {
  std::vector<std::filesystem::path> logs;
  if (memcached_) logs.push_back(memcached_->log_path());
  for (const auto& s : servers_) logs.push_back(s->log_path());
  for (const auto& s : object_servers_) logs.push_back(s->log_path());
  return logs;
}

void RealSwift::stop_object_server(int i) { object_servers_.at(static_cast<std::size_t>(i))->stop(); }
void RealSwift::start_object_server(int i) { object_servers_.at(static_cast<std::size_t>(i))->start(); }

}  // namespace stalemate::harness
