// Bytes: shared chunks that slicing, concatenating and flipping a byte never
// copy wholesale, and digests that travel with the bytes they describe.
#include <catch2/catch.hpp>

#include "common/bytes.h"
#include "common/crypto.h"

using namespace stalemate;

namespace {
Bytes three_chunks() {
  BytesBuilder b;
  b.append(Bytes::of("hello "));
  b.append(Bytes::of("big "));
  b.append(Bytes::of("world"));
  return b.build();
}
}  // namespace

TEST_CASE("bytes: concatenation and slices share the chunks") {
  const Bytes whole = three_chunks();
  CHECK(whole.size() == 15);
  CHECK(whole.str() == "hello big world");
  CHECK(whole.pieces().size() == 3);
  CHECK(whole.chunks().size() == 3);
  const Bytes mid = whole.slice(4, 7);
  CHECK(mid.str() == "o big w");
  CHECK(mid.pieces().size() == 3);
  CHECK(mid.pieces()[0].data == whole.pieces()[0].data);  // the same buffer, not a copy
  CHECK(whole.slice(6, 100).str() == "big world");          // clamped
  CHECK(whole.slice(15, 1).empty());
  CHECK(whole.substr(10, 3) == "wor");
  CHECK(whole.at(14) == 'd');
  CHECK_THROWS(whole.at(15));
  // Appending adjacent slices of one chunk merges them back into one piece.
  BytesBuilder b;
  b.append(whole.slice(0, 2));
  b.append(whole.slice(2, 2));
  CHECK(b.build().pieces().size() == 1);
  CHECK(whole.slice(0, 15).same_buffers(whole));
  CHECK_FALSE(Bytes::of("hello big world").same_buffers(whole));
}

TEST_CASE("bytes: flipping a byte copies only its chunk") {
  const Bytes whole = three_chunks();
  const Bytes rotten = whole.with_flipped_byte(7);
  CHECK(rotten.str() == std::string("hello b") + static_cast<char>('i' ^ 0xff) + "g world");
  CHECK(whole.str() == "hello big world");  // the original is untouched
  CHECK(rotten.pieces()[0].data == whole.pieces()[0].data);
  CHECK(rotten.pieces()[1].data != whole.pieces()[1].data);
  CHECK(rotten.pieces()[2].data == whole.pieces()[2].data);
}

TEST_CASE("bytes: known digests are used, others computed, and slices drop them") {
  const Bytes plain = Bytes::of("abc");
  CHECK_FALSE(plain.has_md5());
  CHECK(plain.md5_hex() == md5_hex("abc"));
  CHECK(plain.sha256_hex() == sha256_hex("abc"));
  // A receiver's digests are trusted as given (they were computed on the way).
  const Bytes received = Bytes::from_pieces(plain.pieces(), "m", "s");
  CHECK(received.md5_hex() == "m");
  CHECK(received.sha256_hex() == "s");
  CHECK(received.slice(0, 3).md5_hex() == "m");             // the whole: still the same bytes
  CHECK(received.slice(0, 2).md5_hex() == md5_hex("ab"));   // a part: computed
  CHECK(Bytes().md5_hex() == md5_hex(""));
  CHECK(Bytes().empty());
}

TEST_CASE("streaming digest: a copy carries the state so far, raw and hex finals agree") {
  StreamingDigest sha("sha256");
  sha.update("hello ");
  StreamingDigest prefix(sha);  // the state after "hello "
  sha.update("world");
  CHECK(prefix.bytes() == 6);
  CHECK(prefix.hex_final() == sha256_hex("hello "));
  StreamingDigest assigned("md5");
  assigned = sha;
  CHECK(assigned.raw_final() == sha256_raw("hello world"));
  CHECK(sha.hex_final() == sha256_hex("hello world"));  // the original goes on unchanged
  StreamingDigest sha1("sha1");
  sha1.update("abc");
  CHECK(to_hex(sha1.raw_final()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}
