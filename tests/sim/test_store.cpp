// The replicated store model: per-replica state, timestamps, listings, X-Newest,
// tombstones, and the test-only corruption hook.
#include <catch2/catch.hpp>

#include "common/crypto.h"
#include "sim/model/store.h"

using namespace stalemate;
using namespace stalemate::sim;

namespace {
ObjectVersion version_of(std::string body) {
  ObjectVersion v;
  v.body = make_payload(std::move(body));
  return v;
}
struct StoreFixture {
  Store store;
  StoreFixture() {
    store.create_account("AUTH_t");
    REQUIRE(store.put_container("AUTH_t", "c", {}) == Store::ContainerPut::Created);
  }
};
}  // namespace

TEST_CASE_METHOD(StoreFixture, "put then read returns the bytes, md5 etag and a fresh timestamp") {
  auto w = store.put_object("AUTH_t", "c", "a/b", version_of("hello"));
  REQUIRE(w.status == Store::WriteStatus::Ok);
  CHECK(w.ts % 10 == 0);
  auto r = store.read_object("AUTH_t", "c", "a/b");
  REQUIRE(r.version);
  CHECK(r.version->body.str() == "hello");
  CHECK(r.version->etag == md5_hex("hello"));
  CHECK(r.version->ts == w.ts);
  CHECK(r.replica == 0);
}

TEST_CASE_METHOD(StoreFixture, "timestamps strictly increase across writes") {
  Timestamp last = 0;
  for (int i = 0; i < 50; ++i) {
    auto w = store.put_object("AUTH_t", "c", "o", version_of(std::to_string(i)));
    CHECK(w.ts > last);
    last = w.ts;
  }
  CHECK(store.read_object("AUTH_t", "c", "o").version->body.str() == "49");
}

TEST_CASE("replicas share one payload buffer") {
  Store store(StoreTopology{5, 3});
  store.create_account("A");
  store.put_container("A", "c", {});
  auto payload = make_payload(std::string(1 << 20, 'x'));
  const Bytes body = payload;
  ObjectVersion v;
  v.body = body;
  store.put_object("A", "c", "big", std::move(v));
  // 1 caller copy + 5 replicas of the same bytes, and those bytes one buffer
  CHECK(body.use_count() == 6);
  CHECK(payload.use_count() == 2);  // the caller's and the bytes'
  CHECK(store.read_object("A", "c", "big").version->body.same_buffers(body));
}

TEST_CASE_METHOD(StoreFixture, "delete writes a tombstone; second delete is NotFound; X-Newest agrees") {
  store.put_object("AUTH_t", "c", "o", version_of("x"));
  CHECK(store.delete_object("AUTH_t", "c", "o").status == Store::WriteStatus::Ok);
  CHECK_FALSE(store.read_object("AUTH_t", "c", "o").version);
  CHECK_FALSE(store.read_object("AUTH_t", "c", "o", {.newest = true}).version);
  CHECK(store.delete_object("AUTH_t", "c", "o").status == Store::WriteStatus::NotFound);
  auto listing = store.list_objects("AUTH_t", "c", {});
  REQUIRE(listing);
  CHECK(listing->empty());
}

TEST_CASE_METHOD(StoreFixture, "writes to a missing container fail") {
  CHECK(store.put_object("AUTH_t", "nope", "o", version_of("x")).status == Store::WriteStatus::NoContainer);
  CHECK_FALSE(store.list_objects("AUTH_t", "nope", {}));
  CHECK(store.put_container("AUTH_nobody", "c", {}) == Store::ContainerPut::NoAccount);
}

TEST_CASE_METHOD(StoreFixture, "container stats and delete of a non-empty container") {
  store.put_object("AUTH_t", "c", "a", version_of("12345"));
  store.put_object("AUTH_t", "c", "b", version_of("678"));
  auto stats = store.container("AUTH_t", "c");
  REQUIRE(stats);
  CHECK(stats->object_count == 2);
  CHECK(stats->bytes_used == 8);
  CHECK(store.delete_container("AUTH_t", "c") == Store::ContainerDelete::NotEmpty);
  store.delete_object("AUTH_t", "c", "a");
  store.delete_object("AUTH_t", "c", "b");
  CHECK(store.delete_container("AUTH_t", "c") == Store::ContainerDelete::Deleted);
  CHECK(store.delete_container("AUTH_t", "c") == Store::ContainerDelete::NotFound);
}

TEST_CASE_METHOD(StoreFixture, "metadata updates: set, replace, remove with empty value") {
  REQUIRE(store.update_container_metadata("AUTH_t", "c", {{"X-Container-Meta-Temp-Url-Key", "k1"}}));
  CHECK(store.container("AUTH_t", "c")->metadata.at("x-container-meta-temp-url-key") == "k1");
  store.update_container_metadata("AUTH_t", "c", {{"X-Container-Meta-Temp-Url-Key", ""}});
  CHECK(store.container("AUTH_t", "c")->metadata.empty());
  REQUIRE(store.update_account_metadata("AUTH_t", {{"X-Account-Meta-Temp-Url-Key", "s"}}));
  CHECK(store.account("AUTH_t")->metadata.at("X-Account-Meta-Temp-Url-Key") == "s");
  CHECK_FALSE(store.update_account_metadata("AUTH_zz", {}));
}

TEST_CASE_METHOD(StoreFixture, "post replaces user metadata but keeps body and manifest") {
  auto v = version_of("body");
  v.metadata["X-Object-Meta-Color"] = "red";
  v.metadata["X-Object-Manifest"] = "c/segs";
  store.put_object("AUTH_t", "c", "o", v);
  auto w = store.post_object("AUTH_t", "c", "o", {{"X-Object-Meta-Size", "big"}}, "text/plain");
  REQUIRE(w.status == Store::WriteStatus::Ok);
  auto r = store.read_object("AUTH_t", "c", "o").version;
  REQUIRE(r);
  CHECK(r->body.str() == "body");
  CHECK(r->metadata.count("X-Object-Meta-Color") == 0);
  CHECK(r->metadata.at("X-Object-Meta-Size") == "big");
  CHECK(r->manifest() == "c/segs");
  CHECK(r->content_type == "text/plain");
  CHECK(store.post_object("AUTH_t", "c", "missing", {}, "").status == Store::WriteStatus::NotFound);
}

TEST_CASE_METHOD(StoreFixture, "debug_flip_byte corrupts every replica's copy but not the listing row") {
  store.put_object("AUTH_t", "c", "seg", version_of("abcdef"));
  REQUIRE(store.debug_flip_byte("AUTH_t", "c", "seg", 2));
  auto r = store.read_object("AUTH_t", "c", "seg", {.newest = true}).version;
  REQUIRE(r);
  CHECK(r->body.str() == std::string("ab") + static_cast<char>('c' ^ 0xff) + "def");
  CHECK(r->etag == md5_hex("abcdef"));
  CHECK_FALSE(store.debug_flip_byte("AUTH_t", "c", "seg", 6));
  CHECK_FALSE(store.debug_flip_byte("AUTH_t", "c", "none", 0));
  CHECK(store.debug_object_names("AUTH_t", "c", "se") == std::vector<std::string>{"seg"});
}

TEST_CASE("select_listing: prefix, delimiter, marker, end_marker, limit") {
  std::map<std::string, ListingRow> rows;
  for (const char* n : {"a", "b/1", "b/2", "b/3/x", "c", "d/e", "dz"}) rows[n] = ListingRow{1, false, 1, "h", "t", 1, 0};
  rows["b/gone"] = ListingRow{2, true, 0, "", "", 2, 0};
  auto names = [](const std::vector<ListItem>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back((i.subdir ? "dir:" : "") + i.name);
    return out;
  };
  CHECK(names(select_listing(rows, {})) == std::vector<std::string>{"a", "b/1", "b/2", "b/3/x", "c", "d/e", "dz"});
  CHECK(names(select_listing(rows, {.prefix = "b/"})) == std::vector<std::string>{"b/1", "b/2", "b/3/x"});
  CHECK(names(select_listing(rows, {.delimiter = "/"})) ==
        std::vector<std::string>{"a", "dir:b/", "c", "dir:d/", "dz"});
  CHECK(names(select_listing(rows, {.prefix = "b/", .delimiter = "/"})) ==
        std::vector<std::string>{"b/1", "b/2", "dir:b/3/"});
  CHECK(names(select_listing(rows, {.marker = "b/2"})) == std::vector<std::string>{"b/3/x", "c", "d/e", "dz"});
  CHECK(names(select_listing(rows, {.delimiter = "/", .marker = "b/"})) == std::vector<std::string>{"c", "dir:d/", "dz"});
  CHECK(names(select_listing(rows, {.end_marker = "c"})) == std::vector<std::string>{"a", "b/1", "b/2", "b/3/x"});
  CHECK(names(select_listing(rows, {.limit = 2})) == std::vector<std::string>{"a", "b/1"});
  CHECK(select_listing(rows, {.prefix = "zzz"}).empty());
  // a marker at or past the last row ends paging, with or without a prefix
  CHECK(select_listing(rows, {.prefix = "b/", .marker = "b/3/x"}).empty());
  CHECK(select_listing(rows, {.prefix = "b/", .marker = "zz"}).empty());
  CHECK(select_listing(rows, {.marker = "dz"}).empty());
  CHECK(names(select_listing(rows, {.prefix = "b/", .marker = "a"})) == std::vector<std::string>{"b/1", "b/2", "b/3/x"});
  CHECK(select_listing(rows, {.limit = 0}).empty());
}
