// A real S3 client (rclone, Debian's package) against `stalemate serve --s3`:
// bucket, multipart upload, listing, download, byte comparison, delete.
// Every rclone invocation is bounded in time and reaped (run_command), and
// the server is stopped with SIGTERM and reaped (RunningCommand).
#include "s3_cli_util.h"

using stalemate::testing::CommandResult;
using stalemate::testing::run_command;
using namespace s3_cli;

TEST_CASE("rclone (a real S3 client) round-trips a multipart object through serve --s3", "[integration][s3][rclone]") {
  const std::string rclone = find_on_path("rclone");
  INFO("rclone is not installed: run scripts/install-deps.sh (Debian package rclone)");
  REQUIRE(!rclone.empty());

  ServedS3 served;
  const auto& info = served.info;
  const std::string endpoint = served.endpoint();

  TempDir tmp("stalemate-rclone");
  // The remote in a private config file (nothing from ~/.config/rclone is read).
  const auto config = tmp.path / "rclone.conf";
  {
    std::ofstream c(config);
    c << "[fake]\n"
      << "type = s3\n"
      << "provider = Other\n"
      << "endpoint = " << endpoint << "\n"
      << "access_key_id = " << info["access_key"].get<std::string>() << "\n"
      << "secret_access_key = " << info["secret_key"].get<std::string>() << "\n"
      << "region = " << info["region"].get<std::string>() << "\n"
      << "force_path_style = true\n";
    REQUIRE(c);
  }
  // 12 MiB + a tail, uploaded in 5 MiB parts (rclone's default cutoff is
  // 200 MiB; lowering it makes rclone use CreateMultipartUpload/UploadPart/
  // CompleteMultipartUpload). No retries: a fake that deviates must show.
  auto rc = [&](std::vector<std::string> args) -> CommandResult {
    // env -u AWS_CA_BUNDLE: rclone 1.60's AWS SDK fails every request with
    // "LoadCustomCABundleError: ... unsupported transport, *fshttp.Transport"
    // when that variable is set (CI images often set it); the fake is plain HTTP.
    std::vector<std::string> argv{"/usr/bin/env", "-u", "AWS_CA_BUNDLE", rclone, "--config", config.string(),
                                  "--retries", "1",
                                  "--low-level-retries", "1", "--contimeout", "10s", "--timeout", "60s",
                                  "--s3-upload-cutoff", "5M", "--s3-chunk-size", "5M", "-v"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv, std::chrono::seconds(120));
    UNSCOPED_INFO("$ rclone " << args.front() << " ... -> exit " << r.exit_code << (r.timed_out ? " (timed out)" : "")
                              << "\n" << r.out << r.err);
    return r;
  };

  const std::uint64_t size = (12ull << 20) + 12345;
  const std::string data = random_bytes(size, 20240611);
  const auto src = tmp.path / "upload.bin";
  write_file(src, data);

  REQUIRE(rc({"mkdir", "fake:rclone-bucket"}).exit_code == 0);
  REQUIRE(rc({"copyto", src.string(), "fake:rclone-bucket/dir/upload.bin"}).exit_code == 0);

  const auto ls = rc({"lsjson", "-R", "--files-only", "fake:rclone-bucket"});
  REQUIRE(ls.exit_code == 0);
  const auto listing = nlohmann::json::parse(ls.out);
  REQUIRE(listing.size() == 1);
  CHECK(listing[0]["Path"] == "dir/upload.bin");
  CHECK(listing[0]["Size"].get<std::uint64_t>() == size);

  const auto dst = tmp.path / "download.bin";
  REQUIRE(rc({"copyto", "fake:rclone-bucket/dir/upload.bin", dst.string()}).exit_code == 0);
  REQUIRE(std::filesystem::file_size(dst) == size);
  CHECK(slurp(dst) == data);  // (not printed on failure: 12 MiB)

  // rclone's own end-to-end check: sizes and MD5s (the MD5 of a multipart
  // object comes from the X-Amz-Meta-Md5chksum metadata rclone stored).
  CHECK(rc({"check", tmp.path.string(), "fake:rclone-bucket/dir", "--include", "upload.bin"}).exit_code == 0);

  REQUIRE(rc({"deletefile", "fake:rclone-bucket/dir/upload.bin"}).exit_code == 0);
  const auto after = rc({"lsjson", "-R", "--files-only", "fake:rclone-bucket"});
  REQUIRE(after.exit_code == 0);
  CHECK(nlohmann::json::parse(after.out).empty());
  CHECK(rc({"rmdir", "fake:rclone-bucket"}).exit_code == 0);

  served.stop();
}
