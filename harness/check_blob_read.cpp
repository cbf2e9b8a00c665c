// Checker: a blob read returns the descriptor's bytes (I1, I2): content-length,
// blob-length and blob-digest, for single responses, 206 answers and the
// bodies that resuming or slicing clients assemble.
#include "harness/checkers.h"

namespace stalemate::harness {

namespace {

constexpr const char* kName = "blob-read";

void check_assembled(const Fact& f, std::vector<Violation>& out) {
  if (f.seen.bytes_received != f.expected.size) {
    out.push_back(violation_at(f,
                               {"blob-length", f.text + " has " + std::to_string(f.seen.bytes_received) +
                                                   " bytes; the descriptor size is " + std::to_string(f.expected.size)},
                               kName, 0));
  } else if (f.seen.seen_digest != f.expected.digest) {
    std::string m = f.text + " has the right length and sha256 " + short_hex_of(f.seen.seen_digest) + " (expected " +
                    short_hex_of(f.expected.digest) + ")";
    if (!f.detail.empty()) m += "; " + f.detail;
    out.push_back(violation_at(f, {"blob-digest", m}, kName, 0));
  }
}

}  // namespace

CheckResult check_blob_read(const HistoryView& h) {
  std::vector<Violation> out;
  for (const auto& f : h.facts) {
    switch (f.kind) {
      case FactKind::BlobGet: {
        const auto all = check_blob_get(f.expected, f.seen);
        for (const char* inv : {"content-length", "blob-length", "blob-digest"}) keep_findings(f, all, inv, kName, out);
        break;
      }
      case FactKind::BlobRange: {
        const auto all = check_blob_range(f.expected, f.seen);
        for (const char* inv : {"content-length", "blob-length"}) keep_findings(f, all, inv, kName, out);
        break;
      }
      case FactKind::Assembled: check_assembled(f, out); break;
      default: break;
    }
  }
  return result_of(std::move(out));
}

}  // namespace stalemate::harness
