// Slices: an nginx slice module or a parallel downloader. It takes the size
// from a HEAD, then asks for bounded ranges bytes=a-b of slice_size in
// order, each of which must be a full 206 with exactly that Content-Range. A
// failed slice fails the blob (after the rest were fetched); no retry.
#include <algorithm>

#include "harness/blob_fetch.h"

namespace stalemate::harness::client_detail {

namespace {

class Slices final : public FetchPolicy {
 public:
  Slices(const PullOptions& options, std::uint64_t size)
      : size_(size), slice_(std::max<std::uint64_t>(1, options.slice_size)), count_((size + slice_ - 1) / slice_) {}

  void begin(int, const std::string&) override {}

  std::optional<HopPlan> next(const Assembly&) override {
    if (next_start_ >= size_) return std::nullopt;
    start_ = next_start_;
    last_ = std::min(start_ + slice_, size_) - 1;
    next_start_ += slice_;
    ++n_;
    range_ = "bytes=" + std::to_string(start_) + "-" + std::to_string(last_);
    return HopPlan{"pull-blob-slice", range_, {{start_, 0}},
                   "slice " + std::to_string(n_) + " of " + std::to_string(count_)};
  }

  Judgement judge(const Hop& hop, const Assembly&) const override {
    Judgement j;
    if (hop.status != 206) {
      j.refuse = "pull-blob-slice: " + range_ + " answered " + std::to_string(hop.status) + ", expected 206";
      return j;
    }
    j.description = "206 " + range_;
    const auto cr = parse_content_range(hop.seen.content_range);
    j.claims_offsets = cr && cr->first == start_;  // bytes are judged at the offsets asked for
    const std::string want =
        "bytes " + std::to_string(start_) + "-" + std::to_string(last_) + "/" + std::to_string(size_);
    const std::uint64_t length = last_ - start_ + 1;
    if (hop.seen.content_range != want) {
      j.refuse_after = "pull-blob-slice: " + range_ + " answered Content-Range " +
                       (hop.seen.content_range.empty() ? std::string("(none)") : hop.seen.content_range) +
                       ", expected " + want;
    } else if (!hop.complete || hop.body_bytes != length) {
      j.refuse_after = "pull-blob-slice: " + range_ + " delivered " + std::to_string(hop.body_bytes) + " of " +
                       std::to_string(length) + " bytes" +
                       (hop.transport_error.empty() ? "" : " (" + hop.transport_error + ")");
      j.mark_after = false;
    }
    return j;
  }

  std::string refusal_note(const HopPlan&, const std::string& why) const override { return why; }

  bool failed(const std::string& why) override {
    intact_ = false;
    if (failed_++ == 0) first_failure_ = why;
    return false;  // the other slices are still fetched
  }

  // The running hash is the body's only while every slice so far was accepted.
  bool accepts() const override { return intact_; }
  Step accepted(const Hop&, const Assembly&, std::uint64_t) override { return {}; }

  std::string unfinished() const override {
    if (intact_) return {};
    return std::to_string(failed_) + " of " + std::to_string(count_) + " slices failed; first: " + first_failure_;
  }

  std::string verification_failure(const Assembly& a, const Descriptor& d, bool wrong_length,
                                   const std::string& seen_digest) const override {
    if (wrong_length) return "assembled " + std::to_string(a.offset) + " bytes, expected " + std::to_string(d.size);
    return "digest mismatch: assembled " + seen_digest + ", expected " + d.digest;
  }

 private:
  std::uint64_t size_, slice_, count_;
  std::uint64_t next_start_ = 0, start_ = 0, last_ = 0, n_ = 0;
  std::string range_;
  bool intact_ = true;
  std::size_t failed_ = 0;
  std::string first_failure_;
};

}  // namespace

std::unique_ptr<FetchPolicy> slices(const PullOptions& options, std::uint64_t size) {
  return std::make_unique<Slices>(options, size);
}

}  // namespace stalemate::harness::client_detail
