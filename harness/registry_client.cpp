// RegistryClient: operations and requests (each recorded in the history),
// facts for the checkers, the public API. Plain pulls and verification are in
// registry_pull.cpp, pushes in registry_push.cpp, the pull profiles in
// blob_fetch*.cpp, routing and the acknowledgement ledger in
// registry_client_routing.cpp and registry_client_ledger.cpp.
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
    // Set by an nginx front (see harness/front/nginx_conf.cpp): joins the request to nginx's logs.
    if (auto it = ex.response.headers.find("X-Request-Id"); it != ex.response.headers.end()) rec.request_id = it->second;
    if (auto it = ex.response.headers.find("X-Cache-Status"); it != ex.response.headers.end()) rec.cache = it->second;
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

ClientId RegistryClient::id() const { return impl_->client_id; }

}  // namespace stalemate::harness
