#include "harness/fake_backend.h"

#include "sim/control/control_api.h"

namespace stalemate::harness {

FakeBackend::FakeBackend(const BackendSpec& spec, const std::string& address, unsigned short port,
                         const std::string& event_log)
    : spec_(spec), store_(spec.model) {
  if (!event_log.empty()) store_.events().open_file(event_log);
  store_.create_account(spec.swift.account);
  swift_ = std::make_unique<sim::SwiftFrontend>(store_, spec.swift);
  sim::HttpServerOptions options;
  options.address = address;
  options.port = port;
  server_ = std::make_unique<sim::HttpServer>(
      [this](const HttpRequest& r) {
        if (sim::is_control_request(r)) return sim::handle_control(store_, spec_.swift.account, r);
        return swift_->handle(r);
      },
      options);
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
  storage["cache"] = {{"blobdescriptor", registry.cache}};
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
      {"control", base_url() + "/__stalemate/"},
      {"seed", spec_.model.seed},
      {"object_replicas", spec_.model.topology.object_replicas},
      {"container_replicas", spec_.model.topology.container_replicas},
      {"consistency", sim::consistency_to_json(store_.params_now())},
      {"rules", store_.rules_json()},
  };
}

}  // namespace stalemate::harness
