#include "harness/registry_client.h"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "harness/blob_checks.h"
#include "harness/manifest.h"

namespace stalemate::harness {

namespace {

constexpr int kMaxRedirects = 5;
constexpr std::size_t kKeepErrorBody = 4096;  // kept from blob bodies, for error messages
const char* const kManifestAccept =
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

// Where a blob's bytes come from when pushing or checking.
struct BlobSource {
  Descriptor descriptor;
  std::optional<LayerContent> layer;  // a layer
  std::string bytes;                  // the config (small)

  void fill(std::uint64_t offset, char* buf, std::size_t n) const {
    if (layer) layer->fill(offset, buf, n);
    else std::copy_n(bytes.data() + offset, n, buf);
  }
};

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// scheme://host[:port] of an absolute URL.
std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

// Resolves a Location header against the URL of the request that returned it.
std::string resolve_location(const std::string& request_url, const std::string& location) {
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) return location;
  if (location.rfind("//", 0) == 0) return request_url.substr(0, request_url.find("://") + 1) + location;
  if (!location.empty() && location[0] == '/') return origin_of(request_url) + location;
  std::string dir = request_url.substr(0, request_url.find('?'));
  const auto origin_len = origin_of(request_url).size();
  const auto slash = dir.rfind('/');
  dir = (slash == std::string::npos || slash < origin_len) ? dir + "/" : dir.substr(0, slash + 1);
  return dir + location;
}

std::string path_of(const std::string& url) {
  const auto origin = origin_of(url);
  std::string p = url.substr(std::min(origin.size(), url.size()));
  return p.empty() ? "/" : p;
}

std::string with_query(const std::string& url, const std::string& key, const std::string& value) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + key + "=" + percent_encode(value, false);
}

std::string snippet(const std::string& body) {
  std::string s = body.substr(0, 300);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::string status_list(std::initializer_list<int> statuses) {
  std::string s;
  for (int st : statuses) s += (s.empty() ? "" : "/") + std::to_string(st);
  return s;
}

std::string image_key(const ImageSpec& image) {
  std::string key = std::to_string(static_cast<int>(image.format)) + "|" + std::to_string(image.config_seed);
  for (const auto& l : image.layers) key += "|" + std::to_string(l.seed) + ":" + std::to_string(l.size);
  return key;
}

}  // namespace

struct RegistryClient::Impl {
  std::string base_url;
  History& history;
  HttpClient http;

  std::mutex mu;  // guards the maps below
  std::map<std::string, std::shared_ptr<const BuiltImage>> built;
  struct AckedBlob {
    std::string repository;
    BlobSource source;
  };
  struct AckedManifest {
    std::string repository;
    std::string digest;
    std::string bytes;
  };
  std::vector<AckedBlob> acked_blobs;
  std::set<std::pair<std::string, std::string>> acked_blob_keys;
  std::vector<AckedManifest> acked_manifests;
  std::set<std::pair<std::string, std::string>> acked_manifest_keys;

  Impl(std::string base, History& h, HttpClient c) : base_url(std::move(base)), history(h), http(std::move(c)) {
    while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();
  }

  std::shared_ptr<const BuiltImage> image_of(const ImageSpec& image) {
    const auto key = image_key(image);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (auto it = built.find(key); it != built.end()) return it->second;
    }
    auto b = std::make_shared<const BuiltImage>(build_image(image));  // hashes layers: outside the lock
    std::lock_guard<std::mutex> lock(mu);
    return built.emplace(key, std::move(b)).first->second;
  }

  static std::vector<BlobSource> sources_of(const BuiltImage& b) {
    std::vector<BlobSource> out;
    out.push_back({b.config_descriptor, std::nullopt, b.config});
    for (std::size_t i = 0; i < b.layers.size(); ++i) out.push_back({b.layers[i], b.layer_contents[i], {}});
    return out;
  }

  std::string blob_url(const std::string& repo, const std::string& digest) const {
    return base_url + "/v2/" + repo + "/blobs/" + digest;
  }

  // How a read ended: "" error when intact; the last request made.
  struct Outcome {
    std::string error;
    std::size_t index = 0;
    std::string method;
    std::string url;
    Headers headers;
    std::uint64_t bytes_received = 0;
  };
  static Outcome outcome_of(std::string error, std::size_t index, const ClientRequest& req, const ClientResponse& r) {
    return {std::move(error), index, req.method, req.url, r.headers, r.body_bytes};
  }

  struct Exchange {
    std::size_t index = 0;
    ClientResponse response;
    bool ok = false;    // expected status and no transport error
    std::string error;  // why not ok
  };

  // Sends one request, records it and judges its status. Transport errors
  // after a good status line count as errors only when require_complete.
  Exchange perform(const std::string& operation, const ClientRequest& request, std::initializer_list<int> expected,
                   const BodySink& sink = {}, std::size_t keep_body = 1u << 20, bool require_complete = true,
                   const std::string& note = {}) {
    Exchange ex;
    RequestRecord rec;
    rec.operation = operation;
    rec.method = request.method;
    rec.url = request.url;
    if (auto it = request.headers.find("Range"); it != request.headers.end()) rec.range = it->second;
    rec.start_us = now_micros();
    ex.response = http.send(request, sink, keep_body);
    rec.end_us = now_micros();
    rec.status = ex.response.status;
    rec.bytes_sent = request.generator ? request.generator_size : request.body.size();
    rec.bytes_received = ex.response.body_bytes;
    const auto& r = ex.response;
    const std::string what = operation + ": " + request.method + " " + path_of(request.url);
    if (r.status == 0) {
      ex.error = what + " failed: " + r.error;
    } else if (std::find(expected.begin(), expected.end(), r.status) == expected.end()) {
      ex.error = what + " returned " + std::to_string(r.status) + " (expected " + status_list(expected) + ")";
      if (!r.body.empty()) ex.error += ": " + snippet(r.body);
    } else if (require_complete && (!r.complete || !r.error.empty())) {
      ex.error = what + " returned " + std::to_string(r.status) + " but " + (r.error.empty() ? "incomplete" : r.error);
    }
    ex.ok = ex.error.empty();
    rec.verdict = ex.ok ? "ok" : "error";
    rec.note = ex.ok ? note : (note.empty() ? ex.error : note + "; " + ex.error);
    ex.index = history.add_request(std::move(rec));
    return ex;
  }

  void add_violation(const Finding& f, std::size_t index, const BlobObservation& seen, const Headers& headers,
                     const BlobExpectation& expected) {
    Violation v;
    v.invariant = f.invariant;
    v.message = f.message;
    v.request_index = index;
    v.method = seen.method;
    v.url = seen.url;
    v.response_headers = headers;
    v.bytes_received = seen.bytes_received;
    v.expected_size = expected.size;
    v.expected_digest = expected.digest;
    v.seen_digest = seen.seen_digest;
    history.add_violation(std::move(v));
  }

  // ---- push ----

  // Returns "" on success, else the first error.
  std::string push_blob(const std::string& repo, const BlobSource& src, const PushOptions& options) {
    const auto& d = src.descriptor;
    {
      ClientRequest head;
      head.method = "HEAD";
      head.url = blob_url(repo, d.digest);
      auto ex = perform("push-blob-head", head, {200, 404});
      if (!ex.ok) return ex.error;
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
      auto ex = perform("push-upload-start", post, {202});
      if (!ex.ok) return ex.error;
      if (!ex.response.has_header("Location")) {
        history.mark(ex.index, "error", "202 without Location");
        return "push-upload-start: POST returned 202 without Location";
      }
      location = resolve_location(post.url, ex.response.header("Location"));
    }

    auto patch = [&](std::uint64_t start, std::uint64_t n, bool chunked_te) -> std::string {
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
      if (!ex.ok) return ex.error;
      if (!chunked_te) {
        const std::string want = "0-" + std::to_string(start + n - 1);
        const std::string got = ex.response.header("Range");
        if (got != want) {
          const std::string err = "push-patch: Range " + (got.empty() ? std::string("missing") : got) + " after " +
                                  note + ", expected " + want;
          history.mark(ex.index, "error", err);
          return err;
        }
      }
      if (!ex.response.has_header("Location")) {
        history.mark(ex.index, "error", "202 without Location");
        return "push-patch: PATCH returned 202 without Location";
      }
      location = resolve_location(location, ex.response.header("Location"));
      return {};
    };

    if (options.mode == PushMode::Monolithic) {
      if (auto err = patch(0, d.size, true); !err.empty()) return err;
    } else {
      const std::uint64_t chunk = std::max<std::uint64_t>(1, options.chunk_size);
      for (std::uint64_t start = 0; start < d.size; start += chunk)
        if (auto err = patch(start, std::min(chunk, d.size - start), false); !err.empty()) return err;
    }

    ClientRequest put;
    put.method = "PUT";
    put.url = with_query(location, "digest", d.digest);
    auto ex = perform("push-commit", put, {201});
    if (!ex.ok) return ex.error;
    const std::string dcd = ex.response.header("Docker-Content-Digest");
    if (!dcd.empty() && dcd != d.digest) {
      BlobObservation seen;
      seen.method = "PUT";
      seen.url = put.url;
      seen.status = ex.response.status;
      seen.content_length = content_length_of(ex.response.headers);
      seen.docker_content_digest = dcd;
      Finding f{"docker-content-digest", "PUT " + path_of(put.url) + " returned 201 with Docker-Content-Digest " +
                                             short_digest(dcd) + " (expected " + short_digest(d.digest) + ")"};
      add_violation(f, ex.index, seen, ex.response.headers, {d.digest, d.size});
      return f.message;
    }
    remember_blob(repo, src);
    return {};
  }

  void remember_blob(const std::string& repo, const BlobSource& src) {
    std::lock_guard<std::mutex> lock(mu);
    if (acked_blob_keys.emplace(repo, src.descriptor.digest).second) acked_blobs.push_back({repo, src});
  }

  void remember_manifest(const std::string& repo, const std::string& digest, const std::string& bytes) {
    std::lock_guard<std::mutex> lock(mu);
    if (acked_manifest_keys.emplace(repo, digest).second) acked_manifests.push_back({repo, digest, bytes});
  }

  PushResult push(const ImageSpec& image, const PushOptions& options) {
    PushResult result;
    const auto b = image_of(image);
    result.manifest_digest = b->manifest_digest;
    for (const auto& src : sources_of(*b)) {
      if (auto err = push_blob(image.repository, src, options); !err.empty()) {
        result.error = err;
        return result;
      }
    }
    ClientRequest put;
    put.method = "PUT";
    put.url = base_url + "/v2/" + image.repository + "/manifests/" + image.tag;
    put.headers["Content-Type"] = b->manifest_media_type;
    put.body = b->manifest;
    auto ex = perform("push-manifest", put, {201});
    if (!ex.ok) {
      result.error = ex.error;
      return result;
    }
    const std::string dcd = ex.response.header("Docker-Content-Digest");
    if (dcd != b->manifest_digest) {
      BlobObservation seen;
      seen.method = "PUT";
      seen.url = put.url;
      seen.status = ex.response.status;
      seen.docker_content_digest = dcd;
      Finding f{"docker-content-digest",
                "PUT " + path_of(put.url) + " returned 201 with Docker-Content-Digest " +
                    (dcd.empty() ? std::string("missing") : short_digest(dcd)) + " (the manifest's sha256 is " +
                    short_digest(b->manifest_digest) + ")"};
      if (dcd.empty()) {
        history.mark(ex.index, "error", f.message);
      } else {
        add_violation(f, ex.index, seen, ex.response.headers, {b->manifest_digest, b->manifest.size()});
      }
      result.error = f.message;
      return result;
    }
    remember_manifest(image.repository, b->manifest_digest, b->manifest);
    result.ok = true;
    return result;
  }

  // ---- pull / verify ----

  // GET of one blob, following redirects, streaming through SHA-256, checked.
  // Returns "" when it read back intact; else the first error or violation.
  Outcome get_blob(const std::string& operation, const std::string& repo, const Descriptor& d) {
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
      if (!ex.ok) return outcome_of(ex.error, ex.index, req, r);
      BlobObservation seen;
      seen.method = "GET";
      seen.url = url;
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
        for (const auto& f : findings) add_violation(f, ex.index, seen, r.headers, expected);
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
        const std::string next = resolve_location(url, r.header("Location"));
        history.mark(ex.index, "ok", "redirect to " + next);
        url = next;
        if (!findings.empty()) return outcome_of(findings.front().message, ex.index, req, r);
        continue;
      }
      const auto findings = check_blob_get(expected, seen);
      for (const auto& f : findings) add_violation(f, ex.index, seen, r.headers, expected);
      return outcome_of(findings.empty() ? std::string() : findings.front().message, ex.index, req, r);
    }
  }

  std::string head_blob(const std::string& operation, const std::string& repo, const Descriptor& d) {
    ClientRequest req;
    req.method = "HEAD";
    req.url = blob_url(repo, d.digest);
    // A HEAD may redirect too (storage redirects); a 307 has no size to check.
    auto ex = perform(operation, req, {200, 307}, {}, kKeepErrorBody);
    if (!ex.ok) return ex.error;
    if (ex.response.status != 200) return {};
    BlobObservation seen;
    seen.method = "HEAD";
    seen.url = req.url;
    seen.status = ex.response.status;
    seen.content_length = content_length_of(ex.response.headers);
    seen.docker_content_digest = ex.response.header("Docker-Content-Digest");
    seen.complete = ex.response.complete;
    const BlobExpectation expected{d.digest, d.size};
    const auto findings = check_blob_head(expected, seen);
    for (const auto& f : findings) add_violation(f, ex.index, seen, ex.response.headers, expected);
    return findings.empty() ? std::string() : findings.front().message;
  }

  // GET of a manifest, checked against the expected bytes' digest.
  Outcome get_manifest(const std::string& operation, const std::string& repo, const std::string& reference,
                           bool by_digest, const std::string& expected_digest, std::uint64_t expected_size) {
    ClientRequest req;
    req.url = base_url + "/v2/" + repo + "/manifests/" + reference;
    req.headers["Accept"] = kManifestAccept;
    auto ex = perform(operation, req, {200}, {}, 16u << 20, false);
    if (!ex.ok) return outcome_of(ex.error, ex.index, req, ex.response);
    const auto& r = ex.response;
    auto seen = observe("GET", req.url, r.status, r.headers, r.body, r.complete);
    seen.bytes_received = r.body_bytes;
    const BlobExpectation expected{expected_digest, expected_size};
    const auto findings = check_manifest_get(expected, by_digest, seen);
    for (const auto& f : findings) add_violation(f, ex.index, seen, r.headers, expected);
    if (!findings.empty()) return outcome_of(findings.front().message, ex.index, req, r);
    if (!r.complete) {
      history.mark(ex.index, "error", r.error);
      return outcome_of(operation + ": GET " + path_of(req.url) + " returned 200 but the body was cut: " + r.error,
                        ex.index, req, r);
    }
    return outcome_of({}, ex.index, req, r);
  }

  PullResult pull(const ImageSpec& image, PullBy by) {
    PullResult result;
    const auto b = image_of(image);
    auto note = [&](const std::string& err) {
      if (!err.empty() && result.error.empty()) result.error = err;
    };
    const bool by_digest = by == PullBy::Digest;
    note(get_manifest("pull-manifest", image.repository, by_digest ? b->manifest_digest : image.tag, by_digest,
                      b->manifest_digest, b->manifest.size())
             .error);
    // The blobs are checked against the descriptors of the image as built
    // (its true bytes), even when the manifest read went wrong.
    for (const auto& src : sources_of(*b)) {
      note(head_blob("pull-blob-head", image.repository, src.descriptor));
      note(get_blob("pull-blob", image.repository, src.descriptor).error);
    }
    result.ok = result.error.empty();
    return result;
  }

  std::size_t verify_acknowledged() {
    std::vector<AckedBlob> blobs;
    std::vector<AckedManifest> manifests;
    {
      std::lock_guard<std::mutex> lock(mu);
      blobs = acked_blobs;
      manifests = acked_manifests;
    }
    std::size_t broken = 0;
    auto record = [&](const std::string& what, const std::string& repo, const std::string& digest,
                      std::uint64_t size, const Outcome& out) {
      ++broken;
      Violation v;
      v.invariant = "acknowledged-readable";
      v.message = what + " " + repo + "@" + short_digest(digest) +
                  " was acknowledged with 201 but does not read back intact: " + out.error;
      v.request_index = out.index;
      v.method = out.method;
      v.url = out.url;
      v.response_headers = out.headers;
      v.bytes_received = out.bytes_received;
      v.expected_size = size;
      v.expected_digest = digest;
      history.add_violation(std::move(v));
    };
    for (const auto& m : manifests) {
      const auto out = get_manifest("verify-manifest", m.repository, m.digest, true, m.digest, m.bytes.size());
      if (!out.error.empty()) record("manifest", m.repository, m.digest, m.bytes.size(), out);
    }
    for (const auto& blob : blobs) {
      const auto& d = blob.source.descriptor;
      const auto out = get_blob("verify-blob", blob.repository, d);
      if (!out.error.empty()) record("blob", blob.repository, d.digest, d.size, out);
    }
    return broken;
  }
};

RegistryClient::RegistryClient(std::string base_url, History& history, HttpClient http)
    : impl_(std::make_unique<Impl>(std::move(base_url), history, std::move(http))) {}
RegistryClient::~RegistryClient() = default;

PushResult RegistryClient::push(const ImageSpec& image, const PushOptions& options) {
  return impl_->push(image, options);
}
PullResult RegistryClient::pull(const ImageSpec& image, PullBy by) { return impl_->pull(image, by); }
std::size_t RegistryClient::verify_acknowledged() { return impl_->verify_acknowledged(); }

}  // namespace stalemate::harness
