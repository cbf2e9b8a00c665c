// One nginx front as the harness runs it: its tmpfs filesystems (spool, proxy
// temp, cache) mounted under the run's out dir, nginx configured from the
// FrontSpec and started on 127.0.0.1 in front of the given registry
// addresses, and a sampler of the filesystems' use. Torn down in reverse:
// sampler, nginx (reaped), then the unmounts.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/front/front_spec.h"
#include "harness/front/fs_sampler.h"
#include "harness/front/nginx_conf.h"
#include "harness/front/nginx_logs.h"
#include "harness/front/nginx_process.h"
#include "harness/front/tmpfs_mount.h"

namespace stalemate::harness::front {

class Front {
 public:
  // Throws InfrastructureError (no right to mount, nginx would not start) or
  // InputError (nginx -t rejected the config); whatever was mounted is unmounted.
  Front(FrontSpec spec, const std::filesystem::path& prefix, std::vector<std::string> upstreams,
        TmpfsMount::MountCall mount = TmpfsMount::system_mount, std::string nginx_binary = "/usr/sbin/nginx");
  ~Front();

  const FrontSpec& spec() const { return spec_; }
  const FrontLayout& layout() const { return layout_; }
  FrontDirs dirs() const;
  NginxProcess& nginx() { return *nginx_; }
  FsSampler& sampler() { return *sampler_; }
  std::string base_url() const { return nginx_->base_url(); }

  // error.log read now, with request ids joined from the access log.
  std::vector<ErrorLogRecord> errors() const;
  std::vector<AccessRecord> access() const;

  // Stops the sampler and nginx, unmounts. Idempotent.
  void shutdown();

 private:
  FrontSpec spec_;
  FrontLayout layout_;
  std::vector<std::unique_ptr<TmpfsMount>> mounts_;
  std::unique_ptr<NginxProcess> nginx_;
  std::unique_ptr<FsSampler> sampler_;
};

std::string read_text_file(const std::filesystem::path& path);  // "" when missing

}  // namespace stalemate::harness::front
