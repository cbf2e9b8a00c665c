#include "harness/fake_backend.h"

namespace stalemate::harness {

FakeBackend::FakeBackend(const BackendSpec& spec, const std::string& address, unsigned short port)
    : spec_(spec), store_(spec.topology) {
  store_.create_account(spec.swift.account);
  swift_ = std::make_unique<sim::SwiftFrontend>(store_, spec.swift);
  sim::HttpServerOptions options;
  options.address = address;
  options.port = port;
  server_ = std::make_unique<sim::HttpServer>([this](const HttpRequest& r) { return swift_->handle(r); }, options);
  swift_->set_base_url(server_->base_url());
}

FakeBackend::~FakeBackend() { stop(); }

void FakeBackend::stop() {
  if (server_) server_->stop();
}

std::string FakeBackend::base_url() const { return server_->base_url(); }
std::uint64_t FakeBackend::requests_served() const { return server_->requests_served(); }

nlohmann::json FakeBackend::registry_storage(const RegistrySpec& registry) const {
  nlohmann::json storage;
  storage["swift"] = {
      {"authurl", swift_->auth_url()},
      {"username", spec_.swift.user},
      {"password", spec_.swift.key},
      {"authversion", 1},
      {"container", spec_.container},
      {"chunksize", registry.chunksize},
  };
  storage["redirect"] = {{"disable", !registry.redirect}};
  return storage;
}

nlohmann::json FakeBackend::describe() const {
  return {
      {"protocol", spec_.type},
      {"endpoint", base_url()},
      {"auth_url", swift_->auth_url()},
      {"storage_url", swift_->storage_url()},
      {"user", spec_.swift.user},
      {"key", spec_.swift.key},
      {"swift_version", spec_.swift.version},
      {"object_replicas", spec_.topology.object_replicas},
      {"container_replicas", spec_.topology.container_replicas},
  };
}

}  // namespace stalemate::harness
