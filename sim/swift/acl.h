// Swift's version-1 container ACLs as tempauth applies them
// (swift/common/middleware/acl.py): clean_acl when X-Container-Read/-Write is
// set, and the referrer rules (".r:") that let a request without a token read.
#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace stalemate::sim::swift {

// The cleaned value of ACL header `name` ("bob , sue" -> "bob,sue",
// ".referrer : *" -> ".r:*", ".ref:*.example.com" -> ".r:.example.com"), or
// the message of Swift's ValueError (a 400's body): referrers in a write ACL,
// a referrer without a host, an unknown ".designator".
struct AclError {
  std::string message;
};
std::variant<std::string, AclError> clean_acl(std::string_view name, std::string_view value);

// A cleaned read ACL lets a request without a token read an object when its
// Referer's host passes the ".r:" rules, applied in order ("*", a host, a
// ".domain", each negated by "-"); a listing also needs ".rlistings".
bool acl_allows_anonymous_read(std::string_view cleaned_read_acl, std::string_view referer, bool listing);

// The host of a Referer as Python's urlparse(...).hostname gives it
// (lowercase, no user, port or brackets), "unknown" when it has none.
std::string referrer_host(std::string_view referer);

}  // namespace stalemate::sim::swift
