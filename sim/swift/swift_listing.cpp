#include "sim/swift/swift_listing.h"

#include "sim/swift/slo.h"

#include <algorithm>
#include <cstdlib>

#include "common/time_format.h"
#include "sim/swift/swift_util.h"

namespace stalemate::sim::swift {

namespace {
struct MediaRange {
  std::string type;
  double q = 1.0;
};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool media_matches(const std::string& pattern, const std::string& offer) {
  if (pattern == "*/*" || pattern == "*") return true;
  const auto slash = pattern.find('/');
  if (slash != std::string::npos && pattern.compare(slash, std::string::npos, "/*") == 0)
    return istarts_with(offer, pattern.substr(0, slash + 1));
  return iequals(pattern, offer);
}
}  // namespace

const std::vector<std::string>& acceptable_formats() {
  static const std::vector<std::string> formats = {"text/plain", "application/json", "application/xml", "text/xml"};
  return formats;
}

std::string best_match(const std::string& accept, const std::vector<std::string>& offers) {
  if (offers.empty()) return {};
  std::vector<MediaRange> ranges;
  std::string_view rest(accept);
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    MediaRange m;
    const auto semi = item.find(';');
    m.type = trim(item.substr(0, semi));
    if (m.type.empty()) continue;
    std::string_view params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
    while (!params.empty()) {
      const auto next = params.find(';');
      const std::string p = trim(params.substr(0, next));
      params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
      if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') m.q = std::atof(p.c_str() + 2);
    }
    if (m.q > 0) ranges.push_back(std::move(m));
  }
  if (trim(accept).empty()) return offers.front();
  std::stable_sort(ranges.begin(), ranges.end(), [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  for (const auto& r : ranges)
    for (const auto& offer : offers)
      if (media_matches(r.type, offer)) return offer;
  return {};
}

std::optional<ListingRequest> parse_listing_request(const HttpRequest& req, HttpResponse& error) {
  ListingRequest out;
  for (const char* name : {"prefix", "delimiter", "marker", "end_marker", "limit", "format", "path"}) {
    const auto it = req.query.find(name);
    if (it != req.query.end() && !valid_utf8_no_nul(it->second)) {
      error = error_response(400, std::string("\"") + name + "\" parameter not valid UTF-8");
      return std::nullopt;
    }
  }
  out.query.prefix = req.query_value("prefix");
  out.query.delimiter = req.query_value("delimiter");
  out.query.marker = req.query_value("marker");
  out.query.end_marker = req.query_value("end_marker");
  out.query.limit = kListingLimit;
  const std::string limit = req.query_value("limit");
  if (!limit.empty() && limit.find_first_not_of("0123456789") == std::string::npos) {
    auto n = parse_uint(limit);
    if (!n || *n > kListingLimit) {
      error = error_response(412, "Maximum limit is " + std::to_string(kListingLimit));
      return std::nullopt;
    }
    out.query.limit = static_cast<std::size_t>(*n);
  }
  // Swift 2.30 takes any delimiter (several characters too), reverse=true and the legacy path=.
  out.query.reverse = config_true(req.query_value("reverse"));
  if (req.has_query("path")) out.query.path = req.query_value("path");

  std::string accept = req.header("Accept");
  if (req.has_query("format")) {
    const std::string f = to_lower(req.query_value("format"));
    accept = f == "json" ? "application/json" : (f == "xml" ? "application/xml" : "text/plain");
  }
  const std::string type = best_match(accept, acceptable_formats());
  if (type.empty()) {
    error = error_response(406);
    return std::nullopt;
  }
  out.format = type == "application/json" ? ListingFormat::Json
               : type == "text/plain"     ? ListingFormat::Plain
                                          : ListingFormat::Xml;
  return out;
}

namespace {
HttpResponse finish(std::string body, ListingFormat format, bool empty) {
  HttpResponse r;
  switch (format) {
    case ListingFormat::Json: r.set_text(std::move(body), kJsonType); break;
    case ListingFormat::Xml: r.set_text(std::move(body), kXmlType); break;
    case ListingFormat::Plain:
      r.set_text(std::move(body), kPlainType);
      if (empty) r.status = 204;
      break;
  }
  return r;
}
}  // namespace

// A container row as listings show it: an SLO manifest's row carries the
// total in its Content-Type (swift_bytes) and its SLO etag beside the
// manifest's md5 (see slo.h).
struct ShownRow {
  std::uint64_t bytes;
  std::string hash, content_type, slo_etag;
};
ShownRow shown(const ListingRow& row) {
  auto [hash, slo] = split_slo_etag(row.etag);
  return {swift_bytes(row.content_type).value_or(row.bytes), std::move(hash), display_content_type(row.content_type),
          std::move(slo)};
}

// A JSON array of listing entries: subdirs as {"subdir": …}, rows written by
// `row` (appending to the body; listings are rendered on every GET).
template <class Row>
std::string json_listing(const std::vector<ListItem>& items, Row row) {
  std::string body = "[";
  bool first = true;
  for (const auto& it : items) {
    if (!first) body += ", ";
    first = false;
    if (it.subdir) {
      body += "{\"subdir\": ";
      append_json_quoted(body, it.name);
      body += '}';
    } else {
      row(body, it);
    }
  }
  body += ']';
  return body;
}

HttpResponse render_container_listing(const std::string& container, const std::vector<ListItem>& items,
                                      ListingFormat format) {
  std::string body;
  if (format == ListingFormat::Json) {
    body = json_listing(items, [](std::string& out, const ListItem& it) {
      const ShownRow r = shown(it.row);
      out += "{\"bytes\": ";
      out += std::to_string(r.bytes);
      out += ", \"hash\": ";
      append_json_quoted(out, r.hash);
      out += ", \"name\": ";
      append_json_quoted(out, it.name);
      out += ", \"content_type\": ";
      append_json_quoted(out, r.content_type);
      out += ", \"last_modified\": ";
      append_json_quoted(out, swift_listing_time(it.row.last_modified));
      if (!r.slo_etag.empty()) {
        out += ", \"slo_etag\": ";
        append_json_quoted(out, "\"" + r.slo_etag + "\"");
      }
      out += '}';
    });
  } else if (format == ListingFormat::Xml) {
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<container name=\"" + xml_escape(container) + "\">";
    for (const auto& it : items) {
      if (it.subdir) {
        body += "<subdir name=\"" + xml_escape(it.name) + "\"><name>" + xml_escape(it.name) + "</name></subdir>";
      } else {
        const ShownRow r = shown(it.row);
        body += "<object><name>" + xml_escape(it.name) + "</name><hash>" + xml_escape(r.hash) +
                "</hash><bytes>" + std::to_string(r.bytes) + "</bytes><content_type>" +
                xml_escape(r.content_type) + "</content_type><last_modified>" +
                swift_listing_time(it.row.last_modified) + "</last_modified></object>";
      }
    }
    body += "</container>";
  } else {
    for (const auto& it : items) body += it.name + "\n";
  }
  return finish(std::move(body), format, items.empty());
}

HttpResponse render_account_listing(const std::string& account, const std::vector<ListItem>& items,
                                    ListingFormat format) {
  std::string body;
  if (format == ListingFormat::Json) {
    body = json_listing(items, [](std::string& out, const ListItem& it) {
      out += "{\"name\": ";
      append_json_quoted(out, it.name);
      out += ", \"count\": ";
      out += std::to_string(it.row.count);
      out += ", \"bytes\": ";
      out += std::to_string(it.row.bytes);
      out += ", \"last_modified\": ";
      append_json_quoted(out, swift_listing_time(it.row.last_modified));
      out += '}';
    });
  } else if (format == ListingFormat::Xml) {
    body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<account name=\"" + xml_escape(account) + "\">";
    for (const auto& it : items) {
      if (it.subdir) {
        body += "<subdir name=\"" + xml_escape(it.name) + "\"><name>" + xml_escape(it.name) + "</name></subdir>";
      } else {
        body += "<container><name>" + xml_escape(it.name) + "</name><count>" + std::to_string(it.row.count) +
                "</count><bytes>" + std::to_string(it.row.bytes) + "</bytes><last_modified>" +
                swift_listing_time(it.row.last_modified) + "</last_modified></container>";
      }
    }
    body += "</account>";
  } else {
    for (const auto& it : items) body += it.name + "\n";
  }
  return finish(std::move(body), format, items.empty());
}

}  // namespace stalemate::sim::swift
