// The OpenStack Swift API on top of the replicated Store: what distribution
// 2.8's swift driver and ncw/swift send (TempAuth v1, /info, account and
// container requests, listings, objects, DLO, bulk delete, TempURL). Plain
// request in, response out: no sockets here (sim/server carries it).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "sim/model/store.h"

namespace stalemate::sim {

struct SwiftConfig {
  std::string account = "AUTH_test";
  std::string user = "test:tester";
  std::string key = "testing";
  // /info swift.version. The driver compares it as a string with "2.3.0":
  // "2.29.2" selects the account TempURL key, "2.30.0" the container key.
  std::string version = "2.29.2";
  bool tempurl = true;
  std::vector<std::string> tempurl_methods = {"GET", "HEAD", "PUT", "POST", "DELETE"};
  bool bulk_delete = true;
  int max_deletes_per_request = 10000;
  std::size_t dlo_listing_page = 10000;  // the DLO middleware lists in pages of this size
};

class SwiftFrontend {
 public:
  SwiftFrontend(Store& store, SwiftConfig config = {});
  ~SwiftFrontend();

  // The scheme://host:port clients reach us at; X-Storage-Url is built from it.
  void set_base_url(std::string base_url);
  std::string auth_url() const;     // base_url + "/auth/v1.0"
  std::string storage_url() const;  // base_url + "/v1/" + account
  const SwiftConfig& config() const { return config_; }

  HttpResponse handle(const HttpRequest& request);  // never throws
  HttpResponse handle(HttpRequest&& request);       // the same, served in place (no copy of the request)
  // An HttpPrecheck: run on the headers before the body is read (and before
  // 100 Continue). A refusal (401/403 for a missing, wrong or foreign token or
  // TempURL, 400 for over-long names, 412, 405) is returned to be sent without
  // reading the body; nullopt lets the request go on. Never touches the fault
  // rules.
  std::optional<HttpResponse> precheck(const HttpRequest& request);
  // An HttpErrorRenderer: Swift's plain error body for errors the HTTP server
  // makes itself (400, 408, 411, 413, 414, 431, 503).
  HttpResponse protocol_error(int status, const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  SwiftConfig config_;
};

}  // namespace stalemate::sim
