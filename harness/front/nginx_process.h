// Debian's nginx as a managed child: the config is written from a FrontSpec
// and checked with `nginx -t` (with a deadline; its message is the error),
// then nginx runs in the foreground (`daemon off`, one worker, reaped as a group),
// ready when its health location answers 200 on 127.0.0.1.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "harness/child_process.h"
#include "harness/front/front_spec.h"
#include "harness/front/nginx_conf.h"

namespace stalemate::harness::front {

class NginxProcess : public ManagedProcess {
 public:
  static constexpr std::chrono::milliseconds kStartTimeout{15'000};
  static constexpr std::chrono::milliseconds kCheckTimeout{10'000};

  // Writes the config, checks it and starts nginx. The layout's directories
  // must exist (the mounts are up). Throws InputError when `nginx -t` rejects
  // the config (a bad `extra` block), InfrastructureError otherwise.
  NginxProcess(FrontSpec spec, FrontLayout layout, std::vector<std::string> upstreams,
               std::string binary = "/usr/sbin/nginx");

  unsigned short port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  const FrontLayout& layout() const { return layout_; }
  // nginx's stderr, error.log and the JSON access log.
  std::vector<std::filesystem::path> log_files() const override;

 protected:
  std::vector<std::string> command() override;
  bool ready(std::string& last) override;
  bool retry_after_exit(const std::string& log) override;
  std::string ready_condition() const override;
  std::string label() const override { return "nginx " + binary_; }

 private:
  void write_and_check_config();

  FrontSpec spec_;
  FrontLayout layout_;
  std::vector<std::string> upstreams_;
  std::string binary_;
  unsigned short port_ = 0;
};

// A GET of path on 127.0.0.1:port with a short deadline: the status, or 0.
int probe_http_status(unsigned short port, const std::string& path, std::chrono::milliseconds timeout);

}  // namespace stalemate::harness::front
