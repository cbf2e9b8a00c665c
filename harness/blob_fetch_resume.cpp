// ResumePolicy: what Docker and containerd share when a blob body is cut —
// ask again with Range: bytes=<what I have>-, until a body ends cleanly, or
// give up after max_resumes.
#include "harness/blob_fetch.h"

namespace stalemate::harness::client_detail {

void ResumePolicy::begin(int attempt, const std::string& previous_error) {
  attempt_ = attempt;
  previous_error_ = previous_error;
  resumes_here_ = 0;
  cut_reason_.clear();
  client_error_.clear();
  assembled_ = done_ = issued_ = false;
  first_ = true;
}

std::optional<HopPlan> ResumePolicy::next(const Assembly& a) {
  if (done_) return std::nullopt;
  first_ = !issued_;
  issued_ = true;
  HopPlan plan;
  plan.range = range_ = first_ ? std::string() : "bytes=" + std::to_string(a.offset) + "-";
  plan.hypotheses.push_back({a.offset, 0});
  if (!first_ && discards_to_offset()) plan.hypotheses.push_back({a.offset, a.offset});
  plan.operation = first_ ? (attempt_ == 0 ? "pull-blob" : "pull-blob-retry") : "pull-blob-resume";
  if (first_ && attempt_ > 0) plan.note = "from scratch after: " + previous_error_;
  if (!first_)
    plan.note = "resume " + std::to_string(resumes_here_) + " at offset " + std::to_string(a.offset) +
                " after: " + cut_reason_;
  return plan;
}

Judgement ResumePolicy::judge(const Hop& hop, const Assembly& a) const {
  if (!first_) return judge_resumed(hop, a);
  if (hop.status != 200) return refused("GET without Range returned " + std::to_string(hop.status));
  Judgement j;
  j.fact = FactKind::BlobGet;  // no seen_digest: the assembly is judged at the end
  j.description = piece_description(200, {}, hop.seen);
  return j;
}

Judgement ResumePolicy::refused(std::string why) {
  Judgement j;
  j.refuse = std::move(why);
  return j;
}

bool ResumePolicy::failed(const std::string& why) {
  client_error_ = why;
  done_ = true;
  return true;
}

FetchPolicy::Step ResumePolicy::accepted(const Hop& hop, const Assembly& a, std::uint64_t before) {
  if (hop.complete) {
    assembled_ = done_ = true;
    return {true, {}};
  }
  // A cut body: the client resumes where it stopped.
  cut_reason_ = hop.transport_error.empty() ? "the body ended early" : hop.transport_error;
  std::string give_up = no_progress(a.offset, before);
  if (give_up.empty() && resumes_here_ >= max_resumes_)
    give_up = "unexpected EOF at offset " + std::to_string(a.offset) + " of " + std::to_string(a.size) + " after " +
              std::to_string(resumes_here_) + " resumes";
  if (!give_up.empty()) {
    client_error_ = give_up;
    done_ = true;
    return {true, give_up};
  }
  ++resumes_here_;
  ++total_resumes_;
  return {};
}

}  // namespace stalemate::harness::client_detail
