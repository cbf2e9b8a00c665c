// Internals of the pull profiles (blob_fetch*.cpp): the pieces one response
// delivers, the body a client assembles, and the FetchPolicy that says what
// a client asks for next and what it accepts. One loop
// (RegistryClient::Impl::fetch_with) drives every policy: DockerResume
// (distribution's registry/client/transport/http_reader.go and moby's
// pull_v2 retry), ContainerdResume (containerd's remotes/docker/fetcher.go
// and httpreadseeker.go) and Slices (nginx slice / parallel downloaders).
// Not part of the harness API.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "harness/blob_checks.h"
#include "harness/blob_source.h"
#include "harness/history.h"
#include "harness/registry_client.h"

namespace stalemate::harness::client_detail {

// Where the counted bytes of one response belong in the blob.
struct Hypothesis {
  std::uint64_t start = 0;  // blob offset of the first counted body byte
  std::uint64_t skip = 0;   // body bytes discarded before it
};

// SHA-256 that can be copied mid-stream: a hop's bytes are hashed into a copy
// of the assembly's state and become part of it only if the client accepts
// the response.
class Sha256 {
 public:
  void update(const char* p, std::size_t n) { state_.update(p, n); }
  std::string digest() const;  // "sha256:<hex>" of what was hashed so far (the state is kept)

 private:
  StreamingDigest state_{"sha256"};
};

// The bytes of one response under one hypothesis of where they belong.
struct Piece {
  Hypothesis h;
  Sha256 hash;                              // the assembly's state, then these bytes
  std::uint64_t body = 0;                   // body bytes seen (skipped ones included)
  std::uint64_t counted = 0;                // bytes placed at h.start onwards
  std::optional<std::uint64_t> first_diff;  // blob offset of the first byte unlike the true content
  std::string probe;                        // received bytes from first_diff on

  void consume(const BlobSource& src, std::uint64_t size, const char* data, std::size_t n, std::vector<char>& scratch);
};

// What the client has accepted so far of one blob attempt.
struct Assembly {
  std::uint64_t size;  // the descriptor size
  Sha256 hash;
  std::uint64_t offset = 0;  // bytes accepted
  std::vector<std::string> parts;
  std::optional<std::uint64_t> first_diff;
  std::string first_diff_text;  // "it first differs … (in the 200 …; they are the true bytes at …)"
  std::size_t last_index = 0;
  std::string last_url;
  Headers last_headers;

  explicit Assembly(std::uint64_t n) : size(n) {}
  void accept(const Piece& p, std::string description, std::size_t index, const std::string& url,
              const Headers& headers, const std::string& diff_text);
  std::string describe_parts() const;
};

// One logical request (redirects followed) and the bytes it delivered.
struct Hop {
  std::size_t index = 0;  // the last request's, in the history
  std::string url;        // as sent
  int status = 0;
  Headers headers;
  std::uint64_t body_bytes = 0;
  bool complete = false;
  std::string transport_error;  // what ended the body ("" when it ended cleanly)
  std::string error;            // no usable answer: a transport error before the status, a bad status, a bad redirect
  BlobObservation seen;
  std::vector<Piece> pieces;    // one per hypothesis, for the final response
};

// The next request a client makes.
struct HopPlan {
  std::string operation;  // "pull-blob", "pull-blob-resume", "pull-blob-retry", "pull-blob-slice"
  std::string range;      // "" = no Range
  std::vector<Hypothesis> hypotheses;
  std::string note;
};

// What a client makes of one answer.
struct Judgement {
  std::string refuse;  // refused before its bytes are looked at ("" = looked at)
  FactKind fact = FactKind::BlobRange;  // BlobGet or BlobRange: how the answer is checked
  std::size_t piece = 0;                // the hypothesis the client takes
  std::string description;              // for the assembly's parts
  bool claims_offsets = false;          // its bytes are judged at the offsets its Content-Range claims (range-bytes)
  std::string refuse_after;             // refused after the checks ("" = accepted)
  bool mark_after = true;               // that refusal marks the request an error
};

class FetchPolicy {
 public:
  virtual ~FetchPolicy() = default;
  // A new attempt at the blob (previous_error: why the last one failed).
  virtual void begin(int attempt, const std::string& previous_error) = 0;
  // The next request of the attempt, nullopt when it is over.
  virtual std::optional<HopPlan> next(const Assembly& a) = 0;
  virtual Judgement judge(const Hop& hop, const Assembly& a) const = 0;
  // The note for a refused answer.
  virtual std::string refusal_note(const HopPlan& plan, const std::string& why) const = 0;
  // A request that failed or was refused: true ends the attempt.
  virtual bool failed(const std::string& why) = 0;
  // Whether accepted bytes join the assembly.
  virtual bool accepts() const { return true; }
  // After bytes were accepted (offset before them): "" to go on, else why the client gives up.
  struct Step {
    bool stop = false;
    std::string give_up;
  };
  virtual Step accepted(const Hop& hop, const Assembly& a, std::uint64_t before) = 0;
  // "" when the attempt produced a body to verify, else the client's error.
  virtual std::string unfinished() const = 0;
  // The client's words when the assembled body has the wrong length (or digest).
  virtual std::string verification_failure(const Assembly& a, const Descriptor& d, bool wrong_length,
                                           const std::string& seen_digest) const = 0;
  // Whether a failed verification is retried from scratch.
  virtual bool retry(const Assembly& a, int attempt) const { return false; }
  virtual int resumes() const { return 0; }
};

// The two texts about a piece unlike the true content: {for a range-bytes
// finding, for the assembly's message}; where: the piece's description.
using ShiftTexts = std::function<std::pair<std::string, std::string>(const Piece&, const std::string& where)>;

std::unique_ptr<FetchPolicy> docker_resume(const PullOptions& options);
std::unique_ptr<FetchPolicy> containerd_resume(const PullOptions& options);
// size: what the downloader works with (the HEAD's, else the descriptor's).
std::unique_ptr<FetchPolicy> slices(const PullOptions& options, std::uint64_t size);

// "206 bytes=N- with 10 of 20 bytes", "200 with 30 bytes"
std::string piece_description(int status, const std::string& range, const BlobObservation& seen);

// Resuming clients (Docker, containerd): a first GET without Range, then
// Range: bytes=N- after each cut body, until one ends cleanly or the client
// gives up. Subclasses say what they accept and how they fail.
class ResumePolicy : public FetchPolicy {
 public:
  explicit ResumePolicy(const PullOptions& options) : max_resumes_(options.max_resumes) {}
  void begin(int attempt, const std::string& previous_error) override;
  std::optional<HopPlan> next(const Assembly& a) override;
  // The first answer of an attempt (no Range) must be a 200, whose bytes are
  // judged when the body is assembled; a resumed one as the client says.
  Judgement judge(const Hop& hop, const Assembly& a) const final;
  std::string refusal_note(const HopPlan& plan, const std::string& why) const override {
    return plan.operation + ": " + why;
  }
  bool failed(const std::string& why) override;
  Step accepted(const Hop& hop, const Assembly& a, std::uint64_t before) override;
  std::string unfinished() const override { return assembled_ ? std::string() : client_error_; }
  int resumes() const override { return total_resumes_; }

 protected:
  // A hypothesis for an answer that ignores the offset (containerd discards the head).
  virtual bool discards_to_offset() const { return false; }
  // containerd: gives up after reopens without progress ("" = goes on).
  virtual std::string no_progress(std::uint64_t offset, std::uint64_t before) { return {}; }
  // An answer to Range: bytes=<a.offset>- (range_).
  virtual Judgement judge_resumed(const Hop& hop, const Assembly& a) const = 0;
  static Judgement refused(std::string why);
  bool first_ = true;  // the next (or judged) request is the attempt's first
  std::string range_;  // the Range of the request being judged

 private:
  int max_resumes_;
  int attempt_ = 0;
  std::string previous_error_;
  int resumes_here_ = 0;
  int total_resumes_ = 0;
  std::string cut_reason_;
  std::string client_error_;
  bool assembled_ = false;
  bool done_ = false;
  bool issued_ = false;  // a request of this attempt was planned
};

}  // namespace stalemate::harness::client_detail
