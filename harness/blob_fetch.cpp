// The pull profiles of RegistryClient (see PullProfile): one loop,
// fetch_with, drives a FetchPolicy (blob_fetch.h) hop by hop and applies the
// checks to every hop and to the body the client assembles.
//
// Nothing holds a blob: every response streams through a running SHA-256 and
// is compared, as it arrives, with the true bytes at the offsets it claims
// (BlobSource::fill regenerates any range).
#include "harness/blob_fetch.h"

#include <cstring>
#include <stdexcept>

#include "common/crypto.h"
#include "harness/registry_client_impl.h"

namespace stalemate::harness {

using namespace client_detail;

namespace {

constexpr std::size_t kProbe = 32;             // bytes kept from the first difference, to find where they belong
constexpr std::size_t kMaxShiftProbes = 8192;  // candidate offsets tried per difference

std::string signed_text(std::int64_t v) { return (v >= 0 ? "+" : "") + std::to_string(v); }

// Where bytes that differ from the true content at `at` come from: the true
// offset at + d for d a multiple of a plausible segment size (the hint first,
// then the shifts seen before, then common Swift chunk sizes).
std::optional<std::int64_t> find_shift(const BlobSource& src, std::uint64_t size, std::uint64_t at,
                                       const std::string& probe, std::uint64_t hint,
                                       const std::vector<std::int64_t>& known) {
  if (probe.size() < 8 || size < probe.size()) return std::nullopt;
  const std::uint64_t max_start = size - probe.size();
  std::string buf(probe.size(), '\0');
  std::size_t tried = 0;
  auto matches = [&](std::int64_t d) {
    const std::int64_t o = static_cast<std::int64_t>(at) + d;
    if (d == 0 || o < 0 || static_cast<std::uint64_t>(o) > max_start) return false;
    ++tried;
    src.fill(static_cast<std::uint64_t>(o), buf.data(), buf.size());
    return buf == probe;
  };
  for (const auto d : known)
    if (matches(d)) return d;
  std::vector<std::uint64_t> segments;
  if (hint) segments.push_back(hint);
  for (std::uint64_t s : {1ull << 20, 5ull << 20, 20ull << 20, 2ull << 20, 4ull << 20, 8ull << 20, 10ull << 20,
                          16ull << 20, 32ull << 20, 64ull << 20, 256ull << 10, 512ull << 10, 64ull << 10})
    if (s != hint) segments.push_back(s);
  for (const auto s : segments) {
    for (std::uint64_t k = 1; k * s <= size; ++k) {
      const auto d = static_cast<std::int64_t>(k * s);
      if (matches(d)) return d;
      if (matches(-d)) return -d;
      if (tried >= kMaxShiftProbes) return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string shift_text(std::uint64_t at, const std::optional<std::int64_t>& shift) {
  if (!shift) return "they are not the true bytes at any segment-aligned offset";
  return "they are the true bytes at offset " + std::to_string(static_cast<std::int64_t>(at) + *shift) + " (" +
         signed_text(*shift) + ")";
}


// Where the bytes of differing pieces come from; shifts found before are tried first.
struct ShiftFinder {
  const BlobSource& src;
  std::uint64_t size;
  std::uint64_t hint;
  std::vector<std::int64_t> seen;

  // {for a range-bytes finding, for the assembly's message}
  std::pair<std::string, std::string> texts(const Piece& p, const std::string& where) {
    if (!p.first_diff) return {};
    const auto shift = find_shift(src, size, *p.first_diff, p.probe, hint, seen);
    if (shift) seen.push_back(*shift);
    const std::string tail = shift_text(*p.first_diff, shift);
    return {"its bytes differ from the true content from offset " + std::to_string(*p.first_diff) + " on; " + tail,
            "it first differs from the true content at offset " + std::to_string(*p.first_diff) + " (in the " +
                where + "; " + tail + ")"};
  }
};

void note_error(BlobFetch& out, const std::string& e) {
  if (!e.empty() && out.error.empty()) out.error = e;
}

}  // namespace

namespace client_detail {

std::string Sha256::digest() const {
  StreamingDigest copy(state_);
  return "sha256:" + copy.hex_final();
}

void Piece::consume(const BlobSource& src, std::uint64_t size, const char* data, std::size_t n,
                  std::vector<char>& scratch) {
  if (body < h.skip) {
    const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(n, h.skip - body));
    data += take;
    n -= take;
    body += take;
  }
  if (n == 0) return;
  body += n;
  hash.update(data, n);
  const std::uint64_t off = h.start + counted;
  counted += n;
  if (first_diff) {
    if (probe.size() < kProbe) probe.append(data, std::min(n, kProbe - probe.size()));
    return;
  }
  if (off >= size) return;  // beyond the true content: nothing to compare with
  const auto m = static_cast<std::size_t>(std::min<std::uint64_t>(n, size - off));
  if (scratch.size() < m) scratch.resize(m);
  src.fill(off, scratch.data(), m);
  if (std::memcmp(scratch.data(), data, m) == 0) return;
  std::size_t i = 0;
  while (scratch[i] == data[i]) ++i;
  first_diff = off + i;
  probe.assign(data + i, std::min(n - i, kProbe));
}

void Assembly::accept(const Piece& p, std::string description, std::size_t index, const std::string& url,
                      const Headers& headers, const std::string& diff_text) {
  hash = p.hash;
  offset = p.h.start + p.counted;
  parts.push_back(std::move(description));
  if (p.first_diff && !first_diff) {
    first_diff = p.first_diff;
    first_diff_text = diff_text;
  }
  last_index = index;
  last_url = url;
  last_headers = headers;
}

std::string Assembly::describe_parts() const {
  if (parts.empty()) return "nothing";
  if (parts.size() > 4)
    return std::to_string(parts.size()) + " responses: " + parts[0] + ", then " + parts[1] + ", …, then " + parts.back();
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ", then ") + p;
  return s;
}

std::string piece_description(int status, const std::string& range, const BlobObservation& seen) {
  std::string s = std::to_string(status);
  if (!range.empty()) s += " " + range;
  const bool cut = !seen.complete || (seen.content_length && seen.bytes_received != *seen.content_length);
  if (cut) {
    s += " with " + std::to_string(seen.bytes_received) + " of " +
         (seen.content_length ? std::to_string(*seen.content_length) : std::string("?")) + " bytes";
  } else if (range.empty()) {
    s += " with " + std::to_string(seen.bytes_received) + " bytes";
  }
  return s;
}

}  // namespace client_detail

Hop RegistryClient::Impl::fetch_hop(const HopPlan& plan, const std::string& repo, const BlobSource& src,
                                    const Assembly& assembly) {
  const auto& d = src.descriptor;
  const BlobExpectation expected{d.digest, d.size};
  std::string url = blob_url(repo, d.digest);
  std::vector<char> scratch;
  for (int redirect = 0;; ++redirect) {
    Hop hop;
    for (const auto& h : plan.hypotheses) hop.pieces.push_back(Piece{h, assembly.hash});
    ClientRequest req;
    req.url = url;
    if (!plan.range.empty()) req.headers["Range"] = plan.range;
    const BodySink sink = [&](const char* data, std::size_t n) {
      for (auto& p : hop.pieces) p.consume(src, d.size, data, n, scratch);
    };
    const std::string note = redirect ? (plan.note.empty() ? "" : plan.note + "; ") + "redirect hop " +
                                            std::to_string(redirect)
                                      : plan.note;
    const auto ex =
        perform(plan.operation, req, {200, 206, 301, 302, 303, 307, 308}, sink, kKeepErrorBody, false, note);
    const auto& r = ex.response;
    hop.index = ex.index;
    hop.url = ex.url;
    if (!ex.ok) {
      hop.error = ex.error;
      return hop;
    }
    hop.status = r.status;
    hop.headers = r.headers;
    hop.body_bytes = r.body_bytes;
    hop.complete = r.complete;
    hop.transport_error = r.error;
    hop.seen.method = "GET";
    hop.seen.url = ex.url;
    hop.seen.range = plan.range;
    hop.seen.status = r.status;
    hop.seen.content_length = content_length_of(r.headers);
    hop.seen.content_range = r.header("Content-Range");
    hop.seen.docker_content_digest = r.header("Docker-Content-Digest");
    hop.seen.bytes_received = r.body_bytes;
    hop.seen.complete = r.complete;
    if (!is_redirect(r.status)) return hop;

    record_fact(FactKind::Redirect, hop.index, hop.seen, r.headers, expected);
    if (!hop.seen.docker_content_digest.empty() && hop.seen.docker_content_digest != d.digest) {
      hop.error = describe_response(hop.seen) + " and Docker-Content-Digest " +
                  short_digest(hop.seen.docker_content_digest) + " (expected " + short_digest(d.digest) + ")";
      return hop;
    }
    if (!r.has_header("Location")) {
      history.mark(hop.index, "error", "redirect without Location");
      hop.error = plan.operation + ": GET " + path_of(hop.url) + " returned " + std::to_string(r.status) +
                  " without Location";
      return hop;
    }
    if (redirect >= kMaxRedirects) {
      history.mark(hop.index, "error", "too many redirects");
      hop.error = plan.operation + ": GET " + path_of(blob_url(repo, d.digest)) + ": more than " +
                  std::to_string(kMaxRedirects) + " redirects";
      return hop;
    }
    url = resolve_location(hop.url, r.header("Location"));
    history.mark(hop.index, "ok", "redirect to " + url);
  }
}

RegistryClient::Impl::BlobFetch RegistryClient::Impl::fetch_blob(const std::string& repo, const BlobSource& src,
                                                                 const PullOptions& options,
                                                                 std::optional<std::uint64_t> head_size) {
  std::unique_ptr<FetchPolicy> policy;
  switch (options.profile) {
    case PullProfile::Docker: policy = docker_resume(options); break;
    case PullProfile::Containerd: policy = containerd_resume(options); break;
    // The size the downloader works with: the HEAD's (a HEAD that redirected
    // or failed leaves the manifest's).
    case PullProfile::Slices: policy = slices(options, head_size.value_or(src.descriptor.size)); break;
    case PullProfile::Plain: break;
  }
  if (policy) return fetch_with(*policy, repo, src, options);
  BlobFetch out;
  out.error = get_blob("pull-blob", repo, src.descriptor).error;
  out.client_ok = out.error.empty();
  out.client_error = out.error;
  return out;
}

// One answer: refused, or checked and its bytes accepted. True ends the attempt.
bool RegistryClient::Impl::take_hop(FetchPolicy& policy, const HopPlan& plan, const Hop& hop, Assembly& a,
                                    const BlobExpectation& expected, const ShiftTexts& shifts, BlobFetch& out) {
  if (!hop.error.empty()) {
    note_error(out, hop.error);
    return policy.failed(hop.error);
  }
  const auto j = policy.judge(hop, a);
  auto refuse = [&](const std::string& why, bool mark) {
    if (mark) history.mark(hop.index, "error", why);
    note_error(out, policy.refusal_note(plan, why));
    return policy.failed(why);
  };
  if (!j.refuse.empty()) return refuse(j.refuse, true);
  record_fact(j.fact, hop.index, hop.seen, hop.headers, expected);
  const auto findings =
      j.fact == FactKind::BlobGet ? check_blob_get(expected, hop.seen) : check_blob_range(expected, hop.seen);
  for (const auto& f : findings) note_error(out, f.message);
  const Piece& p = hop.pieces.at(j.piece);
  const auto [range_bytes, assembly_diff] = shifts(p, j.description);
  if (j.claims_offsets && p.first_diff) {  // judged at the offsets it claims
    record_fact(FactKind::RangeBytes, hop.index, hop.seen, hop.headers, expected, {}, range_bytes);
    note_error(out, describe_response(hop.seen) + "; " + range_bytes);
  }
  if (!j.refuse_after.empty()) return refuse(j.refuse_after, j.mark_after);
  if (!policy.accepts()) return false;
  const std::uint64_t before = a.offset;
  a.accept(p, j.description, hop.index, hop.url, hop.headers, assembly_diff);
  const auto step = policy.accepted(hop, a, before);
  note_error(out, step.give_up);
  return step.stop;
}

// Every request of every attempt as the policy makes them, then the client's
// own check of what it assembled.
RegistryClient::Impl::BlobFetch RegistryClient::Impl::fetch_with(FetchPolicy& policy, const std::string& repo,
                                                                 const BlobSource& src, const PullOptions& options) {
  BlobFetch out;
  const auto& d = src.descriptor;
  const BlobExpectation expected{d.digest, d.size};
  ShiftFinder finder{src, d.size, options.segment_size_hint, {}};
  const ShiftTexts shifts = [&finder](const Piece& p, const std::string& where) { return finder.texts(p, where); };
  for (int attempt = 0;; ++attempt) {
    policy.begin(attempt, out.client_error);
    Assembly a(d.size);
    while (const auto plan = policy.next(a)) {
      const auto hop = fetch_hop(*plan, repo, src, a);
      if (take_hop(policy, *plan, hop, a, expected, shifts, out)) break;
    }
    out.resumes = policy.resumes();
    if (const auto e = policy.unfinished(); !e.empty()) {
      out.client_error = e;
      return out;
    }
    // The client checks what it assembled.
    BlobObservation seen;
    seen.method = "GET";
    seen.url = a.last_url.empty() ? blob_url(repo, d.digest) : a.last_url;
    seen.bytes_received = a.offset;
    seen.seen_digest = a.hash.digest();
    const std::string body = "client-assembled body (" + a.describe_parts() + ")";
    record_fact(FactKind::Assembled, a.last_index, seen, a.last_headers, expected, body,
                a.first_diff ? a.first_diff_text : std::string());
    const bool wrong_length = a.offset != d.size;
    if (!wrong_length && seen.seen_digest == d.digest) {
      out.client_ok = true;
      if (attempt > 0) history.mark(a.last_index, "ok", "the from-scratch retry verified");
      return out;
    }
    if (wrong_length)
      note_error(out, body + " has " + std::to_string(a.offset) + " bytes; the descriptor size is " + std::to_string(d.size));
    else
      note_error(out, body + " has the right length and sha256 " + short_hex_of(seen.seen_digest) + " (expected " +
                          short_hex_of(d.digest) + ")" + (a.first_diff ? "; " + a.first_diff_text : std::string()));
    out.client_error = policy.verification_failure(a, d, wrong_length, seen.seen_digest);
    if (!policy.retry(a, attempt)) return out;
    ++out.retries;
  }
}

}  // namespace stalemate::harness
