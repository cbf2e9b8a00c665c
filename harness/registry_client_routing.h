// Where a RegistryClient's requests go when it is given several registry
// instances sharing one storage (see Routing): the front a balancer would be.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "harness/registry_client.h"

namespace stalemate::harness {

class Router {
 public:
  Router(std::vector<std::string> base_urls, Routing routing);

  // The first instance's base URL (without trailing '/'): the client builds its URLs on it.
  const std::string& base_url() const { return base_urls_.front(); }
  // The URL a request to `url` is sent to first, then the instances to fall
  // back to when it cannot connect. URLs of other hosts (storage redirects)
  // and a single instance are not routed.
  std::vector<std::string> route(const std::string& url);

 private:
  std::vector<std::string> base_urls_;
  std::vector<std::string> origins_;  // scheme://host:port of each
  Routing routing_;
  std::atomic<std::size_t> next_{0};  // RoundRobin
};

// scheme://host[:port] of an absolute URL.
std::string origin_of(const std::string& url);

}  // namespace stalemate::harness
