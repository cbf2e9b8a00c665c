// Real S3 command-line clients against `stalemate serve --s3` (issue 12):
// awscli (Debian's 2.9, and any other `aws` on PATH: multipart `s3 cp`,
// `s3 sync`, `s3api delete-objects`, `s3 presign` fetched with the harness's
// HTTP client, `get-bucket-versioning` and the other sub-resources) and
// s3cmd (SigV4, multipart put and get), and `serve --domain`'s virtual hosts on the wire. Contents are compared by sha256;
// any client error fails the test. Each client run is bounded and reaped.
#include <ctime>
#include <set>

#include "../sim/raw_connection.h"
#include "../sim/s3_test_util.h"
#include "common/crypto.h"
#include "harness/http_client.h"
#include "s3_cli_util.h"

using stalemate::testing::CommandResult;
using stalemate::testing::run_command;
using namespace s3_cli;

namespace {
// Every awscli to try: Debian's (what scripts/install-deps.sh installs) and the first on PATH if it is another.
std::vector<std::string> awscli_binaries() {
  std::vector<std::string> out;
  std::set<std::filesystem::path> seen;
  for (const std::string& p : {std::string("/usr/bin/aws"), find_on_path("aws")}) {
    if (p.empty() || ::access(p.c_str(), X_OK) != 0) continue;
    if (seen.insert(std::filesystem::weakly_canonical(p)).second) out.push_back(p);
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// sha256 of every regular file under `dir`, by relative path.
std::map<std::string, std::string> tree_sha256(const std::filesystem::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file())
      out[std::filesystem::relative(e.path(), dir).string()] = stalemate::sha256_hex(slurp(e.path()));
  return out;
}
}  // namespace

TEST_CASE("awscli: multipart cp, sync, delete-objects, presign, versioning against serve --s3",
          "[integration][s3][awscli]") {
  const auto binaries = awscli_binaries();
  {
    INFO("awscli is not installed: run scripts/install-deps.sh (Debian package awscli)");
    REQUIRE(!binaries.empty());
  }
  ServedS3 served;
  const std::string key = served.info["access_key"], secret = served.info["secret_key"];
  TempDir tmp("stalemate-awscli");
  // A private config: multipart above 5 MiB, path-style addressing; "v4" presigns with SigV4,
  // "plain" leaves awscli's default presign (SigV2 query, which a SigV4-only region refuses).
  const auto config = tmp.path / "config";
  {
    std::ofstream c(config);
    const std::string creds = "aws_access_key_id = " + key + "\naws_secret_access_key = " + secret + "\n";
    c << "[default]\nregion = us-east-1\n" << creds
      << "s3 =\n  multipart_threshold = 5MB\n  multipart_chunksize = 5MB\n  addressing_style = path\n"
      << "[profile v4]\nregion = us-east-1\n" << creds << "s3 =\n  addressing_style = path\n  signature_version = s3v4\n"
      << "[profile plain]\nregion = us-east-1\n" << creds << "s3 =\n  addressing_style = path\n";
    REQUIRE(c);
  }
  const std::string big_data = random_bytes((13u << 20) + 4321, 12);
  write_file(tmp.path / "big.bin", big_data);
  std::filesystem::create_directories(tmp.path / "tree" / "sub");
  write_file(tmp.path / "tree" / "a.txt", "alpha\n");
  write_file(tmp.path / "tree" / "b.bin", random_bytes(70000, 3));
  write_file(tmp.path / "tree" / "sub" / "c.bin", random_bytes(4096, 4));

  int n = 0;
  for (const std::string& aws : binaries) {
    INFO("awscli: " << aws);
    const std::string bucket = "awscli-bucket-" + std::to_string(++n);
    auto run = [&](std::vector<std::string> args) -> CommandResult {
      // Nothing from the user's ~/.aws or environment: a private HOME and config, no pager, no IMDS.
      std::vector<std::string> argv{"/usr/bin/env", "-u", "AWS_CA_BUNDLE", "-u", "AWS_PROFILE", "-u",
                                    "AWS_ACCESS_KEY_ID", "-u", "AWS_SECRET_ACCESS_KEY", "-u", "AWS_SESSION_TOKEN",
                                    "-u", "AWS_ENDPOINT_URL", "HOME=" + tmp.path.string(),
                                    "AWS_CONFIG_FILE=" + config.string(),
                                    "AWS_SHARED_CREDENTIALS_FILE=" + (tmp.path / "no-credentials").string(),
                                    "AWS_PAGER=", "AWS_EC2_METADATA_DISABLED=true", aws, "--endpoint-url",
                                    served.endpoint()};
      argv.insert(argv.end(), args.begin(), args.end());
      auto r = run_command(argv, std::chrono::seconds(120));
      UNSCOPED_INFO("$ aws " << args[0] << " " << (args.size() > 1 ? args[1] : "") << " -> exit " << r.exit_code
                             << (r.timed_out ? " (timed out)" : "") << "\n" << r.out << r.err);
      return r;
    };
    const std::string s3url = "s3://" + bucket;

    REQUIRE(run({"s3", "mb", s3url}).exit_code == 0);
    // Multipart: 13 MiB in 5 MiB parts (the ETag says how many).
    REQUIRE(run({"s3", "cp", (tmp.path / "big.bin").string(), s3url + "/dir/big.bin"}).exit_code == 0);
    REQUIRE(run({"s3", "cp", s3url + "/dir/big.bin", (tmp.path / "big.down").string()}).exit_code == 0);
    CHECK(stalemate::sha256_hex(slurp(tmp.path / "big.down")) == stalemate::sha256_hex(big_data));

    // sync up, sync down into an empty folder, and a second sync up finds nothing to do.
    REQUIRE(run({"s3", "sync", (tmp.path / "tree").string(), s3url + "/tree"}).exit_code == 0);
    const auto down = tmp.path / ("down-" + std::to_string(n));
    REQUIRE(run({"s3", "sync", s3url + "/tree", down.string()}).exit_code == 0);
    CHECK(tree_sha256(down) == tree_sha256(tmp.path / "tree"));
    const auto again = run({"s3", "sync", (tmp.path / "tree").string(), s3url + "/tree"});
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("upload:") == std::string::npos);

    // DeleteObjects (newer botocore sends x-amz-checksum-crc32 instead of Content-MD5).
    const auto deleted = run({"s3api", "delete-objects", "--bucket", bucket, "--delete",
                              R"({"Objects":[{"Key":"tree/a.txt"},{"Key":"tree/b.bin"}]})"});
    REQUIRE(deleted.exit_code == 0);
    CHECK(nlohmann::json::parse(deleted.out)["Deleted"].size() == 2);
    CHECK(nlohmann::json::parse(deleted.out).value("Errors", nlohmann::json::array()).empty());
    const auto listed = run({"s3api", "list-objects-v2", "--bucket", bucket});
    REQUIRE(listed.exit_code == 0);
    const auto contents = nlohmann::json::parse(listed.out)["Contents"];
    REQUIRE(contents.size() == 2);
    CHECK(contents[0]["Key"] == "dir/big.bin");
    CHECK(contents[0]["ETag"].get<std::string>().find("-3\"") != std::string::npos);  // multipart: 3 parts of 5 MiB
    CHECK(contents[1]["Key"] == "tree/sub/c.bin");

    // A SigV4 presigned URL, fetched by a plain HTTP client.
    const auto presigned = run({"--profile", "v4", "s3", "presign", s3url + "/dir/big.bin", "--expires-in", "300"});
    REQUIRE(presigned.exit_code == 0);
    stalemate::harness::HttpClient http(std::chrono::seconds(60));
    stalemate::harness::ClientRequest get;
    get.url = trimmed(presigned.out);
    CHECK(get.url.find("X-Amz-Signature=") != std::string::npos);
    const auto fetched = http.send(get, {}, 32u << 20);
    CHECK(fetched.status == 200);
    CHECK(stalemate::sha256_hex(fetched.body) == stalemate::sha256_hex(big_data));
    // awscli's default presign is SigV2: refused as a SigV4-only AWS region refuses it.
    const auto default_presign = run({"--profile", "plain", "s3", "presign", s3url + "/dir/big.bin"});
    REQUIRE(default_presign.exit_code == 0);
    get.url = trimmed(default_presign.out);
    const auto v2 = http.send(get);
    if (get.url.find("AWSAccessKeyId=") != std::string::npos) {
      CHECK(v2.status == 400);
      CHECK(v2.body.find("<Code>InvalidRequest</Code>") != std::string::npos);
      CHECK(v2.body.find("Please use AWS4-HMAC-SHA256.") != std::string::npos);
    } else {
      CHECK(v2.status == 200);  // an awscli whose default is SigV4
    }

    // Sub-resources clients ask about (ACLs and tagging: tests/sim/test_s3_subresources.cpp).
    const auto versioning = run({"s3api", "get-bucket-versioning", "--bucket", bucket});
    REQUIRE(versioning.exit_code == 0);
    CHECK(versioning.out.find("Enabled") == std::string::npos);
    const auto versions = run({"s3api", "list-object-versions", "--bucket", bucket, "--prefix", "dir/"});
    REQUIRE(versions.exit_code == 0);
    CHECK(nlohmann::json::parse(versions.out)["Versions"][0]["VersionId"] == "null");
  }
  served.stop();
}

TEST_CASE("s3cmd: SigV4 multipart put and get against serve --s3", "[integration][s3][s3cmd]") {
  const std::string s3cmd = find_on_path("s3cmd");
  {
    INFO("s3cmd is not installed: run scripts/install-deps.sh (Debian package s3cmd)");
    REQUIRE(!s3cmd.empty());
  }
  ServedS3 served;
  TempDir tmp("stalemate-s3cmd");
  const auto config = tmp.path / "s3cfg";
  {
    std::ofstream c(config);
    c << "[default]\naccess_key = " << served.info["access_key"].get<std::string>()
      << "\nsecret_key = " << served.info["secret_key"].get<std::string>() << "\nhost_base = " << served.host_port()
      << "\nhost_bucket = " << served.host_port()  // no %(bucket)s: path style
      << "\nuse_https = False\nsignature_v2 = False\nbucket_location = us-east-1\nmultipart_chunk_size_mb = 5\n";
    REQUIRE(c);
  }
  auto run = [&](std::vector<std::string> args) -> CommandResult {
    std::vector<std::string> argv{"/usr/bin/env", "HOME=" + tmp.path.string(), s3cmd, "-c", config.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_command(argv, std::chrono::seconds(120));
    UNSCOPED_INFO("$ s3cmd " << args[0] << " -> exit " << r.exit_code << (r.timed_out ? " (timed out)" : "") << "\n"
                             << r.out << r.err.substr(0, 4000));
    return r;
  };
  const std::string data = random_bytes((12u << 20) + 777, 5);
  write_file(tmp.path / "big.bin", data);
  REQUIRE(run({"mb", "s3://s3cmd-bucket"}).exit_code == 0);
  const auto put = run({"--debug", "put", (tmp.path / "big.bin").string(), "s3://s3cmd-bucket/dir/big.bin"});
  REQUIRE(put.exit_code == 0);
  CHECK(put.err.find("Upload finished: 3 parts") != std::string::npos);  // multipart, 5 MiB parts
  REQUIRE(run({"get", "--force", "s3://s3cmd-bucket/dir/big.bin", (tmp.path / "big.down").string()}).exit_code == 0);
  CHECK(stalemate::sha256_hex(slurp(tmp.path / "big.down")) == stalemate::sha256_hex(data));
  const auto ls = run({"ls", "s3://s3cmd-bucket/dir/"});
  REQUIRE(ls.exit_code == 0);
  CHECK(ls.out.find(std::to_string(data.size())) != std::string::npos);
  CHECK(ls.out.find("s3://s3cmd-bucket/dir/big.bin") != std::string::npos);
  // SigV2 is refused as a SigV4-only AWS region refuses it: s3cmd's HEAD gets a bodiless 400 and gives up.
  const auto v2 = run({"--signature-v2", "get", "--force", "s3://s3cmd-bucket/dir/big.bin",
                       (tmp.path / "v2.down").string()});
  CHECK(v2.exit_code != 0);
  CHECK(v2.err.find("400") != std::string::npos);
  REQUIRE(run({"del", "s3://s3cmd-bucket/dir/big.bin"}).exit_code == 0);
  CHECK(run({"rb", "s3://s3cmd-bucket"}).exit_code == 0);
  served.stop();
}

TEST_CASE("serve --s3 --domain: virtual-host requests beside path style; --domain needs --s3", "[integration][s3]") {
  ServedS3 served({"--domain", "s3.test"});
  CHECK(served.info["domain"] == "s3.test");
  const auto port = static_cast<unsigned short>(std::stoi(served.host_port().substr(served.host_port().rfind(':') + 1)));
  const s3_test::Signer signer;  // serve's default credentials
  // One signed request on the wire, answered and closed: the status line and the body.
  auto exchange = [&](const std::string& method, const std::string& target, const std::string& host,
                      std::string body = {}) {
    const auto req = s3_test::make_signed(signer, method, target, {}, std::move(body),
                                          s3_test::amz_date_of(std::time(nullptr)), host);
    std::string wire = method + " " + target + " HTTP/1.1\r\n";
    for (const auto& [name, value] : req.headers) wire += name + ": " + value + "\r\n";
    wire += "Connection: close\r\n\r\n" + req.body.str();
    stalemate::test::RawConnection c(port);
    c.send(wire);
    return c.read_to_eof();
  };
  const std::string vhost = "vbucket.s3.test:" + std::to_string(port);
  CHECK(exchange("PUT", "/", vhost).rfind("HTTP/1.1 200", 0) == 0);
  CHECK(exchange("PUT", "/key", vhost, "hosted").rfind("HTTP/1.1 200", 0) == 0);
  const auto path_style = exchange("GET", "/vbucket/key", served.host_port());
  CHECK(path_style.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(path_style.find("\r\n\r\nhosted") != std::string::npos);
  CHECK(exchange("GET", "/?list-type=2", vhost).find("<Key>key</Key>") != std::string::npos);
  served.stop();

  const auto refused = run_command({STALEMATE_BINARY, "serve", "--swift", "127.0.0.1:0", "--domain", "s3.test"},
                                   std::chrono::seconds(30));
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find("--domain: only with --s3") != std::string::npos);
}
