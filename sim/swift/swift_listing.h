// Account and container listings: query parameters as Swift's container and
// account servers validate them, and the plain/JSON/XML bodies.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/http_types.h"
#include "sim/model/listing.h"

namespace stalemate::sim::swift {

enum class ListingFormat { Plain, Json, Xml };

struct ListingRequest {
  ListQuery query;
  ListingFormat format = ListingFormat::Plain;
};

// prefix, delimiter, marker, end_marker, limit, format (or Accept). On bad
// input `error` is filled (400 invalid UTF-8, 412 limit > 10000 or a bad
// delimiter, 406 unacceptable Accept) and nullopt returned. A non-numeric
// limit is ignored, as Swift does.
std::optional<ListingRequest> parse_listing_request(const HttpRequest& req, HttpResponse& error);


// swob's Accept.best_match over `offers`; "" when none is acceptable.
std::string best_match(const std::string& accept, const std::vector<std::string>& offers);
// Swift's ACCEPTABLE_FORMATS (listings, bulk and SLO answers): text/plain, application/json,
// application/xml, text/xml.
const std::vector<std::string>& acceptable_formats();

// The listing body (status 200, or 204 for an empty plain listing; an empty
// JSON listing is 200 "[]"), with its Content-Type.
HttpResponse render_container_listing(const std::string& container, const std::vector<ListItem>& items,
                                      ListingFormat format);
HttpResponse render_account_listing(const std::string& account, const std::vector<ListItem>& items,
                                    ListingFormat format);

}  // namespace stalemate::sim::swift
