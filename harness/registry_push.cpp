// RegistryClient pushes: blob uploads (monolithic or chunked PATCH, then PUT
// ?digest=), the manifest PUT, and the retries of the push profiles.
#include <chrono>
#include <thread>

#include "harness/registry_client_impl.h"

namespace stalemate::harness {

using namespace client_detail;

namespace {

constexpr int kDockerdAttempts = 5;  // moby: maxUploadAttempts

int max_attempts_of(PushProfile p) { return p == PushProfile::Dockerd ? kDockerdAttempts : 1; }

// dockerd's back-off before attempt n (n >= 2): 200 ms, 400 ms, 800 ms, 1.6 s.
// A real client waits; this is not test synchronisation.
void back_off(int next_attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(200) * (1 << (next_attempt - 2)));
}

std::string retry_note(const std::string& what, int attempt, int max_attempts, const std::string& previous_error) {
  return "attempt " + std::to_string(attempt) + " of " + std::to_string(max_attempts) + " for " + what +
         " after: " + previous_error;
}

}  // namespace

RegistryClient::Impl::BlobPushError RegistryClient::Impl::push_blob(const std::string& repo, const BlobSource& src,
                                                                    const PushOptions& options, int attempt,
                                                                    int max_attempts,
                                                                    const std::string& previous_error) {
  const auto& d = src.descriptor;
  auto failed = [](const Exchange& ex) { return BlobPushError{ex.error, true}; };
  auto broken = [](std::string err) { return BlobPushError{std::move(err), false}; };
  if (attempt == 1) {
    ClientRequest head;
    head.method = "HEAD";
    head.url = blob_url(repo, d.digest);
    auto ex = perform("push-blob-head", head, {200, 404});
    if (!ex.ok) return failed(ex);
    if (ex.response.status == 200) {
      const auto cl = content_length_of(ex.response.headers);
      if (cl && *cl == d.size) return {};  // already there, like docker: skip
      history.mark(ex.index, "ok", "exists with size " + (cl ? std::to_string(*cl) : "?") + ", uploading again");
    }
  }

  std::string location;
  {
    ClientRequest post;
    post.method = "POST";
    post.url = base_url + "/v2/" + repo + "/blobs/uploads/";
    // A retry starts over with a new upload session (a new POST).
    auto ex = attempt == 1 ? perform("push-upload-start", post, {202})
                           : perform("push-retry", post, {202}, {}, 1u << 20, true,
                                     retry_note("blob " + short_digest(d.digest), attempt, max_attempts,
                                                previous_error));
    if (!ex.ok) return failed(ex);
    if (!ex.response.has_header("Location")) {
      history.mark(ex.index, "error", "202 without Location");
      return broken("push-upload-start: POST returned 202 without Location");
    }
    location = resolve_location(ex.url, ex.response.header("Location"));
  }

  BlobPushError err;
  if (options.mode == PushMode::Monolithic) {
    err = options.second_writer == SecondWriter::None ? patch_upload(location, src, 0, d.size, true)
                                                      : patch_two_writers(location, src, options.second_writer);
  } else {
    const std::uint64_t chunk = std::max<std::uint64_t>(1, options.chunk_size);
    for (std::uint64_t start = 0; start < d.size && err.error.empty(); start += chunk)
      err = patch_upload(location, src, start, std::min(chunk, d.size - start), false);
  }
  if (err.error.empty()) err = commit_upload(repo, src, location);
  // The URL of the last answer: its `_state` carries the offset the registry acknowledged.
  if (!err.error.empty() && options.cancel_failed_uploads) cancel_upload(location);
  return err;
}

// The PUT ?digest= that commits an upload; the blob is acknowledged on its 201.
RegistryClient::Impl::BlobPushError RegistryClient::Impl::commit_upload(const std::string& repo,
                                                                        const BlobSource& src,
                                                                        const std::string& location) {
  const auto& d = src.descriptor;
  ClientRequest put;
  put.method = "PUT";
  put.url = with_query(location, "digest", d.digest);
  auto ex = perform("push-commit", put, {201});
  if (!ex.ok) return {ex.error, true};
  const std::string dcd = ex.response.header("Docker-Content-Digest");
  BlobObservation seen;
  seen.method = "PUT";
  seen.url = ex.url;
  seen.status = ex.response.status;
  seen.content_length = content_length_of(ex.response.headers);
  seen.docker_content_digest = dcd;
  record_fact(FactKind::BlobCommit, ex.index, seen, ex.response.headers, {d.digest, d.size}, path_of(ex.url));
  if (!dcd.empty() && dcd != d.digest) {
    return {"PUT " + path_of(ex.url) + " returned 201 with Docker-Content-Digest " + short_digest(dcd) +
                " (expected " + short_digest(d.digest) + ")",
            false};
  }
  acked.blob(repo, src);
  return {};
}

// One PATCH of an upload (a Content-Range chunk, or the whole layer with
// chunked transfer encoding); location moves to the answer's.
RegistryClient::Impl::BlobPushError RegistryClient::Impl::patch_upload(std::string& location, const BlobSource& src,
                                                                     std::uint64_t start, std::uint64_t n,
                                                                     bool chunked_te) {
  ClientRequest req;
  req.method = "PATCH";
  req.url = location;
  req.headers["Content-Type"] = "application/octet-stream";
  std::string note;
  if (!chunked_te) {
    const std::string cr = std::to_string(start) + "-" + std::to_string(start + n - 1);
    req.headers["Content-Range"] = cr;
    note = "Content-Range " + cr;
  }
  req.generator = [&src, start](std::uint64_t off, char* buf, std::size_t len) { src.fill(start + off, buf, len); };
  req.generator_size = n;
  req.chunked = chunked_te;
  auto ex = perform("push-patch", req, {202}, {}, 1u << 20, true, note);
  if (!ex.ok) return {ex.error, true};
  if (!chunked_te) {
    const std::string want = "0-" + std::to_string(start + n - 1);
    const std::string got = ex.response.header("Range");
    if (got != want) {
      const std::string err = "push-patch: Range " + (got.empty() ? std::string("missing") : got) + " after " +
                              note + ", expected " + want;
      history.mark(ex.index, "error", err);
      return {err, false};
    }
  }
  if (!ex.response.has_header("Location")) {
    history.mark(ex.index, "error", "202 without Location");
    return {"push-patch: PATCH returned 202 without Location", false};
  }
  location = resolve_location(ex.url, ex.response.header("Location"));
  return {};
}

PushResult RegistryClient::Impl::push(const ImageSpec& image, const PushOptions& options) {
  PushResult result;
  const auto b = image_of(image);
  result.manifest_digest = b->manifest_digest;
  const int max_attempts = max_attempts_of(options.profile);
  for (const auto& src : sources_of(*b)) {
    std::string previous;
    for (int attempt = 1;; ++attempt) {
      OpScope op(*this, "push-blob", image.repository, src.descriptor.digest, src.descriptor.size);
      const auto err = push_blob(image.repository, src, options, attempt, max_attempts, previous);
      op.finish(err.error);
      if (err.error.empty()) break;
      if (!err.retryable || attempt >= max_attempts) {
        result.error = attempt > 1 ? err.error + " (attempt " + std::to_string(attempt) + " of " +
                                         std::to_string(max_attempts) + ")"
                                   : err.error;
        return result;
      }
      previous = err.error;
      ++result.attempts;
      back_off(attempt + 1);
    }
  }
  std::string previous;
  for (int attempt = 1;; ++attempt) {
    ClientRequest put;
    put.method = "PUT";
    put.url = base_url + "/v2/" + image.repository + "/manifests/" + image.tag;
    put.headers["Content-Type"] = b->manifest_media_type;
    put.body = b->manifest;
    OpScope op(*this, "push-manifest", image.repository, b->manifest_digest, b->manifest.size());
    auto ex = attempt == 1 ? perform("push-manifest", put, {201})
                           : perform("push-retry", put, {201}, {}, 1u << 20, true,
                                     retry_note("manifest " + image.repository + ":" + image.tag, attempt,
                                                max_attempts, previous));
    if (!ex.ok) {
      op.finish(ex.error);
      if (attempt >= max_attempts) {
        result.error = attempt > 1 ? ex.error + " (attempt " + std::to_string(attempt) + " of " +
                                         std::to_string(max_attempts) + ")"
                                   : ex.error;
        return result;
      }
      previous = ex.error;
      ++result.attempts;
      back_off(attempt + 1);
      continue;
    }
    const std::string dcd = ex.response.header("Docker-Content-Digest");
    if (dcd != b->manifest_digest) {
      BlobObservation seen;
      seen.method = "PUT";
      seen.url = ex.url;
      seen.status = ex.response.status;
      seen.docker_content_digest = dcd;
      Finding f{"docker-content-digest",
                "PUT " + path_of(ex.url) + " returned 201 with Docker-Content-Digest " +
                    (dcd.empty() ? std::string("missing") : short_digest(dcd)) + " (the manifest's sha256 is " +
                    short_digest(b->manifest_digest) + ")"};
      if (dcd.empty()) {
        history.mark(ex.index, "error", f.message);
      } else {
        record_fact(FactKind::ManifestPut, ex.index, seen, ex.response.headers,
                    {b->manifest_digest, b->manifest.size()}, path_of(ex.url));
      }
      op.finish(f.message);
      result.error = f.message;
      return result;
    }
    op.finish({});
    break;
  }
  acked.manifest(image.repository, b->manifest_digest, b->manifest);
  result.ok = true;
  return result;
}

}  // namespace stalemate::harness
