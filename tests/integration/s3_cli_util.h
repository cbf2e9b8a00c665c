// Shared by the tests that drive real S3 clients (rclone, awscli, s3cmd)
// against `stalemate serve --s3`: finding a client, a private temp folder,
// reading files, random payloads, and the served endpoint (the server is
// stopped with SIGTERM and reaped by RunningCommand).
#pragma once

#include <catch2/catch.hpp>

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "child_command.h"

namespace s3_cli {

// An executable `name` from PATH (posix_spawn in run_command does not search PATH); "" when absent.
inline std::string find_on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const auto p = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(p.c_str(), X_OK) == 0) return p.string();
  }
  return "";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::ofstream f(p, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  REQUIRE(f);
}

// `size` bytes from a seeded generator (incompressible, reproducible).
inline std::string random_bytes(std::size_t size, std::uint64_t seed) {
  std::string data(size, '\0');
  std::mt19937_64 gen(seed);
  for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
    const std::uint64_t v = gen();
    std::memcpy(&data[i], &v, 8);
  }
  return data;
}

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "stalemate-s3-client") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    REQUIRE(::mkdtemp(tmpl.data()));
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// `stalemate serve --s3 127.0.0.1:0 [extra…]` running; `info` is its banner
// (endpoint, access_key, secret_key, region).
struct ServedS3 {
  stalemate::testing::RunningCommand serve;
  nlohmann::json info;
  explicit ServedS3(const std::vector<std::string>& extra = {}) : serve(argv(extra)) {
    const auto banner = serve.read_until("serving", std::chrono::seconds(30));
    REQUIRE(banner.find("serving") != std::string::npos);
    info = nlohmann::json::parse(banner.substr(0, banner.find("serving")));
    REQUIRE(info["protocol"] == "s3");
  }
  std::string endpoint() const { return info["endpoint"]; }
  std::string host_port() const { return endpoint().substr(std::string("http://").size()); }
  // Stops it as Ctrl-C would; it must exit 0.
  void stop() {
    serve.signal(SIGTERM);
    CHECK(serve.wait(std::chrono::seconds(30)) == 0);
  }

 private:
  static std::vector<std::string> argv(const std::vector<std::string>& extra) {
    std::vector<std::string> a{STALEMATE_BINARY, "serve", "--s3", "127.0.0.1:0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace s3_cli
