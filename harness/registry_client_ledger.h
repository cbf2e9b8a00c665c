// The acknowledgement ledger of a RegistryClient: every blob and manifest the
// registry acknowledged with 201, once each, for verify_acknowledged to read
// back at the end of a run.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness/blob_source.h"

namespace stalemate::harness {

class AckLedger {
 public:
  struct Blob {
    std::string repository;
    BlobSource source;
  };
  struct Manifest {
    std::string repository;
    std::string digest;
    std::string bytes;
  };

  void blob(const std::string& repository, const BlobSource& source);
  void manifest(const std::string& repository, const std::string& digest, const std::string& bytes);
  // A manifest deleted on purpose is no longer expected to read back.
  void forget_manifest(const std::string& repository, const std::string& digest);
  std::vector<Blob> blobs() const;
  std::vector<Manifest> manifests() const;

 private:
  mutable std::mutex mu_;
  std::vector<Blob> blobs_;
  std::set<std::pair<std::string, std::string>> blob_keys_;
  std::vector<Manifest> manifests_;
  std::set<std::pair<std::string, std::string>> manifest_keys_;
};

}  // namespace stalemate::harness
