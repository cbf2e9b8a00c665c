// DockerResume: moby's pull_v2 over distribution's
// registry/client/transport/http_reader.go. A cut body is resumed with
// Range: bytes=N-, and the 206 must say exactly "bytes N-(size-1)/size"; a
// 200 to a Range request is ErrWrongCodeForByteRange. A verification failure
// after a resumed download is retried once from scratch (the partial file is
// truncated); one without a resume is DoNotRetry.
#include "harness/blob_fetch.h"

namespace stalemate::harness::client_detail {

namespace {

class DockerResume final : public ResumePolicy {
 public:
  using ResumePolicy::ResumePolicy;

  Judgement judge_resumed(const Hop& hop, const Assembly& a) const override {
    const std::string& content_range = hop.seen.content_range;
    Judgement j;
    if (hop.status == 200) return refused("200 to Range " + range_ + " (ErrWrongCodeForByteRange)");
    if (hop.status != 206) return refused(std::to_string(hop.status) + " to Range " + range_);
    const auto cr = parse_content_range(content_range);
    if (content_range.empty()) return refused("no Content-Range header found in HTTP 206 response");
    if (!cr) return refused("could not parse Content-Range header: " + content_range);
    if (cr->total && cr->last + 1 != *cr->total)
      return refused("range in Content-Range stops before the end of the content: " + content_range);
    if (cr->first != a.offset) return refused("server returned unexpected Content-Range header: " + content_range);
    j.description = piece_description(206, range_, hop.seen);
    j.claims_offsets = true;
    return j;
  }

  std::string verification_failure(const Assembly&, const Descriptor& d, bool, const std::string&) const override {
    return "filesystem layer verification failed for digest " + d.digest;
  }

  bool retry(const Assembly& a, int attempt) const override { return a.parts.size() > 1 && attempt == 0; }
};

}  // namespace

std::unique_ptr<FetchPolicy> docker_resume(const PullOptions& options) {
  return std::make_unique<DockerResume>(options);
}

}  // namespace stalemate::harness::client_detail
