#include "harness/registry_client_routing.h"

#include <algorithm>

namespace stalemate::harness {

std::string origin_of(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  const auto slash = url.find('/', scheme + 3);
  return slash == std::string::npos ? url : url.substr(0, slash);
}

Router::Router(std::vector<std::string> base_urls, Routing routing)
    : base_urls_(std::move(base_urls)), routing_(routing) {
  if (base_urls_.empty()) base_urls_.emplace_back();
  for (auto& b : base_urls_) {
    while (!b.empty() && b.back() == '/') b.pop_back();
    origins_.push_back(origin_of(b));
  }
}

std::vector<std::string> Router::route(const std::string& url) {
  const auto origin = origin_of(url);
  const auto it = std::find(origins_.begin(), origins_.end(), origin);
  if (it == origins_.end() || origins_.size() < 2) return {url};
  const std::string rest = url.substr(origin.size());
  const std::size_t n = origins_.size();
  // RoundRobin: the next instance in turn, then (a balancer redispatching on
  // a refused connection) the ones after it. ActivePassive: the instance the
  // URL names (the first one for every URL the client builds; an upload
  // Location of the instance that answered), then the others in order.
  std::size_t first = static_cast<std::size_t>(it - origins_.begin());
  if (routing_ == Routing::RoundRobin) first = next_.fetch_add(1) % n;
  std::vector<std::string> out;
  out.push_back(origins_[first] + rest);
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = routing_ == Routing::RoundRobin ? (first + k) % n : k;
    if (i != first) out.push_back(origins_[i] + rest);
  }
  return out;
}

}  // namespace stalemate::harness
