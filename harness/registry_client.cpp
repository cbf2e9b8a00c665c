// RegistryClient: requests and routing, plain pulls, verification of what was
// acknowledged. Pushes are in registry_push.cpp, the pull profiles in
// blob_fetch.cpp.
#include "harness/registry_client.h"

#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "harness/registry_client_impl.h"

namespace stalemate::harness {

namespace client_detail {

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

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

}  // namespace client_detail

using namespace client_detail;

namespace {

const char* const kManifestAccept =
    "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

std::string image_key(const ImageSpec& image) {
  std::string key = std::to_string(static_cast<int>(image.format)) + "|" + std::to_string(image.config_seed);
  for (const auto& l : image.layers) key += "|" + std::to_string(l.seed) + ":" + std::to_string(l.size);
  return key;
}

bool cannot_connect(const ClientResponse& r) {
  return r.status == 0 && (r.error.rfind("connect", 0) == 0 || r.error.rfind("resolve", 0) == 0);
}

}  // namespace

RegistryClient::Impl::Impl(std::vector<std::string> bases, History& h, Routing r, HttpClient c)
    : router(std::move(bases), r), base_url(router.base_url()), history(h), http(std::move(c)) {
  client_id = history.new_client();
}

namespace {
// How an operation that ended with `error` completed, judged by its last request.
OpOutcome outcome_after(const std::string& error, bool sent, int status, bool connect_failed, bool complete) {
  if (error.empty()) return OpOutcome::Ok;
  if (!sent) return OpOutcome::Fail;  // nothing was sent
  if (status == 0) return connect_failed ? OpOutcome::Fail : OpOutcome::Unknown;
  if (status >= 500 || !complete) return OpOutcome::Unknown;  // may have been applied; a cut body
  return OpOutcome::Fail;
}
}  // namespace

RegistryClient::Impl::OpScope::OpScope(Impl& impl, std::string f, const std::string& repository, std::string key,
                                       std::uint64_t size)
    : impl_(impl),
      id_(impl.history.invoke(impl.client_id, std::move(f), repository, std::move(key), size)),
      outer_(impl.current_op) {
  impl_.current_op = id_;
  impl_.last = {};
}

void RegistryClient::Impl::OpScope::finish(const std::string& error) {
  if (done_) return;
  done_ = true;
  const auto& last = impl_.last;
  impl_.history.complete(id_, outcome_after(error, last.valid, last.status, last.connect_failed, last.complete), error,
                         impl_.last.valid ? impl_.last.index : kNoOp, impl_.last.headers);
  impl_.current_op = outer_;
}

RegistryClient::Impl::OpScope::~OpScope() {
  if (done_) return;
  impl_.history.complete(id_, OpOutcome::Unknown, "abandoned (exception)");
  impl_.current_op = outer_;
}

std::shared_ptr<const BuiltImage> RegistryClient::Impl::image_of(const ImageSpec& image) {
  const auto key = image_key(image);
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = built.find(key); it != built.end()) return it->second;
  }
  auto b = std::make_shared<const BuiltImage>(build_image(image));  // hashes layers: outside the lock
  std::lock_guard<std::mutex> lock(mu);
  return built.emplace(key, std::move(b)).first->second;
}

std::vector<BlobSource> RegistryClient::Impl::sources_of(const BuiltImage& b) {
  std::vector<BlobSource> out;
  out.push_back({b.config_descriptor, std::nullopt, b.config});
  for (std::size_t i = 0; i < b.layers.size(); ++i) out.push_back({b.layers[i], b.layer_contents[i], {}});
  return out;
}

std::string RegistryClient::Impl::blob_url(const std::string& repo, const std::string& digest) const {
  return base_url + "/v2/" + repo + "/blobs/" + digest;
}

RegistryClient::Impl::Outcome RegistryClient::Impl::outcome_of(std::string error, std::size_t index,
                                                               const ClientRequest& req, const ClientResponse& r) {
  return {std::move(error), index, req.method, req.url, r.headers, r.body_bytes};
}

RegistryClient::Impl::Exchange RegistryClient::Impl::perform(const std::string& operation, const ClientRequest& request,
                                                             std::initializer_list<int> expected, const BodySink& sink,
                                                             std::size_t keep_body, bool require_complete,
                                                             const std::string& note) {
  const auto targets = router.route(request.url);
  Exchange ex;
  for (std::size_t t = 0; t < targets.size(); ++t) {
    ClientRequest routed = request;
    routed.url = targets[t];
    RequestRecord rec;
    rec.operation = operation;
    rec.method = routed.method;
    rec.url = routed.url;
    if (auto it = routed.headers.find("Range"); it != routed.headers.end()) rec.range = it->second;
    rec.client = client_id;
    rec.op = current_op;
    rec.storage_from = history.storage_cursor();
    rec.start_us = now_micros();
    ex.response = http.send(routed, sink, keep_body);
    rec.end_us = now_micros();
    rec.storage_to = history.storage_cursor();
    rec.status = ex.response.status;
    rec.bytes_sent = routed.generator ? routed.generator_size : routed.body.size();
    rec.bytes_received = ex.response.body_bytes;
    ex.url = routed.url;
    if (cannot_connect(ex.response) && t + 1 < targets.size()) {
      // Nothing reached the server: the front tries the next instance.
      rec.bytes_sent = 0;
      rec.verdict = "error";
      rec.note = ex.response.error + "; failing over to " + origin_of(targets[t + 1]);
      history.add_request(std::move(rec));
      continue;
    }
    const auto& r = ex.response;
    const std::string what = operation + ": " + routed.method + " " + path_of(routed.url);
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
    last = {true, ex.index, r.status, cannot_connect(r), r.complete && r.error.empty(), r.headers};
    break;
  }
  return ex;
}

void RegistryClient::Impl::record_fact(FactKind kind, std::size_t index, const BlobObservation& seen,
                                       const Headers& headers, const BlobExpectation& expected, std::string text,
                                       std::string detail, bool by_digest) {
  Fact f;
  f.kind = kind;
  f.request_index = index;
  f.op = current_op;
  f.expected = expected;
  f.seen = seen;
  f.headers = headers;
  f.by_digest = by_digest;
  f.text = std::move(text);
  f.detail = std::move(detail);
  history.add_fact(std::move(f));
}

// ---- pull / verify ----

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

RegistryClient::RegistryClient(std::string base_url, History& history, HttpClient http)
    : impl_(std::make_unique<Impl>(std::vector<std::string>{std::move(base_url)}, history, Routing::ActivePassive,
                                   std::move(http))) {}
RegistryClient::RegistryClient(std::vector<std::string> base_urls, History& history, Routing routing, HttpClient http)
    : impl_(std::make_unique<Impl>(std::move(base_urls), history, routing, std::move(http))) {}
RegistryClient::RegistryClient(RegistryClient&&) noexcept = default;
RegistryClient& RegistryClient::operator=(RegistryClient&&) noexcept = default;
RegistryClient::~RegistryClient() = default;

PushResult RegistryClient::push(const ImageSpec& image, const PushOptions& options) {
  return impl_->push(image, options);
}
PullResult RegistryClient::pull(const ImageSpec& image, PullBy by) { return impl_->pull(image, by, PullOptions{}); }
PullResult RegistryClient::pull(const ImageSpec& image, PullBy by, const PullOptions& options) {
  return impl_->pull(image, by, options);
}
PullResult RegistryClient::pull_layer(const ImageSpec& image, std::size_t layer, const PullOptions& options) {
  return impl_->pull_layer(image, layer, options);
}
std::size_t RegistryClient::verify_acknowledged() { return impl_->verify_acknowledged(); }

}  // namespace stalemate::harness
