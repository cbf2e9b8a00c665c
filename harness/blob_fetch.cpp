// The pull profiles of RegistryClient (see PullProfile): how Docker,
// containerd and slicing downloaders fetch one blob, hop by hop, and the
// checks on every hop and on the body the client assembles.
//
// Nothing holds a blob: every response streams through a running SHA-256 and
// is compared, as it arrives, with the true bytes at the offsets it claims
// (BlobSource::fill regenerates any range).
#include <openssl/evp.h>

#include <cstring>
#include <stdexcept>

#include "common/crypto.h"
#include "harness/registry_client_impl.h"

namespace stalemate::harness {

using namespace client_detail;

namespace {

constexpr std::size_t kProbe = 32;           // bytes kept from the first difference, to find where they belong
constexpr std::size_t kMaxShiftProbes = 8192;  // candidate offsets tried per difference
constexpr int kContainerdNoProgress = 3;       // containerd httpreadseeker maxRetry (reopens without progress)

// SHA-256 that can be copied mid-stream: a hop's bytes are hashed into a copy
// of the assembly's state and become part of it only if the client accepts
// the response.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || !EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr)) throw std::runtime_error("cannot start sha256");
  }
  Sha256(const Sha256& o) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || !EVP_MD_CTX_copy_ex(ctx_, o.ctx_)) throw std::runtime_error("cannot copy sha256");
  }
  Sha256& operator=(const Sha256& o) {
    if (this != &o && !EVP_MD_CTX_copy_ex(ctx_, o.ctx_)) throw std::runtime_error("cannot copy sha256");
    return *this;
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void update(const char* p, std::size_t n) { EVP_DigestUpdate(ctx_, p, n); }
  // "sha256:<hex>" of what was hashed so far (the state is kept).
  std::string digest() const {
    Sha256 copy(*this);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(copy.ctx_, out, &len);
    return "sha256:" + to_hex(std::string_view(reinterpret_cast<char*>(out), len));
  }

 private:
  EVP_MD_CTX* ctx_;
};

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

}  // namespace

// The bytes of one response under one hypothesis of where they belong.
struct Piece {
  Hypothesis h;
  Sha256 hash;                 // the assembly's state, then these bytes
  std::uint64_t body = 0;      // body bytes seen (skipped ones included)
  std::uint64_t counted = 0;   // bytes placed at h.start onwards
  std::optional<std::uint64_t> first_diff;  // blob offset of the first byte unlike the true content
  std::string probe;           // received bytes from first_diff on

  void consume(const BlobSource& src, std::uint64_t size, const char* data, std::size_t n, std::vector<char>& scratch) {
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
};

// What the client has accepted so far of one blob attempt.
struct RegistryClient::Impl::Assembly {
  std::uint64_t size;  // the descriptor size
  Sha256 hash;
  std::uint64_t offset = 0;  // bytes accepted
  std::vector<std::string> parts;
  std::optional<std::uint64_t> first_diff;
  std::string first_diff_text;  // "(in the 200 …; they are the true bytes at …)"
  std::size_t last_index = 0;
  std::string last_url;
  Headers last_headers;

  explicit Assembly(std::uint64_t n) : size(n) {}

  // The blob-digest finding for an assembled body of the right length.
  std::string digest_mismatch(const std::string& body, const std::string& seen_digest,
                              const std::string& expected_digest) const {
    std::string m = body + " has the right length and sha256 " + short_hex_of(seen_digest) + " (expected " +
                    short_hex_of(expected_digest) + ")";
    if (first_diff) m += "; " + first_diff_text;
    return m;
  }

  void accept(const Piece& p, std::string description, std::size_t index, const std::string& url,
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

  std::string describe_parts() const {
    if (parts.empty()) return "nothing";
    if (parts.size() > 4) {
      return std::to_string(parts.size()) + " responses: " + parts[0] + ", then " + parts[1] + ", …, then " +
             parts.back();
    }
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", then ") + p;
    return s;
  }
};

// One logical request (redirects followed) and the bytes it delivered.
struct RegistryClient::Impl::Hop {
  Exchange ex;
  std::string error;  // no usable answer: a transport error before the status, a bad status, a bad redirect
  BlobObservation seen;
  std::vector<Piece> pieces;  // one per hypothesis, for the final response
};

RegistryClient::Impl::Hop RegistryClient::Impl::fetch_hop(const std::string& operation, const std::string& repo,
                                                          const BlobSource& src, const std::string& range,
                                                          const Assembly& assembly,
                                                          const std::vector<Hypothesis>& hypotheses,
                                                          const std::string& note) {
  const auto& d = src.descriptor;
  const BlobExpectation expected{d.digest, d.size};
  std::string url = blob_url(repo, d.digest);
  std::vector<char> scratch;
  for (int redirect = 0;; ++redirect) {
    Hop hop;
    for (const auto& h : hypotheses) hop.pieces.push_back(Piece{h, assembly.hash});
    ClientRequest req;
    req.url = url;
    if (!range.empty()) req.headers["Range"] = range;
    const BodySink sink = [&](const char* data, std::size_t n) {
      for (auto& p : hop.pieces) p.consume(src, d.size, data, n, scratch);
    };
    const std::string hop_note =
        redirect ? (note.empty() ? "" : note + "; ") + "redirect hop " + std::to_string(redirect) : note;
    hop.ex = perform(operation, req, {200, 206, 301, 302, 303, 307, 308}, sink, kKeepErrorBody, false, hop_note);
    const auto& r = hop.ex.response;
    if (!hop.ex.ok) {
      hop.error = hop.ex.error;
      return hop;
    }
    hop.seen.method = "GET";
    hop.seen.url = hop.ex.url;
    hop.seen.range = range;
    hop.seen.status = r.status;
    hop.seen.content_length = content_length_of(r.headers);
    hop.seen.content_range = r.header("Content-Range");
    hop.seen.docker_content_digest = r.header("Docker-Content-Digest");
    hop.seen.bytes_received = r.body_bytes;
    hop.seen.complete = r.complete;
    if (!is_redirect(r.status)) return hop;

    if (!hop.seen.docker_content_digest.empty() && hop.seen.docker_content_digest != d.digest) {
      const Finding f{"docker-content-digest", describe_response(hop.seen) + " and Docker-Content-Digest " +
                                                   short_digest(hop.seen.docker_content_digest) + " (expected " +
                                                   short_digest(d.digest) + ")"};
      record_fact(FactKind::Redirect, hop.ex.index, hop.seen, r.headers, expected);
      hop.error = f.message;
      return hop;
    }
    if (!r.has_header("Location")) {
      history.mark(hop.ex.index, "error", "redirect without Location");
      hop.error = operation + ": GET " + path_of(hop.ex.url) + " returned " + std::to_string(r.status) +
                  " without Location";
      return hop;
    }
    if (redirect >= kMaxRedirects) {
      history.mark(hop.ex.index, "error", "too many redirects");
      hop.error = operation + ": GET " + path_of(blob_url(repo, d.digest)) + ": more than " +
                  std::to_string(kMaxRedirects) + " redirects";
      return hop;
    }
    url = resolve_location(hop.ex.url, r.header("Location"));
    history.mark(hop.ex.index, "ok", "redirect to " + url);
  }
}

RegistryClient::Impl::BlobFetch RegistryClient::Impl::fetch_blob(const std::string& repo, const BlobSource& src,
                                                                 const PullOptions& options,
                                                                 std::optional<std::uint64_t> head_size) {
  switch (options.profile) {
    case PullProfile::Docker:
    case PullProfile::Containerd: return fetch_resuming(repo, src, options);
    case PullProfile::Slices: return fetch_slices(repo, src, options, head_size);
    case PullProfile::Plain: break;
  }
  BlobFetch out;
  out.error = get_blob("pull-blob", repo, src.descriptor).error;
  out.client_ok = out.error.empty();
  out.client_error = out.error;
  return out;
}

namespace {

struct FetchNotes {
  BlobFetch& out;
  void error(const std::string& e) {
    if (!e.empty() && out.error.empty()) out.error = e;
  }
};

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

}  // namespace

RegistryClient::Impl::BlobFetch RegistryClient::Impl::fetch_resuming(const std::string& repo, const BlobSource& src,
                                                                     const PullOptions& options) {
  BlobFetch out;
  FetchNotes notes{out};
  const bool docker = options.profile == PullProfile::Docker;
  const auto& d = src.descriptor;
  const BlobExpectation expected{d.digest, d.size};
  std::vector<std::int64_t> shifts_seen;

  // The message parts for a piece that differs from the true content.
  auto diff_texts = [&](const Piece& p, const std::string& where) -> std::pair<std::string, std::string> {
    if (!p.first_diff) return {};
    const auto shift = find_shift(src, d.size, *p.first_diff, p.probe, options.segment_size_hint, shifts_seen);
    if (shift) shifts_seen.push_back(*shift);
    const std::string tail = shift_text(*p.first_diff, shift);
    return {"its bytes differ from the true content from offset " + std::to_string(*p.first_diff) + " on; " + tail,
            "it first differs from the true content at offset " + std::to_string(*p.first_diff) + " (in the " +
                where + "; " + tail + ")"};
  };

  for (int attempt = 0;; ++attempt) {
    Assembly a(d.size);
    int resumes_here = 0;
    int no_progress = 0;
    std::string cut_reason;  // the transport error that ended the previous response
    std::string client_error;
    bool assembled = false;  // the last response ended cleanly: the client checks what it has
    for (bool first = true;; first = false) {
      const std::string range = first ? std::string() : "bytes=" + std::to_string(a.offset) + "-";
      std::vector<Hypothesis> hyps{{a.offset, 0}};
      // containerd accepts a 200 to its Range request and discards the head.
      if (!first && !docker) hyps.push_back({a.offset, a.offset});
      const std::string op = first ? (attempt == 0 ? "pull-blob" : "pull-blob-retry") : "pull-blob-resume";
      std::string note;
      if (first && attempt > 0) note = "from scratch after: " + out.client_error;
      if (!first) note = "resume " + std::to_string(resumes_here) + " at offset " + std::to_string(a.offset) +
                         " after: " + cut_reason;
      auto hop = fetch_hop(op, repo, src, range, a, hyps, note);
      if (!hop.error.empty()) {
        notes.error(hop.error);
        client_error = hop.error;
        break;
      }
      const auto& r = hop.ex.response;
      const auto index = hop.ex.index;
      auto reject = [&](const std::string& why) {
        history.mark(index, "error", why);
        notes.error(op + ": " + why);
        client_error = why;
      };

      const Piece* accepted = nullptr;
      std::string description;
      std::string assembly_diff;  // for the assembly's message, when the accepted bytes differ
      if (first) {
        if (r.status != 200) {
          reject("GET without Range returned " + std::to_string(r.status));
          break;
        }
        record_fact(FactKind::BlobGet, index, hop.seen, r.headers, expected); // no seen_digest: the assembly is judged below
        for (const auto& f : check_blob_get(expected, hop.seen)) notes.error(f.message);
        accepted = &hop.pieces[0];
        description = piece_description(200, {}, hop.seen);
      } else if (r.status == 206) {
        const auto cr = parse_content_range(hop.seen.content_range);
        const std::string want = "bytes " + std::to_string(a.offset) + "-";
        if (docker) {
          // distribution registry/client/transport/http_reader.go
          if (hop.seen.content_range.empty()) {
            reject("no Content-Range header found in HTTP 206 response");
            break;
          }
          if (!cr) {
            reject("could not parse Content-Range header: " + hop.seen.content_range);
            break;
          }
          if (cr->total && cr->last + 1 != *cr->total) {
            reject("range in Content-Range stops before the end of the content: " + hop.seen.content_range);
            break;
          }
          if (cr->first != a.offset) {
            reject("server returned unexpected Content-Range header: " + hop.seen.content_range);
            break;
          }
        } else if (!hop.seen.content_range.empty() && hop.seen.content_range.rfind(want, 0) != 0) {
          // containerd remotes/docker/fetcher.go
          reject("unhandled content range in response: " + hop.seen.content_range);
          break;
        }
        if (hop.seen.content_range.empty()) {
          // containerd: no Content-Range, so it discards up to the offset.
          if (r.body_bytes < a.offset) {
            reject("unable to discard to offset");
            break;
          }
          accepted = &hop.pieces[1];
          description = "206 without Content-Range for " + range + " (first " + std::to_string(a.offset) +
                        " bytes discarded)";
        } else {
          accepted = &hop.pieces[0];
          description = piece_description(206, range, hop.seen);
        }
        record_fact(FactKind::BlobRange, index, hop.seen, r.headers, expected);
        for (const auto& f : check_blob_range(expected, hop.seen)) notes.error(f.message);
        if (accepted->first_diff) {
          const auto [rb, in_assembly] = diff_texts(*accepted, description);
          assembly_diff = in_assembly;
          if (accepted == &hop.pieces[0]) {  // a 206 judged at the offsets it claims
            record_fact(FactKind::RangeBytes, index, hop.seen, r.headers, expected, {}, rb);
            notes.error(describe_response(hop.seen) + "; " + rb);
          }
        }
      } else if (r.status == 200) {
        if (docker) {
          reject("200 to Range " + range + " (ErrWrongCodeForByteRange)");
          break;
        }
        if (!hop.seen.content_range.empty() && hop.seen.content_range.rfind("bytes " + std::to_string(a.offset) + "-", 0) != 0) {
          reject("unhandled content range in response: " + hop.seen.content_range);
          break;
        }
        if (r.body_bytes < a.offset) {
          reject("unable to discard to offset");
          break;
        }
        record_fact(FactKind::BlobGet, index, hop.seen, r.headers, expected);
        for (const auto& f : check_blob_get(expected, hop.seen)) notes.error(f.message);
        accepted = &hop.pieces[1];
        description = "200 for " + range + " (first " + std::to_string(a.offset) + " bytes discarded)";
      } else {
        reject(std::to_string(r.status) + " to Range " + range);
        break;
      }

      const std::uint64_t before = a.offset;
      if (accepted->first_diff && assembly_diff.empty()) assembly_diff = diff_texts(*accepted, description).second;
      a.accept(*accepted, description, index, hop.ex.url, r.headers, assembly_diff);
      if (r.complete) {
        assembled = true;
        break;
      }
      // A cut body: the client resumes where it stopped.
      cut_reason = r.error.empty() ? "the body ended early" : r.error;
      if (!docker) {
        no_progress = a.offset == before ? no_progress + 1 : 0;
        if (no_progress > kContainerdNoProgress) {
          client_error = "unexpected EOF (" + std::to_string(no_progress) + " reopens without progress)";
          notes.error(client_error);
          break;
        }
      }
      if (resumes_here >= options.max_resumes) {
        client_error = "unexpected EOF at offset " + std::to_string(a.offset) + " of " + std::to_string(d.size) +
                       " after " + std::to_string(resumes_here) + " resumes";
        notes.error(client_error);
        break;
      }
      ++resumes_here;
      ++out.resumes;
    }

    if (!assembled) {
      out.client_error = client_error;
      return out;
    }

    // The client checks what it assembled.
    BlobObservation seen;
    seen.method = "GET";
    seen.url = a.last_url;
    seen.status = 0;
    seen.bytes_received = a.offset;
    seen.seen_digest = a.hash.digest();
    const std::string body = "client-assembled body (" + a.describe_parts() + ")";
    record_fact(FactKind::Assembled, a.last_index, seen, a.last_headers, expected, body,
                a.first_diff ? a.first_diff_text : std::string());
    std::string failure;
    if (a.offset != d.size) {
      const Finding f{"blob-length", body + " has " + std::to_string(a.offset) + " bytes; the descriptor size is " +
                                         std::to_string(d.size)};
      notes.error(f.message);
      failure = docker ? "filesystem layer verification failed for digest " + d.digest
                       : "unexpected commit size " + std::to_string(a.offset) + ", expected " + std::to_string(d.size);
    } else if (seen.seen_digest != d.digest) {
      const Finding f{"blob-digest", a.digest_mismatch(body, seen.seen_digest, d.digest)};
      notes.error(f.message);
      failure = docker ? "filesystem layer verification failed for digest " + d.digest
                       : "unexpected commit digest " + seen.seen_digest + ", expected " + d.digest;
    }
    if (failure.empty()) {
      out.client_ok = true;
      if (attempt > 0) history.mark(a.last_index, "ok", "the from-scratch retry verified");
      return out;
    }
    out.client_error = failure;
    // moby pull_v2: a verification failure after a resumed download is
    // retried (from scratch: the partial file is truncated); one without a
    // resume is DoNotRetry. The harness allows that retry once.
    if (docker && a.parts.size() > 1 && attempt == 0) {
      ++out.retries;
      continue;
    }
    return out;
  }
}

RegistryClient::Impl::BlobFetch RegistryClient::Impl::fetch_slices(const std::string& repo, const BlobSource& src,
                                                                   const PullOptions& options,
                                                                   std::optional<std::uint64_t> head_size) {
  BlobFetch out;
  FetchNotes notes{out};
  const auto& d = src.descriptor;
  const BlobExpectation expected{d.digest, d.size};
  // The size the downloader works with: the HEAD's (a HEAD that redirected
  // or failed leaves the manifest's).
  const std::uint64_t size = head_size.value_or(d.size);
  const std::uint64_t slice = std::max<std::uint64_t>(1, options.slice_size);
  const std::uint64_t count = (size + slice - 1) / slice;
  std::vector<std::int64_t> shifts_seen;
  Assembly a(d.size);
  bool intact = true;  // every slice so far was accepted, so the running hash is the body's
  std::size_t failed = 0;
  std::string first_failure;
  std::uint64_t n = 0;
  for (std::uint64_t start = 0; start < size; start += slice, ++n) {
    const std::uint64_t last = std::min(start + slice, size) - 1;
    const std::string range = "bytes=" + std::to_string(start) + "-" + std::to_string(last);
    auto hop = fetch_hop("pull-blob-slice", repo, src, range, a, {{start, 0}},
                         "slice " + std::to_string(n + 1) + " of " + std::to_string(count));
    auto fail = [&](const std::string& why, bool mark) {
      if (mark) history.mark(hop.ex.index, "error", why);
      notes.error(why);
      intact = false;
      ++failed;
      if (first_failure.empty()) first_failure = why;
    };
    if (!hop.error.empty()) {
      fail(hop.error, false);
      continue;
    }
    const auto& r = hop.ex.response;
    if (r.status != 206) {
      fail("pull-blob-slice: " + range + " answered " + std::to_string(r.status) + ", expected 206", true);
      continue;
    }
    record_fact(FactKind::BlobRange, hop.ex.index, hop.seen, r.headers, expected);
    for (const auto& f : check_blob_range(expected, hop.seen)) notes.error(f.message);
    const std::string want = "bytes " + std::to_string(start) + "-" + std::to_string(last) + "/" + std::to_string(size);
    const auto cr = parse_content_range(hop.seen.content_range);
    const Piece& p = hop.pieces[0];
    // Bytes are judged at the offsets the response claims (those asked for).
    if (cr && cr->first == start && p.first_diff) {
      const auto shift = find_shift(src, d.size, *p.first_diff, p.probe, options.segment_size_hint, shifts_seen);
      if (shift) shifts_seen.push_back(*shift);
      const std::string tail = shift_text(*p.first_diff, shift);
      const std::string where =
          "its bytes differ from the true content from offset " + std::to_string(*p.first_diff) + " on; " + tail;
      record_fact(FactKind::RangeBytes, hop.ex.index, hop.seen, r.headers, expected, {}, where);
      notes.error(describe_response(hop.seen) + "; " + where);
    }
    if (hop.seen.content_range != want) {
      fail("pull-blob-slice: " + range + " answered Content-Range " +
               (hop.seen.content_range.empty() ? std::string("(none)") : hop.seen.content_range) + ", expected " + want,
           true);
      continue;
    }
    if (!r.complete || r.body_bytes != last - start + 1) {
      fail("pull-blob-slice: " + range + " delivered " + std::to_string(r.body_bytes) + " of " +
               std::to_string(last - start + 1) + " bytes" + (r.error.empty() ? "" : " (" + r.error + ")"),
           false);
      continue;
    }
    if (intact) {
      std::string diff_text;
      if (p.first_diff) {
        const auto shift = find_shift(src, d.size, *p.first_diff, p.probe, options.segment_size_hint, shifts_seen);
        diff_text = "it first differs from the true content at offset " + std::to_string(*p.first_diff) +
                    " (in the 206 " + range + "; " + shift_text(*p.first_diff, shift) + ")";
      }
      a.accept(p, "206 " + range, hop.ex.index, hop.ex.url, r.headers, diff_text);
    }
  }
  if (!intact) {
    out.client_error = std::to_string(failed) + " of " + std::to_string(count) + " slices failed; first: " + first_failure;
    return out;
  }
  BlobObservation seen;
  seen.method = "GET";
  seen.url = a.last_url.empty() ? blob_url(repo, d.digest) : a.last_url;
  seen.bytes_received = a.offset;
  seen.seen_digest = a.hash.digest();
  const std::string body = "client-assembled body (" + a.describe_parts() + ")";
  record_fact(FactKind::Assembled, a.last_index, seen, a.last_headers, expected, body,
              a.first_diff ? a.first_diff_text : std::string());
  if (a.offset != d.size) {
    const Finding f{"blob-length", body + " has " + std::to_string(a.offset) + " bytes; the descriptor size is " +
                                       std::to_string(d.size)};
    notes.error(f.message);
    out.client_error = "assembled " + std::to_string(a.offset) + " bytes, expected " + std::to_string(d.size);
    return out;
  }
  if (seen.seen_digest != d.digest) {
    const Finding f{"blob-digest", a.digest_mismatch(body, seen.seen_digest, d.digest)};
    notes.error(f.message);
    out.client_error = "digest mismatch: assembled " + seen.seen_digest + ", expected " + d.digest;
    return out;
  }
  out.client_ok = true;
  return out;
}

}  // namespace stalemate::harness
