#include "harness/realstore/swift_aio_config.h"

#include <sstream>

namespace stalemate::harness::swift_aio {

std::filesystem::path devices_dir(const Layout& l, const std::string& server) { return l.dir / "srv" / server; }

std::string device_name(char tier, std::size_t index) { return std::string(1, tier) + std::to_string(index + 1); }

namespace {

// [DEFAULT] of a backend server: loopback only, one process (workers = 0 keeps
// the pid we reap the server itself), plain directories as devices.
std::string backend_default(const Layout& l, unsigned short port, const std::string& server,
                            const std::string& log_name) {
  std::ostringstream s;
  s << "[DEFAULT]\n"
    << "bind_ip = 127.0.0.1\n"
    << "bind_port = " << port << "\n"
    << "workers = 0\n"
    << "user = " << l.user << "\n"
    << "swift_dir = " << l.dir.string() << "\n"
    << "devices = " << devices_dir(l, server).string() << "\n"
    << "mount_check = false\n"
    // Overlay and tmpfs work dirs: no preallocation, no reserve.
    << "disable_fallocate = true\n"
    << "log_name = " << log_name << "\n"
    << "recon_cache_path = " << (l.dir / "recon").string() << "\n\n";
  return s.str();
}

// The app behind a healthcheck filter, which is what start() polls.
std::string backend_pipeline(const std::string& app) {
  return "[pipeline:main]\npipeline = healthcheck " + app + "-server\n\n[app:" + app +
         "-server]\nuse = egg:swift#" + app + "\n\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n\n";
}

}  // namespace

std::string proxy_conf(const Layout& l) {
  std::ostringstream s;
  s << "[DEFAULT]\n"
    << "bind_ip = 127.0.0.1\n"
    << "bind_port = " << l.proxy_port << "\n"
    << "workers = 0\n"
    << "user = " << l.user << "\n"
    << "swift_dir = " << l.dir.string() << "\n"
    << "log_name = proxy\n\n"
    // The proxy adds versioned_writes (a required filter) itself and says so in its log.
    << "[pipeline:main]\n"
    << "pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl "
       "tempauth copy slo dlo proxy-logging proxy-server\n\n"
    << "[app:proxy-server]\nuse = egg:swift#proxy\naccount_autocreate = true\n\n"
    << "[filter:tempauth]\nuse = egg:swift#tempauth\nuser_test_tester = testing .admin\n\n"
    << "[filter:cache]\nuse = egg:swift#memcache\nmemcache_servers = 127.0.0.1:" << l.memcached_port << "\n\n";
  for (const char* f : {"catch_errors", "gatekeeper", "healthcheck", "proxy_logging", "listing_formats", "bulk",
                        "tempurl", "copy", "slo", "dlo"}) {
    std::string section = f;
    if (section == "proxy_logging") section = "proxy-logging";
    s << "[filter:" << section << "]\nuse = egg:swift#" << f << "\n\n";
  }
  return s.str();
}

std::string account_conf(const Layout& l) {
  return backend_default(l, l.account_port, "account", "account") + backend_pipeline("account") +
         "[account-replicator]\n\n[account-auditor]\n\n[account-reaper]\n";
}

std::string container_conf(const Layout& l) {
  return backend_default(l, l.container_port, "container", "container") + backend_pipeline("container") +
         "[container-replicator]\n\n[container-updater]\n\n[container-auditor]\n\n[container-sync]\n";
}

std::string object_conf(const Layout& l, std::size_t index) {
  const std::string name = "object" + std::to_string(index + 1);
  return backend_default(l, l.object_ports.at(index), name, name) + backend_pipeline("object") +
         "[object-replicator]\n\n[object-updater]\n\n[object-auditor]\n";
}

std::string ring_script(const Layout& l) {
  std::ostringstream s;
  s << "import sys, os\n"
    << "from swift.common.ring import RingBuilder\n"
    << "def build(name, replicas, devs):\n"
    << "    b = RingBuilder(6, replicas, 0)\n"
    << "    for i, (port, dev) in enumerate(devs):\n"
    << "        b.add_dev({'id': i, 'region': 1, 'zone': i + 1, 'ip': '127.0.0.1', 'port': port,\n"
    << "                   'device': dev, 'weight': 100})\n"
    << "    b.rebalance(seed=1)\n"
    << "    b.get_ring().save(os.path.join(sys.argv[1], name + '.ring.gz'))\n";
  const std::size_t n = l.object_ports.size();
  s << "build('account', 1, [(" << l.account_port << ", '" << device_name('a', 0) << "')])\n";
  s << "build('container', " << n << ", [";
  for (std::size_t i = 0; i < n; ++i) s << (i ? ", " : "") << "(" << l.container_port << ", '" << device_name('c', i) << "')";
  s << "])\n";
  s << "build('object', " << n << ", [";
  for (std::size_t i = 0; i < n; ++i) s << (i ? ", " : "") << "(" << l.object_ports[i] << ", '" << device_name('o', i) << "')";
  s << "])\n";
  return s.str();
}

}  // namespace stalemate::harness::swift_aio
