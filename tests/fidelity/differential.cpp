#include "differential.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "fidelity_support.h"

namespace stalemate::fidelity {

namespace {

// Compared by value when the real server sends them (or the fake does).
const char* const kValueHeaders[] = {
    "Content-Type", "Content-Length", "Etag", "Content-Range", "Accept-Ranges", "X-Static-Large-Object",
    "X-Container-Object-Count", "X-Container-Bytes-Used", "X-Object-Manifest",
    "Content-Disposition", "X-Object-Meta-Color", "X-Container-Read", "X-Account-Container-Count",
    "X-Account-Object-Count", "X-Account-Bytes-Used", "X-Container-Meta-Temp-Url-Key", "Expires"};
// Compared by presence only: their values are clocks and ids.
// X-Manifest-Etag is the md5 of an SLO manifest, which holds its segments'
// Last-Modified seconds: a clock too.
const char* const kPresenceHeaders[] = {"Last-Modified", "X-Timestamp", "X-Trans-Id", "X-Openstack-Request-Id", "Date",
                                        "X-Manifest-Etag"};

// "multipart/byteranges;boundary=abc" -> the boundary ("" when none).
std::string boundary_of(const std::string& content_type) {
  const auto p = content_type.find("boundary=");
  return p == std::string::npos ? "" : content_type.substr(p + 9);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
  return s;
}

std::string normalised_body(const harness::ClientResponse& r) {
  return replace_all(r.body, boundary_of(r.header("Content-Type")), "BOUNDARY");
}

nlohmann::json parsed_listing(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_array())
    for (auto& e : j)
      if (e.is_object()) {
        e.erase("last_modified");
        // An SLO manifest's row hashes the manifest, which holds its segments' Last-Modified.
        if (e.contains("slo_etag")) e.erase("hash");
      }
  return j;
}

std::vector<std::string> sorted_lines(const std::string& body) {
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < body.size()) {
    const auto nl = body.find('\n', at);
    lines.push_back(body.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    at = nl == std::string::npos ? body.size() : nl + 1;
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

harness::ClientResponse send(const Side& side, const Step& step) {
  std::string url;
  if (step.path.rfind("!", 0) == 0) {
    url = side.base_url + step.path.substr(1);
  } else {
    std::string path = step.path;
    if (step.sign) {
      const std::string storage_path = side.storage_url.substr(side.storage_url.find("/v1/"));
      const auto q = path.find('?');
      path += (q == std::string::npos ? "?" : "&") + step.sign(storage_path + path.substr(0, q));
    }
    url = side.storage_url + path;
  }
  return http(step.method, url, step.anonymous ? "" : side.token, step.headers, step.body);
}

}  // namespace

std::string Difference::text() const {
  return step + " [" + aspect + "]: real " + (real.size() > 300 ? real.substr(0, 300) + "…" : real) + " | fake " +
         (fake.size() > 300 ? fake.substr(0, 300) + "…" : fake);
}

std::vector<Difference> run_differential(const Side& real, const Side& fake, const std::vector<Step>& steps,
                                         const std::vector<Accepted>& accepted, std::set<std::string>* used) {
  std::vector<Difference> out;
  auto differ = [&](const Step& step, const std::string& aspect, const std::string& a, const std::string& b) {
    for (const auto& acc : accepted) {
      if (acc.step == step.name && acc.aspect == aspect) {
        if (used) used->insert(acc.step + " " + acc.aspect);
        return;
      }
    }
    out.push_back({step.name, aspect, a, b});
  };
  for (const auto& step : steps) {
    const auto r = send(real, step);
    const auto f = send(fake, step);
    if (r.status != f.status) differ(step, "status", std::to_string(r.status) + " " + r.error, std::to_string(f.status) + " " + f.error);
    const bool chunked = r.has_header("Transfer-Encoding");
    for (const char* h : kValueHeaders) {
      if (chunked && std::string(h) == "Content-Length") continue;  // real streams it chunked; the fake knows the length
      if (step.presence_only.count(h)) {
        if (r.has_header(h) != f.has_header(h)) differ(step, std::string("header:") + h, r.header(h), f.header(h));
        continue;
      }
      std::string a = r.has_header(h) ? r.header(h) : "(absent)";
      std::string b = f.has_header(h) ? f.header(h) : "(absent)";
      if (std::string(h) == "Content-Type") {
        a = replace_all(a, boundary_of(a), "BOUNDARY");
        b = replace_all(b, boundary_of(b), "BOUNDARY");
      }
      if (a != b) differ(step, std::string("header:") + h, a, b);
    }
    for (const char* h : kPresenceHeaders)
      if (r.has_header(h) != f.has_header(h))
        differ(step, std::string("header:") + h, r.has_header(h) ? "present" : "absent",
               f.has_header(h) ? "present" : "absent");
    switch (step.compare) {
      case BodyCompare::Exact:
        if (normalised_body(r) != normalised_body(f)) differ(step, "body", normalised_body(r), normalised_body(f));
        break;
      case BodyCompare::Listing:
        if (parsed_listing(r.body) != parsed_listing(f.body)) differ(step, "body", r.body, f.body);
        break;
      case BodyCompare::Json: {
        const auto a = nlohmann::json::parse(r.body, nullptr, false), b = nlohmann::json::parse(f.body, nullptr, false);
        if (a != b) differ(step, "body", r.body, f.body);
        break;
      }
      case BodyCompare::Lines:
        if (sorted_lines(r.body) != sorted_lines(f.body)) differ(step, "body", r.body, f.body);
        break;
      case BodyCompare::Ignore:
        break;
    }
  }
  return out;
}

}  // namespace stalemate::fidelity
