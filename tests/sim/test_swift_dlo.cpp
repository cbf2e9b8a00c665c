// Swift front-end: Dynamic Large Objects (dlo middleware semantics).
#include "common/crypto.h"
#include "common/time_format.h"
#include "sim/swift/dlo.h"
#include "swift_test_util.h"

using namespace swift_test;
using stalemate::md5_hex;
using stalemate::sim::SwiftConfig;

namespace {
const std::string kSeg1 = "AAAA", kSeg2 = "BBBBB", kSeg3 = "CC";
const std::string kWhole = kSeg1 + kSeg2 + kSeg3;

struct DloFixture : SwiftFixture {
  explicit DloFixture(SwiftConfig config = {}) : SwiftFixture(std::move(config)) {
    make_container("reg");
    // Uploaded out of order: the listing order (by name) is what counts.
    put("reg", "segments/P/0000000000000003", kSeg3);
    put("reg", "segments/P/0000000000000001", kSeg1);
    put("reg", "segments/P/0000000000000002", kSeg2);
    put("reg", "files/blob/data", "", {{"X-Object-Manifest", "reg/segments/P"}, {"X-Object-Meta-Digest", "sha"}});
  }
  static std::string dlo_etag(std::initializer_list<std::string> parts) {
    std::string hashes;
    for (const auto& p : parts) hashes += md5_hex(p);
    return "\"" + md5_hex(hashes) + "\"";
  }
};
}  // namespace

TEST_CASE_METHOD(DloFixture, "DLO GET concatenates the listed segments in name order") {
  auto res = get("reg", "files/blob/data");
  REQUIRE(res.status == 200);
  CHECK(res.body_string() == kWhole);
  CHECK(res.content_length() == 11);
  CHECK(header(res, "Etag") == dlo_etag({kSeg1, kSeg2, kSeg3}));
  CHECK(header(res, "X-Object-Manifest") == "reg/segments/P");
  CHECK(header(res, "X-Object-Meta-Digest") == "sha");
  // Last-Modified and X-Timestamp are the manifest's.
  auto manifest = store.read_object("AUTH_test", "reg", "files/blob/data");
  REQUIRE(manifest.version);
  CHECK(header(res, "X-Timestamp") == stalemate::swift_timestamp(manifest.version->ts));
  // Segment bodies are served as views of the stored segments.
  REQUIRE(res.body.size() == 3);
  CHECK(res.body[1].data.get() == store.read_object("AUTH_test", "reg", "segments/P/0000000000000002").version->body.pieces()[0].data.get());
}

TEST_CASE_METHOD(DloFixture, "DLO HEAD announces the listed length and etag without reading segments") {
  auto res = head("reg", "files/blob/data");
  REQUIRE(res.status == 200);
  CHECK(res.head);
  CHECK(res.content_length() == 11);
  CHECK(res.deliverable_bytes() == 0);
  CHECK(header(res, "Etag") == dlo_etag({kSeg1, kSeg2, kSeg3}));
  CHECK(header(res, "X-Object-Manifest") == "reg/segments/P");
}

TEST_CASE_METHOD(DloFixture, "DLO Range is mapped across segment boundaries") {
  auto r = get("reg", "files/blob/data", {{"Range", "bytes=2-6"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "AABBB");
  CHECK(header(r, "Content-Range") == "bytes 2-6/11");
  CHECK(r.content_length() == 5);

  r = get("reg", "files/blob/data", {{"Range", "bytes=4-"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "BBBBBCC");
  CHECK(header(r, "Content-Range") == "bytes 4-10/11");
  CHECK(r.body.size() == 2);  // the first segment is not read at all

  r = get("reg", "files/blob/data", {{"Range", "bytes=-3"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == "BCC");

  r = get("reg", "files/blob/data", {{"Range", "bytes=0-"}});
  CHECK(r.status == 206);
  CHECK(r.body_string() == kWhole);
  CHECK(header(r, "Content-Range") == "bytes 0-10/11");

  r = get("reg", "files/blob/data", {{"Range", "bytes=11-"}});
  CHECK(r.status == 416);
  CHECK(header(r, "Content-Range") == "bytes */11");
  // dlo.py answers an unsatisfiable range itself, HEAD included.
  CHECK(head("reg", "files/blob/data", {{"Range", "bytes=11-"}}).status == 416);
  // Several ranges: the whole object.
  r = get("reg", "files/blob/data", {{"Range", "bytes=0-0,3-4"}});
  CHECK(r.status == 200);
  CHECK(r.body_string() == kWhole);
}

TEST_CASE_METHOD(DloFixture, "DLO with an empty listing: 200 length 0, 416 with a Range") {
  put("reg", "files/empty/data", "", {{"X-Object-Manifest", "reg/segments/NOTHING"}});
  auto r = get("reg", "files/empty/data");
  CHECK(r.status == 200);
  CHECK(r.content_length() == 0);
  CHECK(r.body_string().empty());
  CHECK(header(r, "Etag") == "\"" + md5_hex("") + "\"");
  auto ranged = get("reg", "files/empty/data", {{"Range", "bytes=0-"}});
  CHECK(ranged.status == 416);
  CHECK(header(ranged, "Content-Range") == "bytes */0");
  CHECK(head("reg", "files/empty/data").content_length() == 0);
}

TEST_CASE_METHOD(DloFixture, "DLO manifest's own body is ignored; multipart-manifest=get serves it") {
  put("reg", "files/own/data", "manifest-body", {{"X-Object-Manifest", "reg/segments/P"}});
  CHECK(get("reg", "files/own/data").body_string() == kWhole);
  auto raw = call("GET", obj_path("reg", "files/own/data") + "?multipart-manifest=get");
  CHECK(raw.status == 200);
  CHECK(raw.body_string() == "manifest-body");
  CHECK(header(raw, "Etag") == md5_hex("manifest-body"));
  CHECK(header(raw, "X-Object-Manifest") == "reg/segments/P");
}

TEST_CASE_METHOD(DloFixture, "DLO segments may live in another container; a missing one is 404") {
  make_container("segs");
  put("segs", "x/1", "xy");
  put("segs", "x/2", "z");
  put("reg", "other", "", {{"X-Object-Manifest", "segs/x/"}});
  CHECK(get("reg", "other").body_string() == "xyz");
  put("reg", "dangling", "", {{"X-Object-Manifest", "nosuch/x"}});
  CHECK(get("reg", "dangling").status == 404);
}

TEST_CASE_METHOD(DloFixture, "DLO listing prefix matches names, not path components") {
  put("reg", "segments/P0", "+P0");  // "segments/P" is a plain prefix; '/' sorts before '0'
  put("reg", "segments/P.", ".");    // and '.' before '/'
  CHECK(get("reg", "files/blob/data").body_string() == "." + kWhole + "+P0");
}

TEST_CASE("DLO listing is paged by dlo_listing_page with markers") {
  for (std::size_t page : {1u, 2u, 3u, 10000u}) {
    SwiftConfig c;
    c.dlo_listing_page = page;
    DloFixture f(c);
    f.put("reg", "segments/P/0000000000000004", "D");
    auto r = f.get("reg", "files/blob/data");
    CHECK(r.body_string() == kWhole + "D");
    CHECK(r.content_length() == 12);
    CHECK(header(r, "Etag") == DloFixture::dlo_etag({kSeg1, kSeg2, kSeg3, "D"}));
  }
}

TEST_CASE_METHOD(DloFixture, "invalid X-Object-Manifest values are refused on PUT") {
  for (const char* bad : {"nocontainer", "/x", "c/", "c/p?x", "c//p"})
    CHECK(call("PUT", obj_path("reg", "m"), {{"X-Object-Manifest", bad}}, "").status == 400);
}

TEST_CASE_METHOD(DloFixture, "COPY of a DLO copies the assembled content; with multipart-manifest=get the manifest") {
  auto res = call("COPY", obj_path("reg", "files/blob/data"), {{"Destination", "reg/flat"}});
  REQUIRE(res.status == 201);
  CHECK(header(res, "Etag") == md5_hex(kWhole));
  auto flat = get("reg", "flat");
  CHECK(flat.body_string() == kWhole);
  CHECK_FALSE(has_header(flat, "X-Object-Manifest"));
  CHECK(header(flat, "X-Object-Meta-Digest") == "sha");

  res = call("COPY", obj_path("reg", "files/blob/data") + "?multipart-manifest=get", {{"Destination", "reg/files/moved/data"}});
  REQUIRE(res.status == 201);
  auto moved = head("reg", "files/moved/data");
  CHECK(header(moved, "X-Object-Manifest") == "reg/segments/P");
  CHECK(moved.content_length() == 11);
}

TEST_CASE_METHOD(DloFixture, "POST to a manifest without X-Object-Manifest makes it a plain object, as in Swift") {
  CHECK(call("POST", obj_path("reg", "files/blob/data"), {{"X-Object-Meta-A", "1"}}).status == 202);
  auto g = get("reg", "files/blob/data");
  CHECK(g.body_string().empty());
  CHECK_FALSE(has_header(g, "X-Object-Manifest"));
  CHECK(header(g, "X-Object-Meta-A") == "1");
  CHECK(call("POST", obj_path("reg", "files/blob/data"), {{"X-Object-Manifest", "reg/segments/P"}}).status == 202);
  CHECK(get("reg", "files/blob/data").body_string() == kWhole);
}

namespace {
stalemate::sim::ListItem row(const std::string& name, std::uint64_t bytes) {
  stalemate::sim::ListItem it;
  it.name = name;
  it.row.bytes = bytes;
  return it;
}
stalemate::sim::ObjectVersion version(const std::string& body) {
  stalemate::sim::ObjectVersion v;
  v.body = stalemate::make_payload(body);
  return v;
}
}  // namespace

TEST_CASE("DLO assembly streams a segment's real bytes when its size differs from the listing, as Swift does") {
  using namespace stalemate::sim::swift;
  // Listed 4 + 4 + 4, but segment 2 really holds 6 bytes (a stale row).
  std::vector<stalemate::sim::ListItem> listing{row("s/1", 4), row("s/2", 4), row("s/3", 4)};
  std::map<std::string, std::string> objects{{"s/1", "aaaa"}, {"s/2", "bbbbbb"}, {"s/3", "cccc"}};
  std::vector<std::string> reads;
  SegmentReader reader = [&](const std::string& name) -> std::optional<stalemate::sim::ObjectVersion> {
    reads.push_back(name);
    auto it = objects.find(name);
    if (it == objects.end()) return std::nullopt;
    return version(it->second);
  };

  // Whole segments are read whole: the longer segment shifts what follows and
  // the response is truncated at the listed length (12 bytes, spliced).
  DloBody body = assemble_dlo_body(listing, 0, 12, reader);
  CHECK_FALSE(body.complete);
  CHECK_FALSE(body.first_segment_failed);
  CHECK(body.bytes == 14);
  HttpResponse res;
  apply_dlo_body(res, std::move(body), 12);
  CHECK(res.content_length() == 12);
  CHECK(res.deliverable_bytes() == 12);
  CHECK(res.body_string() == "aaaabbbbbbcc");
  CHECK(reads == std::vector<std::string>{"s/1", "s/2", "s/3"});

  // A shorter real segment delivers fewer bytes than announced: the
  // connection is cut after them.
  objects["s/2"] = "bb";
  body = assemble_dlo_body(listing, 0, 12, reader);
  CHECK_FALSE(body.complete);
  CHECK(body.bytes == 10);
  res = HttpResponse{};
  apply_dlo_body(res, std::move(body), 12);
  CHECK(res.deliverable_bytes() == 10);
  CHECK(res.body_string() == "aaaabbcccc");

  // A Range edge inside the odd segment is read in listed coordinates, capped
  // by the real size: bytes 6..9 are s/2[2..4) (only "" of "bb") then s/3[0..2).
  body = assemble_dlo_body(listing, 6, 10, reader);
  CHECK(body.bytes == 2);

  // A range that starts past the odd segment is not affected by it.
  reads.clear();
  body = assemble_dlo_body(listing, 9, 12, reader);
  CHECK(body.complete);
  CHECK(body.bytes == 3);
  CHECK(reads == std::vector<std::string>{"s/3"});

  // Zero-length rows are never fetched; a missing first segment is flagged.
  reads.clear();
  std::vector<stalemate::sim::ListItem> with_empty{row("s/0", 0), row("missing", 4), row("s/3", 4)};
  body = assemble_dlo_body(with_empty, 0, 8, reader);
  CHECK(body.first_segment_failed);
  CHECK(body.bytes == 0);
  CHECK(reads == std::vector<std::string>{"missing"});
}
