// Requests -> push and pull events. Per (client, repository): blob uploads,
// HEADs and mounts gather into a push that ends at the manifest PUT; a
// manifest GET opens a pull that gathers the blob GETs after it. A pull of an
// image the log never pushes (it predates the log) gets a setup push built
// from the blobs it fetched. Sizes come from blob GETs, upload lengths or
// notification events; a push whose sizes only a later request shows counts
// as inferred.
#include <algorithm>
#include <map>
#include <set>

#include "harness/workload/log_import.h"

namespace stalemate::harness::workload {

namespace {

struct Route {
  enum Kind { Other, Manifest, Blob, Upload } kind = Other;
  std::string repo, ref, query;
};

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string query_param(const std::string& query, const std::string& name) {
  std::size_t pos = 0;
  while (pos <= query.size()) {
    const auto amp = query.find('&', pos);
    const auto part = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    if (part.rfind(name + "=", 0) == 0) return url_decode(part.substr(name.size() + 1));
    if (amp == std::string::npos) break;
    pos = amp + 1;
  }
  return "";
}

std::string lowercase_repo(std::string repo) {
  for (auto& c : repo) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '-' || c == '_' || c == '.';
    if (!ok) c = '-';
  }
  return repo;
}

Route route(const std::string& uri) {
  Route r;
  const auto q = uri.find('?');
  const std::string path = uri.substr(0, q);
  if (q != std::string::npos) r.query = uri.substr(q + 1);
  if (path.rfind("/v2/", 0) != 0) return r;
  const auto uploads = path.find("/blobs/uploads");
  const auto manifests = path.rfind("/manifests/");
  const auto blobs = path.rfind("/blobs/");
  if (uploads != std::string::npos) {
    r.kind = Route::Upload;
    r.repo = path.substr(4, uploads - 4);
    r.ref = path.size() > uploads + 15 ? path.substr(uploads + 15) : "";
  } else if (manifests != std::string::npos) {
    r.kind = Route::Manifest;
    r.repo = path.substr(4, manifests - 4);
    r.ref = path.substr(manifests + 11);
  } else if (blobs != std::string::npos) {
    r.kind = Route::Blob;
    r.repo = path.substr(4, blobs - 4);
    r.ref = path.substr(blobs + 7);
  }
  r.repo = lowercase_repo(r.repo);
  if (r.repo.empty() || (r.kind != Route::Upload && r.ref.empty())) r.kind = Route::Other;
  return r;
}

bool is_digest(const std::string& ref) { return ref.find(':') != std::string::npos; }

// A valid tag for a ref that is not one (a digest, an odd token).
std::string tag_of(const std::string& ref) {
  std::string t;
  for (char c : ref) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    t += ok ? c : '-';
  }
  if (t.size() > 128) t.resize(128);
  return t.empty() ? "latest" : t;
}

std::string push_profile(const std::string& ua) {
  if (ua.find("buildkit") != std::string::npos || ua.find("BuildKit") != std::string::npos) return "buildkit";
  if (ua.rfind("docker/", 0) == 0 || ua.find("Docker-Client") != std::string::npos) return "dockerd";
  return "single";
}

std::string pull_profile(const std::string& ua) {
  if (ua.find("containerd") != std::string::npos) return "containerd";
  if (ua.rfind("docker/", 0) == 0 || ua.find("Docker-Client") != std::string::npos) return "docker";
  return "plain";
}

struct PushSession {
  std::int64_t start = -1;
  std::string ua;
  std::vector<std::string> blobs;
  std::map<std::string, std::uint64_t> upload_bytes;  // upload uuid -> request bytes so far
};

struct PullSession {
  std::int64_t start = 0;
  std::string client, repo, tag, digest, ua;
  std::vector<std::string> blobs;
  std::uint64_t manifest_bytes = 0;
  std::int64_t end = 0;  // its last request
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

}  // namespace

ImportResult requests_to_trace(std::vector<LogRequest> requests, const std::string& source) {
  std::stable_sort(requests.begin(), requests.end(),
                   [](const LogRequest& a, const LogRequest& b) { return a.time_us < b.time_us; });
  const std::int64_t t0 = requests.empty() ? 0 : requests.front().time_us;
  std::map<std::string, std::uint64_t> size_seen;    // digest -> exact size, from any request
  std::map<std::string, std::uint64_t> size_approx;  // digest -> upload request length (headers included)
  std::map<std::string, PushSession> pushes;
  std::map<std::string, PullSession> pulls;
  std::vector<TraceEvent> events;            // pushes and deletes as found
  std::vector<std::int64_t> ends;            // when each event's last request was (lanes, below)
  std::vector<PullSession> finished_pulls;
  std::set<std::string> push_known_size;     // digests whose size a push request itself showed
  std::size_t ignored = 0, failed = 0, orphan_gets = 0, pushes_without_blobs = 0;
  std::set<std::string> clients;

  auto close_pull = [&](const std::string& key) {
    const auto it = pulls.find(key);
    if (it == pulls.end()) return;
    finished_pulls.push_back(std::move(it->second));
    pulls.erase(it);
  };

  for (const auto& r : requests) {
    const auto rt = route(r.uri);
    if (rt.kind == Route::Other) {
      ++ignored;
      continue;
    }
    if (r.status >= 400) {
      if (!(r.method == "HEAD" && r.status == 404)) ++failed;  // a HEAD 404 is an upload's first question
      continue;
    }
    clients.insert(r.client);
    const std::string key = r.client + "\n" + rt.repo;
    auto& push = pushes[key];
    auto touch_push = [&] {
      if (push.start < 0) {
        push.start = r.time_us;
        push.ua = r.user_agent;
      }
    };
    if (rt.kind == Route::Upload) {
      touch_push();
      if (r.method == "POST" && !query_param(rt.query, "mount").empty()) {
        add_unique(push.blobs, query_param(rt.query, "mount"));
      } else if (r.method == "PATCH" && r.request_length) {
        push.upload_bytes[rt.ref] += *r.request_length;
      } else if (r.method == "PUT") {
        const auto digest = query_param(rt.query, "digest");
        if (digest.empty()) continue;
        add_unique(push.blobs, digest);
        std::optional<std::uint64_t> size = r.size;
        if (!size && (r.request_length || push.upload_bytes.count(rt.ref)))
          size = push.upload_bytes[rt.ref] + r.request_length.value_or(0);
        if (r.size) {
          size_seen.emplace(digest, *r.size);
          push_known_size.insert(digest);
        } else if (size && *size > 0) {
          size_approx.emplace(digest, *size);
        }
      }
      continue;
    }
    if (rt.kind == Route::Blob) {
      if (r.method == "HEAD") {
        touch_push();
        add_unique(push.blobs, rt.ref);
      } else if (r.method == "PUT") {  // IBM: a blob PUT with its size
        touch_push();
        add_unique(push.blobs, rt.ref);
        if (r.request_length && *r.request_length > 0) {
          size_seen.emplace(rt.ref, *r.request_length);
          push_known_size.insert(rt.ref);
        }
      } else if (r.method == "GET") {
        if (r.status == 200 && r.written && *r.written > 0) size_seen.emplace(rt.ref, *r.written);
        if (!pulls.count(key)) {
          ++orphan_gets;
          pulls[key] = PullSession{r.time_us, r.client, rt.repo, "", "", r.user_agent, {}, 0};
        }
        add_unique(pulls[key].blobs, rt.ref);
        pulls[key].end = r.time_us;
      } else if (r.method == "DELETE") {
        ++ignored;
      }
      continue;
    }
    // Manifests.
    if (r.method == "PUT") {
      TraceEvent e;
      e.op = TraceEvent::Op::Push;
      e.client = r.client;
      e.at_us = (push.start >= 0 ? push.start : r.time_us) - t0;
      e.profile = push_profile(push.start >= 0 ? push.ua : r.user_agent);
      e.image.repository = rt.repo;
      e.image.tag = tag_of(rt.ref);
      e.image.format = r.media_type.find("oci") != std::string::npos ? "oci" : "docker";
      for (const auto& b : push.blobs) e.image.layers.push_back({b, 0});
      if (e.image.layers.empty()) {
        ++pushes_without_blobs;
        const std::string token = "manifest-only:" + rt.repo + ":" + rt.ref;
        size_seen.emplace(token, r.request_length.value_or(r.size.value_or(1024)));
        e.image.layers.push_back({token, 0});
      }
      events.push_back(std::move(e));
      ends.push_back(r.time_us);
      pushes.erase(key);
    } else if (r.method == "GET" || r.method == "HEAD") {
      auto it = pulls.find(key);
      if (it != pulls.end() && !it->second.blobs.empty()) {
        close_pull(key);
        it = pulls.end();
      }
      if (it == pulls.end()) it = pulls.emplace(key, PullSession{r.time_us, r.client, rt.repo, "", "", r.user_agent, {}, 0}).first;
      auto& p = it->second;
      if (is_digest(rt.ref)) {
        if (p.digest.empty()) p.digest = rt.ref;
      } else if (p.tag.empty()) {
        p.tag = rt.ref;
      }
      if (r.method == "GET" && r.written) p.manifest_bytes = std::max(p.manifest_bytes, *r.written);
      p.end = r.time_us;
    } else if (r.method == "DELETE") {
      TraceEvent e;
      e.op = TraceEvent::Op::Delete;
      e.client = r.client;
      e.at_us = r.time_us - t0;
      e.image.repository = rt.repo;
      e.image.tag = tag_of(rt.ref);
      events.push_back(std::move(e));
      ends.push_back(r.time_us);
    }
  }
  std::vector<std::string> open_keys;
  for (const auto& [k, p] : pulls) open_keys.push_back(k);
  for (const auto& k : open_keys) close_pull(k);
  for (auto& p : finished_pulls) {
    if (!p.blobs.empty() || !p.tag.empty() || !p.digest.empty()) {
      TraceEvent e;
      e.op = TraceEvent::Op::Pull;
      e.client = p.client;
      e.at_us = p.start - t0;
      e.profile = pull_profile(p.ua);
      e.image.repository = p.repo;
      e.image.tag = p.tag;  // "" = resolved below
      e.by_digest = p.tag.empty();
      for (const auto& b : p.blobs) e.image.layers.push_back({b, 0});
      if (e.image.layers.empty()) {
        const std::string token = "manifest-only:" + p.repo + ":" + (p.tag.empty() ? p.digest : p.tag);
        size_seen.emplace(token, std::max<std::uint64_t>(p.manifest_bytes, 1024));
        e.image.layers.push_back({token, 0});
      }
      events.push_back(std::move(e));
      ends.push_back(std::max(p.start, p.end));
    }
  }
  {
    std::vector<std::size_t> order(events.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return events[a].at_us < events[b].at_us; });
    std::vector<TraceEvent> sorted;
    std::vector<std::int64_t> sorted_ends;
    for (const auto i : order) {
      sorted.push_back(std::move(events[i]));
      sorted_ends.push_back(ends[i] - t0);
    }
    events = std::move(sorted);
    ends = std::move(sorted_ends);
  }
  // One address may run several sessions at once (dockerd pushes images in
  // parallel, containerd pulls several): each overlapping session gets a lane
  // of its own, "ADDR#2"..., so the replay keeps the log's concurrency.
  std::size_t extra_lanes = 0;
  {
    std::map<std::string, std::vector<std::int64_t>> busy_until;  // address -> per lane
    for (std::size_t i = 0; i < events.size(); ++i) {
      auto& lanes = busy_until[events[i].client];
      std::size_t lane = 0;
      while (lane < lanes.size() && lanes[lane] > events[i].at_us) ++lane;
      if (lane == lanes.size()) {
        lanes.push_back(0);
        if (lane > 0) ++extra_lanes;
      }
      lanes[lane] = ends[i];
      if (lane > 0) events[i].client += "#" + std::to_string(lane + 1);
    }
  }

  // Sizes: what the log showed anywhere; a push's own requests may not say.
  std::size_t inferred = 0, defaulted = 0, approximated = 0;
  std::set<std::string> counted;
  auto fill = [&](TraceImage& image, bool is_push) {
    for (auto& l : image.layers) {
      const auto it = size_seen.find(l.token);
      const auto approx = size_approx.find(l.token);
      if (it != size_seen.end()) {
        l.size = it->second;
        if (is_push && !push_known_size.count(l.token) && counted.insert(l.token).second) ++inferred;
      } else if (approx != size_approx.end()) {
        l.size = approx->second;
        if (counted.insert(l.token).second) ++approximated;
      } else {
        l.size = 1u << 20;
        if (counted.insert(l.token).second) ++defaulted;
      }
    }
  };
  // Resolve pulls to images: the latest push of the tag before them, else a
  // setup push of what they fetched.
  Trace trace;
  trace.source = source;
  trace.id = source;
  std::map<std::string, std::string> latest_tag_of_repo;  // repo -> tag of its latest push so far
  std::set<std::string> defined;
  std::vector<TraceEvent> setup;
  std::size_t pushes_n = 0, pulls_n = 0, deletes_n = 0, imported_n = 0;
  for (auto& e : events) {
    const std::string ref = e.image.repository + ":" + e.image.tag;
    if (e.op == TraceEvent::Op::Push) {
      fill(e.image, true);
      defined.insert(ref);
      latest_tag_of_repo[e.image.repository] = e.image.tag;
      ++pushes_n;
    } else if (e.op == TraceEvent::Op::Pull) {
      ++pulls_n;
      if (e.image.tag.empty() && latest_tag_of_repo.count(e.image.repository)) {
        e.image.tag = latest_tag_of_repo[e.image.repository];
      } else if (e.image.tag.empty() || !defined.count(ref)) {
        if (e.image.tag.empty()) e.image.tag = "imported-" + std::to_string(++imported_n);
        TraceEvent s;
        s.op = TraceEvent::Op::Push;
        s.setup = true;
        s.client = "setup";
        s.profile = "single";
        s.image = e.image;
        fill(s.image, false);
        setup.push_back(s);
        defined.insert(e.image.repository + ":" + e.image.tag);
        latest_tag_of_repo.emplace(e.image.repository, e.image.tag);
      }
      e.image.layers.clear();
    } else if (e.op == TraceEvent::Op::Delete) {
      if (!defined.count(ref)) continue;
      ++deletes_n;
    }
    trace.events.push_back(e);
  }
  trace.events.insert(trace.events.begin(), setup.begin(), setup.end());
  std::erase_if(trace.events, [&](const TraceEvent& e) {
    return e.op == TraceEvent::Op::Delete && !defined.count(e.image.repository + ":" + e.image.tag);
  });
  ImportResult out;
  out.summary = {{"requests", requests.size()},
                 {"ignored_requests", ignored},
                 {"failed_requests", failed},
                 {"clients", clients.size()},
                 {"concurrent_lanes", extra_lanes},
                 {"pushes", pushes_n},
                 {"pulls", pulls_n},
                 {"deletes", deletes_n},
                 {"setup_pushes", setup.size()},
                 {"orphan_blob_gets", orphan_gets},
                 {"pushes_without_blobs", pushes_without_blobs},
                 {"sizes_inferred", inferred},
                 {"sizes_from_request_length", approximated},
                 {"sizes_defaulted", defaulted}};
  trace.notes = out.summary;
  out.trace = std::move(trace);
  return out;
}

}  // namespace stalemate::harness::workload
