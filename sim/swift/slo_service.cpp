// Static Large Objects served from the store: the manifest PUT
// (?multipart-manifest=put, each segment HEADed through the object read path
// and checked as slo.py does), GET/HEAD assembly with Range (segments read
// like any object, so they lag and fail like DLO segments), the manifest
// itself (?multipart-manifest=get[&format=raw]) and the delete of manifest and
// segments (?multipart-manifest=delete, answered like a bulk delete).
#include <algorithm>
#include <map>

#include "common/crypto.h"
#include "common/time_format.h"
#include "common/url.h"
#include "sim/swift/byte_range.h"
#include "sim/swift/mime_types.h"
#include "sim/swift/ranged_body.h"
#include "sim/swift/slo.h"
#include "sim/swift/swift_listing.h"
#include "sim/swift/swift_service.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {

constexpr int kMaxSloRecursion = 10;  // slo.py max_slo_recursion_depth

// "/c/o" (or "c/o") into container and object.
std::pair<std::string, std::string> split_segment_path(const std::string& path) {
  const std::string p = path.substr(std::min(path.find_first_not_of('/'), path.size()));
  const auto slash = p.find('/');
  if (slash == std::string::npos) return {p, ""};
  return {p.substr(0, slash), p.substr(slash + 1)};
}

// A segment's Last-Modified as slo.py stores it: whole seconds (rounded up, as
// the HEAD's Last-Modified header) in listing format.
std::string segment_last_modified(Timestamp ts) {
  const std::int64_t secs = (ts + 999'999) / 1'000'000;
  return swift_listing_time(secs * 1'000'000);
}

using Problems = std::vector<std::pair<std::string, std::string>>;

// With ?heartbeat=on slo.py answers 202 at once (a space, then every
// yield_frequency seconds another while segments are HEADed; here there is no
// wait) and writes the outcome into the body after "\r\n\r\n": the object
// PUT's status, Etag and Last-Modified, or an error's status and body (an
// error swob answered without a body of its own reports the status's reason
// text, RESPONSE_REASONS, where a plain answer carries swob's HTML page).
HttpResponse heartbeat_answer(const std::string& format, const HttpResponse& outcome, const Problems& problems) {
  const bool ok = outcome.status / 100 == 2;
  std::vector<ResponseField> fields{{"Response Status", status_line(outcome.status)}};
  if (ok) {
    fields.push_back({"Etag", outcome.headers.at("Etag")});
    fields.push_back({"Last Modified", outcome.headers.at("Last-Modified")});
  }
  std::string body = outcome.body_string();
  if (!ok && (body.empty() || body == swob_default_body(outcome.status))) body = swob_reason_text(outcome.status);
  fields.push_back({"Response Body", body});
  HttpResponse r;
  r.status = 202;
  r.set_text(" \r\n\r\n" + bulk_response_body(format, std::move(fields), problems, "upload"), format);
  return r;
}

}  // namespace

bool is_slo_manifest(const ObjectVersion& v) {
  const auto it = v.metadata.find(kSloHeader);
  return it != v.metadata.end() && config_true(it->second);
}

SwiftService::SloHead SwiftService::slo_head_segment(const std::string& account, const std::string& path,
                                                      std::int64_t now, RequestContext* model) const {
  SloHead out;
  const auto [container, object] = split_segment_path(path);
  auto read = store_.read_object(account, container, object, {}, model);
  if (!read.version || is_expired(*read.version, now)) return out;
  const ObjectVersion& v = *read.version;
  out.found = true;
  out.last_modified = segment_last_modified(v.ts);
  out.content_type = display_content_type(v.content_type);
  if (is_slo_manifest(v)) {
    out.sub_slo = true;
    out.etag = v.metadata.count(kSloEtagSysmeta) ? v.metadata.at(kSloEtagSysmeta) : "";
    out.size = parse_uint(v.metadata.count(kSloSizeSysmeta) ? v.metadata.at(kSloSizeSysmeta) : "").value_or(0);
  } else {
    out.etag = split_slo_etag(v.etag).first;
    out.size = v.size();
  }
  return out;
}

HttpResponse SwiftService::slo_put(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  if (req.has_header("X-Copy-From")) return error_response(405, "Multipart Manifest PUTs cannot be COPY requests");
  const auto declared = parse_uint(req.header("Content-Length"));
  if (!declared && !iequals(req.header("Transfer-Encoding"), "chunked")) return error_response(411);
  if (req.body.size() > kSloMaxManifestSize)
    return error_response(413, "Manifest File > " + std::to_string(kSloMaxManifestSize) + " bytes");
  const std::string manifest_path = "/v1/" + ctx.path.account + "/" + ctx.path.container + "/" + ctx.path.object;
  SloPutParse parsed = parse_slo_put_body(req.body.str(), ctx.path.account, manifest_path);
  if (!parsed.error.empty()) {
    HttpResponse e = error_response(400, parsed.error);
    if (parsed.error_is_plain) e.headers["Content-Type"] = "text/plain";
    return e;
  }
  const auto object_segments = std::count_if(parsed.segments.begin(), parsed.segments.end(),
                                             [](const SloPutSegment& s) { return s.path.has_value(); });
  if (static_cast<std::size_t>(object_segments) > kSloMaxManifestSegments)
    return error_response(413, "Number of object-backed segments must be <= " + std::to_string(kSloMaxManifestSegments));
  std::string format = best_match(req.header("Accept"), acceptable_formats());
  if (format.empty()) format = "text/plain";

  // One HEAD per distinct path, as slo.py's StreamingPile does.
  std::map<std::string, SloHead> heads;
  for (const auto& s : parsed.segments)
    if (s.path && !heads.count(*s.path)) heads[*s.path] = slo_head_segment(ctx.path.account, *s.path, ctx.now, ctx.model);

  std::vector<std::pair<std::string, std::string>> problems;
  std::vector<SloEntry> entries;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < parsed.segments.size(); ++i) {
    const SloPutSegment& s = parsed.segments[i];
    SloEntry e;
    if (s.data) {
      e.data = s.data;
      total += s.data->size();
      entries.push_back(std::move(e));
      continue;
    }
    const std::string quoted = percent_encode(*s.path, true);
    const SloHead& head = heads.at(*s.path);
    if (!head.found) {
      problems.emplace_back(quoted, "404 Not Found");
      continue;
    }
    std::uint64_t length = head.size;
    if (s.range) {
      const MultiRange r = resolve_ranges("bytes=" + *s.range, head.size);
      if (r.ranges.empty()) {
        problems.emplace_back(quoted, "Unsatisfiable Range");
      } else if (r.ranges.front() != std::make_pair<std::uint64_t, std::uint64_t>(0, std::uint64_t(head.size))) {
        e.range = std::make_pair(r.ranges.front().first, r.ranges.front().second - 1);
        length = r.ranges.front().second - r.ranges.front().first;
      }
    }
    if (length < 1 && i + 1 != parsed.segments.size())
      problems.emplace_back(quoted, "Too small; each segment must be at least 1 byte.");
    if (s.size_bytes && *s.size_bytes != head.size) problems.emplace_back(quoted, "Size Mismatch");
    if (s.etag && *s.etag != head.etag) problems.emplace_back(quoted, "Etag Mismatch");
    e.name = "/" + s.path->substr(std::min(s.path->find_first_not_of('/'), s.path->size()));
    e.bytes = head.size;
    e.hash = head.etag;
    e.content_type = head.content_type;
    e.last_modified = head.last_modified;
    e.sub_slo = head.sub_slo;
    total += length;
    entries.push_back(std::move(e));
  }
  const bool heartbeat = config_true(req.query_value("heartbeat"));
  auto answer = [&](HttpResponse outcome) {
    return heartbeat ? heartbeat_answer(format, outcome, problems) : outcome;
  };
  if (!problems.empty()) {
    // slo.py's HTTPBadRequest: the problem list is the body, or with heartbeat the errors beside its status.
    if (heartbeat) return heartbeat_answer(format, error_response(400), problems);
    HttpResponse e;
    e.status = 400;
    e.set_text(bulk_response_body(format, {}, problems, "upload"), format);
    return e;
  }
  const std::string etag = slo_etag(entries);
  if (req.has_header("ETag") && normalize_etag(req.header("ETag")) != etag) return answer(error_response(422));

  HttpResponse error;
  auto metadata = object_metadata_from_request(req, ctx.now, error);
  if (!metadata) return answer(std::move(error));
  (*metadata)[kSloHeader] = "True";
  (*metadata)[kSloEtagSysmeta] = etag;
  (*metadata)[kSloSizeSysmeta] = std::to_string(total);
  const std::string json = stored_manifest_json(entries);
  ObjectVersion v;
  v.body = make_payload(json);
  v.etag = md5_hex(json) + "; slo_etag=" + etag;
  const std::string type = req.header("Content-Type");
  v.content_type = (type.empty() ? guess_content_type(ctx.path.object) : type) + ";swift_bytes=" + std::to_string(total);
  v.metadata = std::move(*metadata);
  const auto w = store_.put_object(ctx.path.account, ctx.path.container, ctx.path.object, std::move(v), ctx.model);
  if (w.status != Store::WriteStatus::Ok) return answer(write_failure(w.status));
  HttpResponse r;
  r.status = 201;
  r.headers["Etag"] = "\"" + etag + "\"";
  r.headers["Last-Modified"] = last_modified_header(w.ts);
  return answer(std::move(r));
}

SpanBody SwiftService::read_slo_span(const std::string& account, const std::vector<SloEntry>& entries,
                                     std::uint64_t start, std::uint64_t end, std::int64_t now, RequestContext* model,
                                     int depth) const {
  SpanBody out;
  std::uint64_t offset = 0;
  bool fetched_any = false;
  for (const auto& e : entries) {
    const std::uint64_t len = e.length();
    const std::uint64_t seg_start = offset, seg_end = offset + len;
    offset = seg_end;
    if (seg_end <= start || len == 0) continue;
    if (seg_start >= end) break;
    const std::uint64_t from = std::max(start, seg_start) - seg_start, to = std::min(end, seg_end) - seg_start;
    if (e.data) {
      out.slices.push_back(BodySlice{make_payload(*e.data), from, to - from});
      fetched_any = true;
      continue;
    }
    const std::uint64_t base = e.range ? e.range->first : 0;
    const auto [container, object] = split_segment_path(e.name);
    auto read = store_.read_object(account, container, object, {}, model);
    bool ok = read.version && !is_expired(*read.version, now);
    if (ok && e.sub_slo) {
      const auto sub = is_slo_manifest(*read.version) ? parse_stored_manifest(read.version->body.str()) : std::nullopt;
      if (!sub || depth >= kMaxSloRecursion) {
        ok = false;
      } else {
        SpanBody inner = read_slo_span(account, *sub, base + from, base + to, now, model, depth + 1);
        for (auto& s : inner.slices) out.slices.push_back(std::move(s));
        if (inner.first_failed && !fetched_any) out.first_failed = true;
        if (!inner.complete) {
          out.complete = false;
          return out;
        }
        fetched_any = true;
        continue;
      }
    }
    // SegmentedIterable checks each segment against the manifest's etag and size.
    if (ok && !e.sub_slo) ok = split_slo_etag(read.version->etag).first == e.hash && read.version->size() == e.bytes;
    if (!ok) {
      out.first_failed = !fetched_any;
      out.complete = false;
      return out;
    }
    fetched_any = true;
    const Bytes part = read.version->body.slice(base + from, to - from);  // named: pieces() refers into it
    for (const auto& piece : part.pieces()) out.slices.push_back(piece);
  }
  return out;
}

HttpResponse SwiftService::slo_get_or_head(const Ctx& ctx, const ObjectVersion& v) {
  const HttpRequest& req = ctx.req;
  const auto entries = parse_stored_manifest(v.body.str());
  if (!entries) return error_response(500, "Unable to load SLO manifest");
  const std::string etag = v.metadata.count(kSloEtagSysmeta) ? v.metadata.at(kSloEtagSysmeta) : slo_etag(*entries);
  std::uint64_t total = 0;
  for (const auto& e : *entries) total += e.length();

  HttpResponse r;
  add_object_headers(r, v);
  r.headers["Etag"] = "\"" + etag + "\"";
  r.headers["X-Manifest-Etag"] = split_slo_etag(v.etag).first;
  r.headers[kSloHeader] = "True";
  if (const auto cond = check_conditions(req, etag, v.ts)) return finish_condition(*cond, std::move(r));
  if (req.method == "HEAD") {  // Range is ignored on HEAD
    r.head = true;
    r.declared_length = total;
    return r;
  }
  const bool ok = serve_ranges(
      r, req.header("Range"), total,
      [&](std::uint64_t start, std::uint64_t end) {
        return read_slo_span(ctx.path.account, *entries, start, end, ctx.now, ctx.model, 0);
      },
      [this] { return random_.hex(32); });
  if (!ok) return error_response(409);
  return r;
}

HttpResponse SwiftService::slo_manifest_get(const Ctx& ctx, const ObjectVersion& v) {
  HttpResponse r;
  add_object_headers(r, v);
  r.headers[kSloHeader] = "True";
  std::string body = v.body.str();
  if (ctx.req.query_value("format") == "raw") {
    if (const auto entries = parse_stored_manifest(body)) body = raw_manifest_json(*entries);
  } else {
    r.headers["Content-Type"] = kJsonType;
  }
  r.headers["Etag"] = md5_hex(body);
  if (ctx.req.method == "HEAD") {
    r.head = true;
    r.declared_length = body.size();
    return r;
  }
  const auto size = body.size();
  r.append(make_payload(std::move(body)), 0, size);
  return r;
}

HttpResponse SwiftService::slo_delete(const Ctx& ctx) {
  const HttpRequest& req = ctx.req;
  std::string format = best_match(req.header("Accept"), acceptable_formats());
  BulkDeleteResult result;
  const auto read = store_.read_object(ctx.path.account, ctx.path.container, ctx.path.object, {}, ctx.model);
  std::vector<std::string> names;  // "/c/o", segments first (sub-manifests expanded), the manifest last
  // A missing manifest counts as one not found; a plain object is an error
  // of its own (bulk's handle_delete_iter over slo's segment iterator).
  const std::string self = "/" + ctx.path.container + "/" + ctx.path.object;
  if (!read.version || is_expired(*read.version, ctx.now)) {
    ++result.not_found;
  } else if (!is_slo_manifest(*read.version)) {
    result.status = status_line(400);
    result.errors.emplace_back(percent_encode(self, true), "Not an SLO manifest");
  } else {
    std::vector<std::pair<std::vector<SloEntry>, int>> stack;
    if (auto entries = parse_stored_manifest(read.version->body.str())) stack.emplace_back(std::move(*entries), 0);
    while (!stack.empty()) {
      auto [entries, depth] = std::move(stack.back());
      stack.pop_back();
      for (const auto& e : entries) {
        if (e.data) continue;
        if (e.sub_slo && depth < kMaxSloRecursion) {
          const auto [c, o] = split_segment_path(e.name);
          const auto sub = store_.read_object(ctx.path.account, c, o, {}, ctx.model);
          if (sub.version && is_slo_manifest(*sub.version))
            if (auto inner = parse_stored_manifest(sub.version->body.str())) stack.emplace_back(std::move(*inner), depth + 1);
        }
        names.push_back(e.name);
      }
    }
    names.push_back(self);
  }
  bool bad_gateway = false;
  for (const auto& name : names) {
    const auto [c, o] = split_segment_path(name);
    const int status = delete_object_status(ctx.path.account, c, o, ctx.model);
    if (status / 100 == 2) ++result.deleted;
    else if (status == 404) ++result.not_found;
    else {
      bad_gateway = bad_gateway || status / 100 == 5;
      result.errors.emplace_back(percent_encode(name, true), status_line(status));
    }
  }
  if (!result.errors.empty()) result.status = status_line(bad_gateway ? 502 : 400);
  HttpResponse r;
  // slo.py sets the negotiated type as is: "text/plain", no charset.
  r.set_text(render_bulk_result(result, format), format.empty() ? "text/plain" : format);
  return r;
}

}  // namespace stalemate::sim::swift
