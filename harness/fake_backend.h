// The in-process fake object store as one unit: the replicated Store, the
// protocol front-end on it, the HTTP server carrying it on 127.0.0.1 and,
// when asked for, the control endpoint on a listener of its own.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/scenario.h"
#include "sim/model/store.h"
#include "sim/s3/s3_frontend.h"
#include "sim/server/http_server.h"
#include "sim/swift/swift_frontend.h"

namespace stalemate::harness {

// The control endpoint's listener (/__stalemate/…): loopback only, never on
// the store's port, optionally guarded by a token.
struct ControlListener {
  bool enabled = false;
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0: a free port
  std::string token;        // "": no token needed
};

class FakeBackend {
 public:
  // Starts serving at once on address:port (port 0 picks a free one). With an
  // event_log path, every request and its decisions stream there as JSONL.
  FakeBackend(const BackendSpec& spec, const std::string& address = "127.0.0.1", unsigned short port = 0,
              const std::string& event_log = "", const ControlListener& control = {});
  ~FakeBackend();

  sim::Store& store() { return store_; }
  // The account holding the registry's container (Swift account or S3 "account").
  const std::string& account() const;
  const BackendSpec& spec() const { return spec_; }
  std::string base_url() const;
  std::string control_url() const;  // "http://127.0.0.1:PORT/__stalemate/"; "" without a control listener
  std::uint64_t requests_served() const;
  void stop();

  // The registry config "storage" section pointing at this backend.
  nlohmann::json registry_storage(const RegistrySpec& registry) const;
  // Endpoint and credentials, for `stalemate serve` and the report.
  nlohmann::json describe() const;

 private:
  BackendSpec spec_;
  sim::Store store_;
  std::unique_ptr<sim::SwiftFrontend> swift_;  // exactly one of these serves
  std::unique_ptr<sim::S3Frontend> s3_;
  std::unique_ptr<sim::HttpServer> server_;
  std::unique_ptr<sim::HttpServer> control_server_;
  std::string control_token_;
};

}  // namespace stalemate::harness
