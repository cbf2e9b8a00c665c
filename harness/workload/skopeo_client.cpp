#include "harness/workload/skopeo_client.h"

#include <atomic>
#include <fstream>
#include <vector>

#include "common/crypto.h"
#include "harness/child_process.h"
#include "harness/manifest.h"

namespace stalemate::harness::workload {

namespace fs = std::filesystem;

namespace {

std::atomic<unsigned> layout_counter{0};

fs::path fresh_layout(const fs::path& work_dir, const std::string& what) {
  const auto dir = work_dir / ("skopeo-" + what + "-" + std::to_string(layout_counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void write_layer(const fs::path& path, const LayerContent& content) {
  std::ofstream out(path, std::ios::binary);
  std::vector<char> buf(1 << 20);
  for (std::uint64_t off = 0; off < content.size(); off += buf.size()) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), content.size() - off));
    content.fill(off, buf.data(), n);
    out.write(buf.data(), static_cast<std::streamsize>(n));
  }
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string hex_of(const std::string& digest) { return digest.substr(digest.find(':') + 1); }

// The sha256 and size of a file skopeo wrote; "" when it is missing.
std::pair<std::string, std::uint64_t> file_digest(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {"", 0};
  StreamingDigest d("sha256");
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    d.update(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  const auto bytes = d.bytes();
  return {"sha256:" + d.hex_final(), bytes};
}

SkopeoResult run_skopeo(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  SkopeoResult r;
  std::vector<std::string> command = {kSkopeoBinary, "--insecure-policy"};
  command.insert(command.end(), args.begin(), args.end());
  for (const auto& a : command) r.command += (r.command.empty() ? "" : " ") + a;
  const auto run = run_bounded(command, timeout);
  if (run.timed_out) {
    r.error = "skopeo timed out after " + seconds_text(timeout);
  } else if (!run.ok()) {
    const auto tail = run.output.size() > 800 ? run.output.substr(run.output.size() - 800) : run.output;
    r.error = "skopeo " + describe_status(run.wait_status) + ": " + tail;
  } else {
    r.ok = true;
  }
  return r;
}

}  // namespace

std::string registry_host_port(const std::string& base_url) {
  const auto scheme = base_url.find("://");
  std::string s = scheme == std::string::npos ? base_url : base_url.substr(scheme + 3);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

SkopeoResult skopeo_push(const ImageSpec& image, const std::string& registry, const fs::path& work_dir,
                         std::chrono::milliseconds timeout) {
  const auto built = build_image(image);
  const auto dir = fresh_layout(work_dir, "push");
  write_file(dir / "version", "Directory Transport Version: 1.1\n");
  write_file(dir / "manifest.json", built.manifest);
  write_file(dir / hex_of(built.config_descriptor.digest), built.config);
  for (std::size_t i = 0; i < built.layers.size(); ++i)
    write_layer(dir / hex_of(built.layers[i].digest), built.layer_contents[i]);
  auto r = run_skopeo({"copy", "--quiet", "--preserve-digests", "--dest-tls-verify=false", "dir:" + dir.string(),
                       "docker://" + registry + "/" + image.repository + ":" + image.tag},
                      timeout);
  fs::remove_all(dir);  // a pushed layout is only a copy of deterministic content
  return r;
}

SkopeoResult skopeo_pull(const ImageSpec& image, PullBy by, const std::string& registry, const fs::path& work_dir,
                         std::chrono::milliseconds timeout) {
  const auto built = build_image(image);
  const auto dir = fresh_layout(work_dir, "pull");
  const std::string ref = by == PullBy::Digest ? "@" + built.manifest_digest : ":" + image.tag;
  auto r = run_skopeo({"copy", "--quiet", "--src-tls-verify=false", "docker://" + registry + "/" + image.repository + ref,
                       "dir:" + dir.string()},
                      timeout);
  if (!r.ok) return r;
  // skopeo verifies digests itself; the harness checks again, against the image it pushed.
  const auto [manifest_digest, manifest_size] = file_digest(dir / "manifest.json");
  if (manifest_digest != built.manifest_digest)
    r.error = "skopeo pulled a manifest with digest " + manifest_digest + ", pushed " + built.manifest_digest;
  std::vector<Descriptor> blobs = built.layers;
  blobs.push_back(built.config_descriptor);
  for (const auto& d : blobs) {
    if (!r.error.empty()) break;
    const auto [digest, size] = file_digest(dir / hex_of(d.digest));
    if (digest.empty())
      r.error = "skopeo wrote no blob " + d.digest;
    else if (digest != d.digest || size != d.size)
      r.error = "skopeo's copy of blob " + d.digest + " has " + std::to_string(size) + " bytes with digest " + digest;
  }
  r.ok = r.error.empty();
  if (r.ok) fs::remove_all(dir);  // a failed pull keeps its layout as evidence
  return r;
}

}  // namespace stalemate::harness::workload
