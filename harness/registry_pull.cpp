// RegistryClient pulls: manifest, HEAD and GET of every blob (plain, or the
// way a pull profile fetches them), each recorded as an operation; and the
// verification of what was acknowledged.
#include "common/crypto.h"
#include "harness/registry_client_impl.h"

namespace stalemate::harness {

using namespace client_detail;

namespace {
const char* const kManifestAccept =
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";
}  // namespace

// GET of one blob, following redirects, streaming through SHA-256, checked.
// Returns "" when it read back intact; else the first error or violation.
RegistryClient::Impl::Outcome RegistryClient::Impl::get_blob(const std::string& operation, const std::string& repo,
                                                             const Descriptor& d) {
  const BlobExpectation expected{d.digest, d.size};
  std::string url = blob_url(repo, d.digest);
  for (int hop = 0;; ++hop) {
    ClientRequest req;
    req.url = url;
    StreamingDigest sha("sha256");
    const BodySink sink = [&sha](const char* data, std::size_t n) { sha.update(data, n); };
    auto ex = perform(operation, req, {200, 301, 302, 303, 307, 308}, sink, kKeepErrorBody, false,
                      hop ? "redirect hop " + std::to_string(hop) : std::string());
    const auto& r = ex.response;
    req.url = ex.url.empty() ? url : ex.url;
    if (!ex.ok) return outcome_of(ex.error, ex.index, req, r);
    BlobObservation seen;
    seen.method = "GET";
    seen.url = req.url;
    seen.status = r.status;
    seen.content_length = content_length_of(r.headers);
    seen.docker_content_digest = r.header("Docker-Content-Digest");
    seen.bytes_received = r.body_bytes;
    seen.complete = r.complete;
    seen.seen_digest = "sha256:" + sha.hex_final();

    if (is_redirect(r.status)) {
      // The registry's own headers ride on the redirect.
      std::vector<Finding> findings;
      if (!seen.docker_content_digest.empty() && seen.docker_content_digest != d.digest)
        findings.push_back({"docker-content-digest", describe_response(seen) + " and Docker-Content-Digest " +
                                                         short_digest(seen.docker_content_digest) + " (expected " +
                                                         short_digest(d.digest) + ")"});
      record_fact(FactKind::Redirect, ex.index, seen, r.headers, expected);
      if (!r.has_header("Location")) {
        history.mark(ex.index, "error", "redirect without Location");
        return outcome_of(operation + ": GET " + path_of(url) + " returned " + std::to_string(r.status) +
                              " without Location",
                          ex.index, req, r);
      }
      if (hop >= kMaxRedirects) {
        history.mark(ex.index, "error", "too many redirects");
        return outcome_of(operation + ": GET " + path_of(blob_url(repo, d.digest)) + ": more than " +
                              std::to_string(kMaxRedirects) + " redirects",
                          ex.index, req, r);
      }
      const std::string next = resolve_location(req.url, r.header("Location"));
      history.mark(ex.index, "ok", "redirect to " + next);
      url = next;
      if (!findings.empty()) return outcome_of(findings.front().message, ex.index, req, r);
      continue;
    }
    const auto findings = check_blob_get(expected, seen);
    record_fact(FactKind::BlobGet, ex.index, seen, r.headers, expected);
    return outcome_of(findings.empty() ? std::string() : findings.front().message, ex.index, req, r);
  }
}

RegistryClient::Impl::HeadOutcome RegistryClient::Impl::head_blob(const std::string& operation, const std::string& repo,
                                                                  const Descriptor& d) {
  ClientRequest req;
  req.method = "HEAD";
  req.url = blob_url(repo, d.digest);
  // A HEAD may redirect too (storage redirects); a 307 has no size to check.
  auto ex = perform(operation, req, {200, 307}, {}, kKeepErrorBody);
  if (!ex.ok) return {ex.error, std::nullopt};
  if (ex.response.status != 200) return {};
  BlobObservation seen;
  seen.method = "HEAD";
  seen.url = ex.url;
  seen.status = ex.response.status;
  seen.content_length = content_length_of(ex.response.headers);
  seen.docker_content_digest = ex.response.header("Docker-Content-Digest");
  seen.complete = ex.response.complete;
  const BlobExpectation expected{d.digest, d.size};
  const auto findings = check_blob_head(expected, seen);
  record_fact(FactKind::BlobHead, ex.index, seen, ex.response.headers, expected);
  return {findings.empty() ? std::string() : findings.front().message, seen.content_length};
}

// GET of a manifest, checked against the expected bytes' digest.
RegistryClient::Impl::Outcome RegistryClient::Impl::get_manifest(const std::string& operation, const std::string& repo,
                                                                 const std::string& reference, bool by_digest,
                                                                 const std::string& expected_digest,
                                                                 std::uint64_t expected_size) {
  ClientRequest req;
  req.url = base_url + "/v2/" + repo + "/manifests/" + reference;
  req.headers["Accept"] = kManifestAccept;
  auto ex = perform(operation, req, {200}, {}, 16u << 20, false);
  if (!ex.url.empty()) req.url = ex.url;
  if (!ex.ok) return outcome_of(ex.error, ex.index, req, ex.response);
  const auto& r = ex.response;
  auto seen = observe("GET", req.url, r.status, r.headers, r.body, r.complete);
  seen.bytes_received = r.body_bytes;
  const BlobExpectation expected{expected_digest, expected_size};
  const auto findings = check_manifest_get(expected, by_digest, seen);
  record_fact(FactKind::ManifestGet, ex.index, seen, r.headers, expected, {}, {}, by_digest);
  if (!findings.empty()) return outcome_of(findings.front().message, ex.index, req, r);
  if (!r.complete) {
    history.mark(ex.index, "error", r.error);
    return outcome_of(operation + ": GET " + path_of(req.url) + " returned 200 but the body was cut: " + r.error,
                      ex.index, req, r);
  }
  return outcome_of({}, ex.index, req, r);
}

namespace {
// Accumulates the result of the blobs of one pull.
struct PullTally {
  PullResult result;
  bool client_failed = false;
  void note(const std::string& err) {
    if (!err.empty() && result.error.empty()) result.error = err;
  }
  void client_failure(const std::string& err) {
    client_failed = true;
    if (result.client_error.empty()) result.client_error = err;
  }
  PullResult finish() {
    result.ok = result.error.empty();
    result.client_ok = !client_failed;
    return result;
  }
};

// HEAD, then GET of one blob the way options.profile says, tallied.
// (A template only because RegistryClient::Impl is private to the class.)
template <class ClientImpl>
void pull_blob(ClientImpl& impl, PullTally& tally, const std::string& repo, const BlobSource& src,
               const PullOptions& options) {
  using Op = typename ClientImpl::OpScope;
  const auto& d = src.descriptor;
  std::optional<std::uint64_t> head_size;
  {
    Op op(impl, "pull-blob-head", repo, d.digest, d.size);
    const auto head = impl.head_blob("pull-blob-head", repo, d);
    op.finish(head.error);
    tally.note(head.error);
    head_size = head.size;
  }
  Op op(impl, "pull-blob", repo, d.digest, d.size);
  if (options.profile == PullProfile::Plain) {
    const auto err = impl.get_blob("pull-blob", repo, d).error;
    op.finish(err);
    tally.note(err);
    if (!err.empty()) tally.client_failure(err);
    return;
  }
  const auto f = impl.fetch_blob(repo, src, options, head_size);
  // What the modelled client concluded (Docker may verify after a retry).
  op.finish(f.client_ok ? std::string() : (f.client_error.empty() ? f.error : f.client_error));
  tally.note(f.error);
  if (!f.client_ok) tally.client_failure(f.client_error.empty() ? f.error : f.client_error);
  tally.result.resumes += f.resumes;
  tally.result.retries += f.retries;
}
}  // namespace

PullResult RegistryClient::Impl::pull(const ImageSpec& image, PullBy by, const PullOptions& options) {
  PullTally tally;
  const auto b = image_of(image);
  const bool by_digest = by == PullBy::Digest;
  OpScope op(*this, "pull-manifest", image.repository, b->manifest_digest, b->manifest.size());
  const auto manifest = get_manifest("pull-manifest", image.repository, by_digest ? b->manifest_digest : image.tag,
                                     by_digest, b->manifest_digest, b->manifest.size());
  op.finish(manifest.error);
  tally.note(manifest.error);
  if (!manifest.error.empty()) tally.client_failure(manifest.error);
  // The blobs are checked against the descriptors of the image as built
  // (its true bytes), even when the manifest read went wrong.
  for (const auto& src : sources_of(*b)) pull_blob(*this, tally, image.repository, src, options);
  return tally.finish();
}

std::string RegistryClient::Impl::delete_manifest(const ImageSpec& image) {
  const auto b = image_of(image);
  OpScope op(*this, "delete-manifest", image.repository, b->manifest_digest, 0);
  ClientRequest req;
  req.method = "DELETE";
  req.url = base_url + "/v2/" + image.repository + "/manifests/" + b->manifest_digest;
  const auto ex = perform("delete-manifest", req, {202});
  op.finish(ex.ok ? "" : ex.error);
  return ex.ok ? "" : ex.error;
}

PullResult RegistryClient::Impl::pull_layer(const ImageSpec& image, std::size_t layer, const PullOptions& options) {
  PullTally tally;
  const auto b = image_of(image);
  if (layer >= b->layers.size()) {
    tally.note("pull_layer: the image has no layer " + std::to_string(layer));
    tally.client_failure(tally.result.error);
    return tally.finish();
  }
  pull_blob(*this, tally, image.repository, BlobSource{b->layers[layer], b->layer_contents[layer], {}}, options);
  return tally.finish();
}

std::size_t RegistryClient::Impl::verify_acknowledged() {
  const auto blobs = acked.blobs();
  const auto manifests = acked.manifests();
  // A read that does not come back intact is an acknowledged-readable finding
  // (check_acknowledged.cpp).
  std::size_t broken = 0;
  for (const auto& m : manifests) {
    OpScope op(*this, "verify-manifest", m.repository, m.digest, m.bytes.size());
    const auto out = get_manifest("verify-manifest", m.repository, m.digest, true, m.digest, m.bytes.size());
    op.finish(out.error);
    broken += !out.error.empty();
  }
  for (const auto& blob : blobs) {
    const auto& d = blob.source.descriptor;
    OpScope op(*this, "verify-blob", blob.repository, d.digest, d.size);
    const auto out = get_blob("verify-blob", blob.repository, d);
    op.finish(out.error);
    broken += !out.error.empty();
  }
  return broken;
}

}  // namespace stalemate::harness
