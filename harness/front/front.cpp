#include "harness/front/front.h"

#include <fstream>
#include <sstream>

namespace stalemate::harness::front {

namespace fs = std::filesystem;

std::string read_text_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Front::Front(FrontSpec spec, const fs::path& prefix, std::vector<std::string> upstreams, TmpfsMount::MountCall mount,
             std::string nginx_binary)
    : spec_(std::move(spec)), layout_(front_layout(prefix, spec_)) {
  try {
    mounts_.push_back(std::make_unique<TmpfsMount>(layout_.spool_mount, spec_.spool_fs_size, mount));
    if (spec_.temp_placement == TempPlacement::OwnFs)
      mounts_.push_back(std::make_unique<TmpfsMount>(layout_.temp_mount, spec_.temp_fs_size, mount));
    if (spec_.cache) mounts_.push_back(std::make_unique<TmpfsMount>(layout_.cache_mount, spec_.cache->fs_size, mount));
    nginx_ = std::make_unique<NginxProcess>(spec_, layout_, std::move(upstreams), std::move(nginx_binary));
    std::vector<FsSampler::Target> targets{{"spool", layout_.spool_mount}};
    if (spec_.temp_placement == TempPlacement::OwnFs) targets.push_back({"temp", layout_.temp_mount});
    if (spec_.cache) targets.push_back({"cache", layout_.cache_mount});
    sampler_ = std::make_unique<FsSampler>(std::move(targets));
  } catch (...) {
    shutdown();
    throw;
  }
}

Front::~Front() { shutdown(); }

void Front::shutdown() {
  if (sampler_) sampler_->stop();
  if (nginx_) nginx_->stop();
  // Last mounted, first unmounted.
  while (!mounts_.empty()) mounts_.pop_back();
}

FrontDirs Front::dirs() const { return {layout_.spool_dir, layout_.temp_dir, layout_.cache_dir}; }

std::vector<AccessRecord> Front::access() const { return parse_access_log(read_text_file(layout_.access_log)); }

std::vector<ErrorLogRecord> Front::errors() const {
  auto records = parse_error_log(read_text_file(layout_.error_log), dirs());
  attach_request_ids(records, access());
  return records;
}

}  // namespace stalemate::harness::front
