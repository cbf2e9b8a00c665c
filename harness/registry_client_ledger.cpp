#include "harness/registry_client_ledger.h"

namespace stalemate::harness {

void AckLedger::blob(const std::string& repository, const BlobSource& source) {
  std::lock_guard<std::mutex> lock(mu_);
  if (blob_keys_.emplace(repository, source.descriptor.digest).second) blobs_.push_back({repository, source});
}

void AckLedger::manifest(const std::string& repository, const std::string& digest, const std::string& bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  if (manifest_keys_.emplace(repository, digest).second) manifests_.push_back({repository, digest, bytes});
}

void AckLedger::forget_manifest(const std::string& repository, const std::string& digest) {
  std::lock_guard<std::mutex> lock(mu_);
  if (manifest_keys_.erase({repository, digest}) == 0) return;
  std::erase_if(manifests_, [&](const Manifest& m) { return m.repository == repository && m.digest == digest; });
}

std::vector<AckLedger::Blob> AckLedger::blobs() const {
  std::lock_guard<std::mutex> lock(mu_);
  return blobs_;
}

std::vector<AckLedger::Manifest> AckLedger::manifests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return manifests_;
}

}  // namespace stalemate::harness
