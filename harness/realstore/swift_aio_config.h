// The text of a Swift all-in-one's configuration: one function per file, so
// swift_aio.cpp only starts processes. Values mirror Swift's SAIO docs, cut to
// what the fixture needs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace stalemate::harness::swift_aio {

struct Layout {
  std::filesystem::path dir;  // swift_dir: rings and configs
  std::string user;           // the user the servers keep running as (ours)
  unsigned short proxy_port = 0;
  unsigned short memcached_port = 0;
  unsigned short account_port = 0;
  unsigned short container_port = 0;
  std::vector<unsigned short> object_ports;  // one object server per replica
  bool background_daemons = false;
};

std::filesystem::path devices_dir(const Layout& l, const std::string& server);  // dir/srv/<server>
std::string proxy_conf(const Layout& l);
std::string account_conf(const Layout& l);
std::string container_conf(const Layout& l);
std::string object_conf(const Layout& l, std::size_t index);
// A python3 script (run with Debian's python, which has the swift modules)
// that builds account, container and object rings into its first argument:
// one python start instead of nine swift-ring-builder runs (~0.8 s each).
std::string ring_script(const Layout& l);
// The device names the rings use: "a1"; "c1".."cN"; "o1".."oN".
std::string device_name(char tier, std::size_t index);

}  // namespace stalemate::harness::swift_aio
