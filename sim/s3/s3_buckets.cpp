// The service (ListBuckets) and bucket requests: PUT, HEAD, DELETE and
// GetBucketLocation. One bucket is one store container; its multipart
// containers ("+parts", "+uploads") never show.
#include "common/time_format.h"
#include "sim/s3/s3_service.h"
#include "sim/s3/s3_xml.h"

namespace stalemate::sim::s3 {

void S3Service::require_bucket(const Ctx& ctx) const {
  if (!store_.container(config_.account, ctx.bucket, ctx.model))
    fail(404, "NoSuchBucket", "The specified bucket does not exist");
}

HttpResponse S3Service::list_buckets(const Ctx& ctx) {
  std::string buckets;
  std::string marker;
  while (true) {
    ListQuery q;
    q.marker = marker;
    q.limit = 10000;
    auto rows = store_.list_containers(config_.account, q);
    if (!rows || rows->empty()) break;
    for (const auto& item : *rows) {
      marker = item.name;
      if (is_hidden_container(item.name)) continue;
      buckets += "<Bucket>" + xml_element("Name", item.name) +
                 xml_element("CreationDate", iso8601_millis(item.row.last_modified)) + "</Bucket>";
    }
    if (rows->size() < q.limit) break;
  }
  return xml_response(
      xml_document("ListAllMyBucketsResult", owner_xml(config_.account) + "<Buckets>" + buckets + "</Buckets>"));
}

HttpResponse S3Service::put_bucket(const Ctx& ctx) {
  if (!valid_bucket_name(ctx.bucket)) fail(400, "InvalidBucketName", "The specified bucket is not valid.");
  switch (store_.put_container(config_.account, ctx.bucket, {})) {
    case Store::ContainerPut::Created: break;
    case Store::ContainerPut::Accepted:
      // us-east-1 answers 200 to a bucket you already own (for compatibility); every other region 409.
      if (config_.region == "us-east-1") break;
      fail(409, "BucketAlreadyOwnedByYou",
           "Your previous request to create the named bucket succeeded and you already own it.");
    case Store::ContainerPut::NoAccount: fail(500, "InternalError", "The S3 account does not exist");
  }
  HttpResponse r;
  r.headers["Location"] = "/" + ctx.bucket;
  return r;
}

HttpResponse S3Service::head_bucket(const Ctx& ctx) {
  require_bucket(ctx);
  HttpResponse r;
  r.headers["x-amz-bucket-region"] = config_.region;
  return r;
}

HttpResponse S3Service::delete_bucket(const Ctx& ctx) {
  switch (store_.delete_container(config_.account, ctx.bucket)) {
    case Store::ContainerDelete::NotFound: fail(404, "NoSuchBucket", "The specified bucket does not exist");
    case Store::ContainerDelete::NotEmpty:
      fail(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
    case Store::ContainerDelete::Deleted: break;
  }
  // The multipart containers go with it when they are empty.
  store_.delete_container(config_.account, parts_container(ctx.bucket));
  store_.delete_container(config_.account, uploads_container(ctx.bucket));
  HttpResponse r;
  r.status = 204;
  return r;
}

HttpResponse S3Service::bucket_location(const Ctx& ctx) {
  require_bucket(ctx);
  const std::string region = config_.region == "us-east-1" ? "" : config_.region;
  return xml_response(xml_document("LocationConstraint", xml_escape(region)));
}

}  // namespace stalemate::sim::s3
