// Checker: Docker-Content-Digest names the blob or manifest asked for (on
// reads and redirects) or the one sent (on the 201 of a commit or a manifest
// PUT).
#include "harness/checkers.h"

namespace stalemate::harness {

namespace {

constexpr const char* kName = "digest-header";
constexpr const char* kInvariant = "docker-content-digest";

// The 201 of a PUT naming another digest than the one sent.
void check_put(const Fact& f, const std::string& expected_text, std::vector<Violation>& out) {
  const auto& dcd = f.seen.docker_content_digest;
  if (dcd.empty() || dcd == f.expected.digest) return;
  out.push_back(violation_at(f,
                             {kInvariant, "PUT " + f.text + " returned 201 with Docker-Content-Digest " +
                                              short_digest(dcd) + " (" + expected_text + " " +
                                              short_digest(f.expected.digest) + ")"},
                             kName, 0));
}

}  // namespace

CheckResult check_digest_header(const HistoryView& h) {
  std::vector<Violation> out;
  for (const auto& f : h.facts) {
    switch (f.kind) {
      case FactKind::BlobGet: keep_findings(f, check_blob_get(f.expected, f.seen), kInvariant, kName, out); break;
      case FactKind::BlobRange: keep_findings(f, check_blob_range(f.expected, f.seen), kInvariant, kName, out); break;
      case FactKind::BlobHead: keep_findings(f, check_blob_head(f.expected, f.seen), kInvariant, kName, out); break;
      case FactKind::ManifestGet:
        keep_findings(f, check_manifest_get(f.expected, f.by_digest, f.seen), kInvariant, kName, out);
        break;
      case FactKind::Redirect: {
        const auto& dcd = f.seen.docker_content_digest;
        if (!dcd.empty() && dcd != f.expected.digest)
          out.push_back(violation_at(f,
                                     {kInvariant, describe_response(f.seen) + " and Docker-Content-Digest " +
                                                      short_digest(dcd) + " (expected " +
                                                      short_digest(f.expected.digest) + ")"},
                                     kName, 0));
        break;
      }
      case FactKind::BlobCommit: check_put(f, "expected", out); break;
      case FactKind::ManifestPut: check_put(f, "the manifest's sha256 is", out); break;
      default: break;
    }
  }
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
