// ContainerdResume: containerd's remotes/docker/fetcher.go and
// httpreadseeker.go. On an unexpected EOF the reader reopens at its offset
// with Range: bytes=N-; a Content-Range must start at N if present; a 200
// (or a 206 without Content-Range) is read and the first N bytes discarded.
// After maxRetry reopens without progress it gives up. At commit the size is
// checked first, then the digest; there is no retry.
#include "harness/blob_fetch.h"

namespace stalemate::harness::client_detail {

namespace {

constexpr int kNoProgress = 3;  // httpreadseeker maxRetry (reopens without progress)

class ContainerdResume final : public ResumePolicy {
 public:
  using ResumePolicy::ResumePolicy;

  Judgement judge_resumed(const Hop& hop, const Assembly& a) const override {
    const std::string& content_range = hop.seen.content_range;
    Judgement j;
    if (hop.status != 200 && hop.status != 206) return refused(std::to_string(hop.status) + " to Range " + range_);
    if (!content_range.empty() && content_range.rfind("bytes " + std::to_string(a.offset) + "-", 0) != 0)
      return refused("unhandled content range in response: " + content_range);
    const bool discards = hop.status == 200 || content_range.empty();
    if (discards && hop.body_bytes < a.offset) return refused("unable to discard to offset");
    const std::string skipped = " (first " + std::to_string(a.offset) + " bytes discarded)";
    if (hop.status == 200) {
      j.fact = FactKind::BlobGet;
      j.piece = 1;
      j.description = "200 for " + range_ + skipped;
    } else if (content_range.empty()) {
      j.piece = 1;
      j.description = "206 without Content-Range for " + range_ + skipped;
    } else {
      j.description = piece_description(206, range_, hop.seen);
      j.claims_offsets = true;
    }
    return j;
  }

  std::string verification_failure(const Assembly& a, const Descriptor& d, bool wrong_length,
                                   const std::string& seen_digest) const override {
    if (wrong_length) return "unexpected commit size " + std::to_string(a.offset) + ", expected " + std::to_string(d.size);
    return "unexpected commit digest " + seen_digest + ", expected " + d.digest;
  }

 protected:
  bool discards_to_offset() const override { return true; }
  std::string no_progress(std::uint64_t offset, std::uint64_t before) override {
    no_progress_ = offset == before ? no_progress_ + 1 : 0;
    if (no_progress_ <= kNoProgress) return {};
    return "unexpected EOF (" + std::to_string(no_progress_) + " reopens without progress)";
  }

 private:
  int no_progress_ = 0;
};

}  // namespace

std::unique_ptr<FetchPolicy> containerd_resume(const PullOptions& options) {
  return std::make_unique<ContainerdResume>(options);
}

}  // namespace stalemate::harness::client_detail
