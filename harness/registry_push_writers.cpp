// Two writers on one upload (mechanisms.md M16) and the cancel of a failed
// upload (M12 e): push behaviours that Docker does not have but other
// clients and replayed requests do.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "harness/registry_client_impl.h"

namespace stalemate::harness {

using namespace client_detail;

namespace {

// The registry's resume of an upload makes four storage requests before it
// reads a PATCH body (GET _uploads/<id>/startedat, HEAD the upload's DLO
// manifest, the segment listing, HEAD of the first missing segment).
constexpr std::size_t kResumeStorageRequests = 4;
constexpr auto kResumeDeadline = std::chrono::seconds(10);

// What the first writer tells the second, and back.
struct Handshake {
  std::mutex mu;
  std::condition_variable cv;
  bool headers_sent = false;  // the first PATCH's headers are on the wire
  bool second_done = false;   // the second PATCH has been answered (or failed)
};

}  // namespace

// The first writer (this client, the true bytes) opens its PATCH and holds
// its body; once the registry has resumed the upload for it (its storage
// requests are seen, or 10 s passed), a second PATCH with the same URL and
// the same offset-0 `_state` sends its whole body. Both pass the registry's
// offset check (size 0 == offset 0), both write segments 1..n under the
// same prefix. Then the first writer sends its body and the client commits
// with the first writer's Location.
RegistryClient::Impl::BlobPushError RegistryClient::Impl::patch_two_writers(std::string& location,
                                                                           const BlobSource& src,
                                                                           SecondWriter how) {
  const auto& d = src.descriptor;
  Handshake hs;
  const std::size_t cursor_before = history.storage_cursor();
  std::string first_location = location;
  BlobPushError first;
  {
    std::jthread first_writer([&] {
      ClientRequest req;
      req.method = "PATCH";
      req.url = first_location;
      req.headers["Content-Type"] = "application/octet-stream";
      req.generator = [&](std::uint64_t off, char* buf, std::size_t len) {
        if (off == 0) {
          std::unique_lock lock(hs.mu);
          hs.headers_sent = true;
          hs.cv.notify_all();
          // Bounded: the second writer's PATCH has its own request deadline.
          hs.cv.wait_for(lock, std::chrono::minutes(5), [&] { return hs.second_done; });
        }
        src.fill(off, buf, len);
      };
      req.generator_size = d.size;
      req.chunked = true;
      auto ex = perform("push-patch", req, {202}, {}, 1u << 20, true, "first writer");
      if (!ex.ok) {
        first = {ex.error, true};
      } else if (!ex.response.has_header("Location")) {
        history.mark(ex.index, "error", "202 without Location");
        first = {"push-patch: PATCH returned 202 without Location", false};
      } else {
        first_location = resolve_location(ex.url, ex.response.header("Location"));
      }
      std::lock_guard lock(hs.mu);
      hs.headers_sent = true;  // a PATCH that failed before its body still releases the second writer
      hs.cv.notify_all();
    });

    {
      std::unique_lock lock(hs.mu);
      hs.cv.wait_for(lock, std::chrono::minutes(5), [&] { return hs.headers_sent; });
    }
    // Wait for the registry's resume for the first writer (a condition on
    // the store's event log; without a fake store there is none to watch).
    const auto deadline = std::chrono::steady_clock::now() + kResumeDeadline;
    while (cursor_before != 0 && history.storage_cursor() < cursor_before + kResumeStorageRequests &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));

    ClientRequest second;
    second.method = "PATCH";
    second.url = location;  // the POST's URL: the same `_state`
    second.headers["Content-Type"] = "application/octet-stream";
    second.generator = [&src, how](std::uint64_t off, char* buf, std::size_t len) {
      src.fill(off, buf, len);
      if (how == SecondWriter::OtherBytes)
        for (std::size_t i = 0; i < len; ++i) buf[i] = static_cast<char>(~static_cast<unsigned char>(buf[i]));
    };
    second.generator_size = d.size;
    second.chunked = true;
    perform("push-second-writer", second, {202}, {}, 1u << 20, true,
            how == SecondWriter::OtherBytes ? "second writer, same _state, other bytes of the same length"
                                            : "second writer, same _state, the same bytes");
    {
      std::lock_guard lock(hs.mu);
      hs.second_done = true;
    }
    hs.cv.notify_all();
  }  // the first writer has ended
  if (!first.error.empty()) return first;
  location = first_location;
  return {};
}

void RegistryClient::Impl::cancel_upload(const std::string& location) {
  ClientRequest del;
  del.method = "DELETE";
  del.url = location;
  perform("push-cancel", del, {204}, {}, 1u << 20, true, "cancel of the failed upload");
}

}  // namespace stalemate::harness
