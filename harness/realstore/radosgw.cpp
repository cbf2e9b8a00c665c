#include "harness/realstore/radosgw.h"

#include <unistd.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "harness/child_process.h"
#include "harness/http_client.h"
#include "harness/registry_process.h"

namespace stalemate::harness {

namespace {

using Clock = std::chrono::steady_clock;
const char* const kBinaries[] = {"ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph", "monmaptool",
                                 "ceph-authtool"};

// Any fixed id: every cluster is private to its directory.
const char* const kFsid = "6a7e1c55-51a1-4e0a-9d2b-000000000000";

std::string bin(const std::string& name) { return "/usr/bin/" + name; }

// One Ceph daemon in the foreground (-f); ready when `probe` says so.
class CephDaemon : public ManagedProcess {
 public:
  CephDaemon(const std::filesystem::path& dir, const std::string& name, std::vector<std::string> argv,
             std::function<bool(std::string&)> probe, std::string condition, std::chrono::milliseconds timeout)
      : ManagedProcess(name, dir, dir / "log" / (name + ".out"), timeout), argv_(std::move(argv)),
        probe_(std::move(probe)), condition_(std::move(condition)) {}

 protected:
  std::vector<std::string> command() override { return argv_; }
  bool ready(std::string& last) override { return probe_(last); }
  std::string ready_condition() const override { return condition_; }
  std::string label() const override { return name() + " (" + argv_.front() + ")"; }

 private:
  std::vector<std::string> argv_;
  std::function<bool(std::string&)> probe_;
  std::string condition_;
};

}  // namespace

RealRadosgw::RealRadosgw(std::filesystem::path dir, std::chrono::milliseconds start_timeout)
    : dir_(std::filesystem::absolute(std::move(dir))), start_timeout_(start_timeout) {}

RealRadosgw::~RealRadosgw() { stop(); }

std::string RealRadosgw::missing_binaries() {
  std::string missing;
  for (const char* b : kBinaries)
    if (::access(bin(b).c_str(), X_OK) != 0)
      missing += (missing.empty() ? "" : ", ") + bin(b);
  if (!missing.empty()) missing += " (apt-get install radosgw ceph-mon ceph-osd)";
  return missing;
}

std::string RealRadosgw::endpoint() const { return "http://127.0.0.1:" + std::to_string(rgw_port_); }

std::vector<std::filesystem::path> RealRadosgw::log_files() const {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_ / "log", ec)) out.push_back(e.path());
  return out;
}

std::vector<std::string> RealRadosgw::ceph(std::vector<std::string> args) const {
  std::vector<std::string> argv{bin("ceph"), "-c", (dir_ / "ceph.conf").string(), "--connect-timeout", "10"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void RealRadosgw::step(const std::string& what, const std::vector<std::string>& command,
                       std::chrono::milliseconds timeout) const {
  const auto r = run_bounded(command, timeout);
  if (!r.ok())
    throw InfrastructureError("radosgw fixture: " + what + (r.timed_out ? " timed out" : " failed") + ": " +
                              last_lines(r.output, 10));
}

void RealRadosgw::start() {
  stop();
  if (const auto missing = missing_binaries(); !missing.empty())
    throw InfrastructureError("radosgw fixture: missing " + missing);
  const auto began = Clock::now();
  std::filesystem::remove_all(dir_);
  for (const char* sub : {"mon", "osd0", "run", "log"}) std::filesystem::create_directories(dir_ / sub);
  mon_port_ = pick_free_port();
  rgw_port_ = pick_free_port();
  const auto conf = (dir_ / "ceph.conf").string();
  {
    // Auth off, one copy of everything, small PG counts (one OSD), objects in RAM.
    std::ofstream c(conf);
    c << "[global]\nfsid = " << kFsid << "\n"
      << "mon host = v1:127.0.0.1:" << mon_port_ << "\npublic network = 127.0.0.1/32\nms bind ipv6 = false\n"
      << "auth cluster required = none\nauth service required = none\nauth client required = none\n"
      << "osd pool default size = 1\nosd pool default min size = 1\nmon allow pool size one = true\n"
      << "osd pool default pg num = 8\nosd pool default pgp num = 8\nosd pool default pg autoscale mode = off\n"
      << "mon max pg per osd = 1000\nosd crush chooseleaf type = 0\nmon warn on pool no redundancy = false\n"
      << "osd objectstore = memstore\nmemstore device bytes = 1073741824\n"
      << "mon data = " << (dir_ / "mon").string() << "\nosd data = " << (dir_ / "osd$id").string() << "\n"
      << "run dir = " << (dir_ / "run").string() << "\nadmin socket = " << (dir_ / "run" / "$name.asok").string()
      << "\nlog file = " << (dir_ / "log" / "$name.log").string() << "\nkeyring = " << (dir_ / "keyring").string()
      << "\n[client.rgw]\nrgw frontends = beast endpoint=127.0.0.1:" << rgw_port_
      << "\nrgw dns name = localhost\nrgw thread pool size = 32\n";
    if (!c.flush()) throw InfrastructureError("radosgw fixture: cannot write " + conf);
  }
  const std::chrono::milliseconds tool_timeout(60'000);
  step("ceph-authtool", {bin("ceph-authtool"), "--create-keyring", (dir_ / "keyring").string(), "--gen-key", "-n",
                         "mon.", "--cap", "mon", "allow *"},
       tool_timeout);
  step("monmaptool", {bin("monmaptool"), "--create", "--add", "a", "v1:127.0.0.1:" + std::to_string(mon_port_),
                      "--fsid", kFsid, (dir_ / "monmap").string()},
       tool_timeout);
  step("ceph-mon --mkfs", {bin("ceph-mon"), "-c", conf, "--mkfs", "-i", "a", "--monmap", (dir_ / "monmap").string(),
                           "--keyring", (dir_ / "keyring").string()},
       tool_timeout);

  auto ceph_ok = [this](std::vector<std::string> args, const std::string& needle) {
    return [this, args, needle](std::string& last) {
      const auto r = run_bounded(ceph(args), std::chrono::seconds(20));
      last = last_lines(r.output, 3);
      return r.ok() && r.output.find(needle) != std::string::npos;
    };
  };
  daemons_.push_back(std::make_unique<CephDaemon>(dir_, "ceph-mon", std::vector<std::string>{bin("ceph-mon"), "-f", "-c", conf, "-i", "a"},
                                                  ceph_ok({"osd", "dump"}, std::string("fsid ") + kFsid),
                                                  "`ceph osd dump` shows the cluster's fsid",
                                                  start_timeout_));
  daemons_.back()->start();

  // Ready means the first OSD map carries the fsid: before that the monitor
  // refuses OSD commands ("wrong fsid"). `osd create` is still retried, bounded.
  std::string osd_id;
  for (int attempt = 0; attempt < 30 && osd_id.empty(); ++attempt) {
    const auto r = run_bounded(ceph({"osd", "create"}), std::chrono::seconds(20));
    if (r.ok()) osd_id = r.output.substr(0, r.output.find_first_not_of("0123456789"));
    else std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (osd_id.empty()) throw InfrastructureError("radosgw fixture: `ceph osd create` kept failing");
  step("ceph-osd --mkfs", {bin("ceph-osd"), "-c", conf, "-i", osd_id, "--mkfs"}, tool_timeout);
  daemons_.push_back(std::make_unique<CephDaemon>(dir_, "ceph-osd", std::vector<std::string>{bin("ceph-osd"), "-f", "-c", conf, "-i", osd_id},
                                                  ceph_ok({"osd", "stat"}, "1 up"), "`ceph osd stat` shows 1 up",
                                                  start_timeout_));
  // The OSD can exit during start-up under load: its first monitor command can
  // leave before its monitor client has the map's fsid ("wrong fsid"), and once
  // (CI, tests two at a time) it exited with status 1 right after
  // "log_to_monitors" with nothing more in its output. Either way it is started
  // again, at most three times; the last failure quotes the OSD's own log.
  for (int attempt = 1;; ++attempt) {
    try {
      daemons_.back()->start();
      break;
    } catch (const InfrastructureError& e) {
      if (attempt < 3) continue;
      const auto log = dir_ / "log" / ("osd." + osd_id + ".log");
      std::ifstream in(log);
      const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      throw InfrastructureError(std::string(e.what()) + " (3 attempts; " + log.string() + " ends:\n" +
                                last_lines(text, 8) + ")");
    }
  }

  const std::string url = endpoint() + "/";
  daemons_.push_back(std::make_unique<CephDaemon>(
      dir_, "radosgw", std::vector<std::string>{bin("radosgw"), "-f", "-c", conf, "-n", "client.rgw"},
      [url](std::string& last) {
        ClientRequest req;
        req.url = url;
        const auto res = HttpClient(std::chrono::seconds(2)).send(req);
        last = res.status ? "HTTP " + std::to_string(res.status) : (res.error.empty() ? "no answer" : res.error);
        return res.status == 200;  // an anonymous ListBuckets
      },
      "answer GET / on 127.0.0.1:" + std::to_string(rgw_port_) + " with 200", start_timeout_));
  daemons_.back()->start();
  step("radosgw-admin user create",
       {bin("radosgw-admin"), "-c", conf, "user", "create", "--uid=stalemate", "--display-name=stalemate",
        std::string("--access-key=") + kAccessKey, std::string("--secret-key=") + kSecretKey},
       tool_timeout);
  startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
}

void RealRadosgw::stop() {
  // radosgw first, the monitor last.
  while (!daemons_.empty()) {
    daemons_.back()->stop();
    daemons_.pop_back();
  }
}

}  // namespace stalemate::harness
