#include "harness/fake_backend.h"

#include "sim/control/control_api.h"

namespace stalemate::harness {

FakeBackend::FakeBackend(const BackendSpec& spec, const std::string& address, unsigned short port,
                         const std::string& event_log, const ControlListener& control)
    : spec_(spec), store_(spec.model), control_token_(control.token) {
  if (!event_log.empty()) store_.events().open_file(event_log);
  if (spec.type == "s3") {
    store_.create_account(spec.s3.account);
    store_.put_container(spec.s3.account, spec.container, {});  // the registry expects its bucket
    s3_ = std::make_unique<sim::S3Frontend>(store_, spec.s3);
  } else {
    store_.create_account(spec.swift.account);
    swift_ = std::make_unique<sim::SwiftFrontend>(store_, spec.swift);
  }
  sim::HttpServerOptions options;
  options.address = address;
  options.port = port;
  options.body_budget = spec.body_budget;
  options.unhashed_large_bodies = spec.unhashed_large_bodies;
  // The store's port serves the protocol only: the control endpoint is not
  // reachable from there (the registry must not change the faults).
  // Credentials and names are checked from the headers, before 100 Continue
  // and the body; the server's own errors speak the protocol's format.
  options.precheck = [this](const HttpRequest& r) { return s3_ ? s3_->precheck(r) : swift_->precheck(r); };
  options.error_renderer = [this](int status, const std::string& message) {
    return s3_ ? s3_->protocol_error(status, message) : swift_->protocol_error(status, message);
  };
  server_ = std::make_unique<sim::HttpServer>(
      [this](const HttpRequest& r) { return s3_ ? s3_->handle(r) : swift_->handle(r); }, options);
  if (swift_) swift_->set_base_url(server_->base_url());
  if (control.enabled) {
    sim::HttpServerOptions control_options;
    control_options.address = control.address;
    control_options.port = control.port;
    control_options.threads = 1;
    control_options.body_limit = 1 << 20;  // rules and patches are small JSON documents
    control_server_ = std::make_unique<sim::HttpServer>(
        [this](const HttpRequest& r) { return sim::serve_control(store_, account(), control_token_, r); },
        control_options);
  }
}

const std::string& FakeBackend::account() const { return s3_ ? spec_.s3.account : spec_.swift.account; }

FakeBackend::~FakeBackend() { stop(); }

void FakeBackend::stop() {
  if (server_) server_->stop();
  if (control_server_) control_server_->stop();
}

std::string FakeBackend::control_url() const {
  return control_server_ ? control_server_->base_url() + sim::kControlPrefix : std::string();
}

std::string FakeBackend::base_url() const { return server_->base_url(); }
std::uint64_t FakeBackend::requests_served() const { return server_->requests_served(); }

nlohmann::json FakeBackend::registry_storage(const RegistrySpec& registry) const {
  nlohmann::json storage;
  if (s3_) {
    storage["s3"] = {
        {"accesskey", spec_.s3.access_key},
        {"secretkey", spec_.s3.secret_key},
        {"region", spec_.s3.region},
        {"regionendpoint", base_url()},  // turns on path-style addressing
        {"bucket", spec_.container},
        {"secure", false},
        {"v4auth", true},
        {"chunksize", registry.chunksize},
    };
  } else {
    storage["swift"] = {
        {"authurl", swift_->auth_url()},
        {"username", spec_.swift.user},
        {"password", spec_.swift.key},
        {"authversion", 1},
        {"container", spec_.container},
        {"chunksize", registry.chunksize},
    };
  }
  storage["redirect"] = {{"disable", !registry.redirect}};
  storage["cache"] = {{"blobdescriptor", registry.cache}};
  return storage;
}

nlohmann::json FakeBackend::describe() const {
  nlohmann::json d = {
      {"protocol", spec_.type},
      {"endpoint", base_url()},
      {"seed", spec_.model.seed},
      {"object_replicas", spec_.model.topology.object_replicas},
      {"container_replicas", spec_.model.topology.container_replicas},
      {"consistency", sim::consistency_to_json(store_.params_now())},
      {"rules", store_.rules_json()},
  };
  if (control_server_) {
    d["control"] = control_url();
    d["control_token_required"] = !control_token_.empty();
  }
  if (s3_) {
    d["region"] = spec_.s3.region;
    if (!spec_.s3.domain.empty()) d["domain"] = spec_.s3.domain;
    d["access_key"] = spec_.s3.access_key;
    d["secret_key"] = spec_.s3.secret_key;
    d["bucket"] = spec_.container;
  } else {
    d["auth_url"] = swift_->auth_url();
    d["storage_url"] = swift_->storage_url();
    d["user"] = spec_.swift.user;
    d["key"] = spec_.swift.key;
    d["swift_version"] = spec_.swift.version;
  }
  return d;
}

}  // namespace stalemate::harness
