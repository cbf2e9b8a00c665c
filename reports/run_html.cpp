#include "reports/run_html.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>

#include "reports/run_report.h"
#include "reports/svg.h"

namespace stalemate::reports {

namespace {

using json = nlohmann::json;

// Decision kinds by how much they explain a violation, most first, and their colour.
const std::pair<const char*, const char*> kDecisionColours[] = {
    {"rule_fired", "#000000"},       {"stale_read", "#8e24aa"}, {"read_missed", "#c2185b"},
    {"write_stored_nowhere", "#b71c1c"}, {"listing_gap", "#ef6c00"}, {"replica_held_back", "#546e7a"},
    {"negative_cache_hit", "#6d4c41"}};

const char* colour_of_verdict(const std::string& v) {
  return v == "violation" ? "#d32f2f" : v == "error" ? "#ffa000" : "#43a047";
}

std::string px(double v) { return format_double("%.1f", v); }
std::string seconds(double s) { return format_double("%.3fs", s); }

}  // namespace

std::int64_t parse_iso8601_micros(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &millis) < 6)
    return 0;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000 + millis * 1000;
}

std::string notable_decision(const json& event) {
  std::size_t best = std::size(kDecisionColours);
  for (const auto& d : event.value("decisions", json::array())) {
    const std::string kind = d.value("kind", "");
    for (std::size_t i = 0; i < best; ++i)
      if (kind == kDecisionColours[i].first) best = i;
  }
  return best < std::size(kDecisionColours) ? kDecisionColours[best].first : "";
}

std::string render_run_html(const json& report, const std::vector<json>& events) {
  const auto requests = report.value("requests", json::array());
  const auto violations = report.value("violations", json::array());
  // The store's event times are seconds since it started, just after the run's start.
  const std::int64_t store_start = parse_iso8601_micros(report.value("started_at", ""));
  std::int64_t t0 = INT64_MAX, t1 = INT64_MIN;
  std::map<int, int> lane_of;  // client id → lane
  for (const auto& r : requests) {
    t0 = std::min<std::int64_t>(t0, r.value("start_us", 0LL));
    t1 = std::max<std::int64_t>(t1, r.value("end_us", 0LL));
    lane_of.emplace(r.value("client", 0), 0);
  }
  std::vector<std::pair<std::int64_t, const json*>> store;
  for (const auto& e : events) {
    const auto t = store_start + static_cast<std::int64_t>(e.value("t", 0.0) * 1e6);
    store.emplace_back(t, &e);
    t0 = std::min(t0, t);
    t1 = std::max(t1, t);
  }
  if (t0 > t1) t0 = t1 = 0;
  const double span = std::max<double>(1.0, static_cast<double>(t1 - t0));
  int lane = 0;
  for (auto& [client, l] : lane_of) l = lane++;
  const double left = 110, top = 40, lane_h = 34, width = 1000;
  const double store_y = top + lane * lane_h;
  const double height = store_y + lane_h + 50;
  auto x_of = [&](std::int64_t t) { return left + (static_cast<double>(t - t0) / span) * width; };

  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"" + px(left + width + 30) +
                    "\" height=\"" + px(height) + "\" font-family=\"sans-serif\" font-size=\"11\">";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>";
  svg += "<text x=\"" + px(left) + "\" y=\"18\" font-size=\"14\" font-weight=\"bold\">client requests and storage decisions</text>";
  // Lane names: a parallel branch's short name, else "client N"; the full label as a tooltip.
  std::map<int, std::string> label_of;
  for (const auto& c : report.value("clients", json::array())) label_of[c.value("id", -1)] = c.value("label", "");
  for (const auto& [client, l] : lane_of) {
    const double y = top + l * lane_h;
    const std::string label = label_of[client];
    const bool short_name = !label.empty() && label.size() <= 14 && label[0] != '/';
    svg += "<rect x=\"" + px(left) + "\" y=\"" + px(y) + "\" width=\"" + px(width) + "\" height=\"" + px(lane_h - 4) +
           "\" fill=\"#f5f5f5\"/><text x=\"" + px(left - 8) + "\" y=\"" + px(y + lane_h / 2) +
           "\" text-anchor=\"end\">" + html_escape(short_name ? label : "client " + std::to_string(client)) +
           "<title>" + html_escape(label.empty() ? "client " + std::to_string(client) : label) + "</title></text>";
  }
  svg += "<rect x=\"" + px(left) + "\" y=\"" + px(store_y) + "\" width=\"" + px(width) + "\" height=\"" + px(lane_h - 4) +
         "\" fill=\"#eef3f8\"/><text x=\"" + px(left - 8) + "\" y=\"" + px(store_y + lane_h / 2) +
         "\" text-anchor=\"end\">store</text>";
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const auto& r = requests[i];
    const double x = x_of(r.value("start_us", 0LL));
    const double w = std::max(1.5, x_of(r.value("end_us", 0LL)) - x);
    const double y = top + lane_of[r.value("client", 0)] * lane_h + 4;
    svg += "<rect class=\"req\" x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(w) + "\" height=\"" +
           px(lane_h - 12) + "\" fill=\"" + colour_of_verdict(r.value("verdict", "ok")) + "\"><title>#" +
           std::to_string(i) + " " + html_escape(r.value("operation", "") + ": " + r.value("method", "") + " " +
                                                  shorten_hex(r.value("url", "")) + " → " +
                                                  std::to_string(r.value("status", 0)) + " " + r.value("note", "")) +
           "</title></rect>";
  }
  // Violations: a red marker over the request that saw each.
  for (std::size_t k = 0; k < violations.size(); ++k) {
    const auto idx = violations[k].value("request_index", requests.size());
    if (idx >= requests.size()) continue;
    const auto& r = requests[idx];
    const double x = x_of(r.value("start_us", 0LL));
    const double y = top + lane_of[r.value("client", 0)] * lane_h;
    svg += "<path class=\"violation\" d=\"M" + px(x - 6) + " " + px(y - 4) + " L" + px(x + 6) + " " + px(y - 4) + " L" +
           px(x) + " " + px(y + 6) + " Z\" fill=\"#b71c1c\" stroke=\"#fff\"><title>violation " + std::to_string(k + 1) +
           ": " + html_escape(violations[k].value("invariant", "") + " — " + violations[k].value("message", "")) +
           "</title></path>";
  }
  for (const auto& [t, e] : store) {
    const std::string kind = notable_decision(*e);
    const char* colour = "#b0bec5";
    for (const auto& [k, c] : kDecisionColours)
      if (kind == k) colour = c;
    const double x = x_of(t);
    const double h = kind.empty() ? (lane_h - 4) / 2 : lane_h - 4;
    svg += "<line x1=\"" + px(x) + "\" x2=\"" + px(x) + "\" y1=\"" + px(store_y + lane_h - 4 - h) + "\" y2=\"" +
           px(store_y + lane_h - 4) + "\" stroke=\"" + colour + "\" stroke-width=\"" + (kind.empty() ? "1" : "2") +
           "\"><title>" + html_escape(e->value("method", "") + " " + e->value("container", "") + "/" +
                                     shorten_hex(e->value("object", "")) + " → " + std::to_string(e->value("status", 0)) +
                                     (kind.empty() ? "" : " (" + kind + ")")) +
           "</title></line>";
  }
  // Time axis.
  for (int i = 0; i <= 5; ++i) {
    const double x = left + width * i / 5;
    svg += "<line x1=\"" + px(x) + "\" x2=\"" + px(x) + "\" y1=\"" + px(store_y + lane_h) + "\" y2=\"" +
           px(store_y + lane_h + 5) + "\" stroke=\"#333\"/><text x=\"" + px(x) + "\" y=\"" + px(store_y + lane_h + 18) +
           "\" text-anchor=\"middle\">" + seconds(span / 1e6 * i / 5) + "</text>";
  }
  svg += "</svg>";

  std::string legend = "<p>Bars: <span style=\"color:#43a047\">&#9632; ok</span> <span style=\"color:#ffa000\">&#9632; "
                       "error</span> <span style=\"color:#d32f2f\">&#9632; violation</span>; <span "
                       "style=\"color:#b71c1c\">&#9660;</span> marks the request that saw a violation. Store ticks:";
  for (const auto& [k, c] : kDecisionColours)
    legend += std::string(" <span style=\"color:") + c + "\">&#9646; " + k + "</span>";
  legend += ", grey: other requests. Store times are aligned to the run's start (within milliseconds).</p>";

  std::string vt = "<h2>Violations</h2>";
  if (violations.empty()) vt += "<p>None.</p>";
  else {
    vt += "<table class=\"sortable\"><thead><tr><th>#</th><th>invariant</th><th>request</th><th>message</th></tr></thead><tbody>";
    for (std::size_t k = 0; k < violations.size(); ++k)
      vt += "<tr class=\"fail\"><td>" + std::to_string(k + 1) + "</td><td>" + html_escape(violations[k].value("invariant", "")) +
            "</td><td>" + std::to_string(violations[k].value("request_index", 0)) + "</td><td>" +
            html_escape(shorten_hex(violations[k].value("message", ""))) + "</td></tr>";
    vt += "</tbody></table>";
  }
  std::string dt = "<h2>Notable storage decisions</h2><table class=\"sortable\"><thead><tr><th>seq</th><th>t</th>"
                   "<th>request</th><th>decision</th></tr></thead><tbody>";
  std::size_t shown = 0;
  for (const auto& [t, e] : store) {
    const auto kind = notable_decision(*e);
    if (kind.empty() || ++shown > 300) continue;  // the first 300; events.jsonl has them all
    dt += "<tr><td>" + std::to_string(e->value("seq", 0)) + "</td><td>" + seconds(e->value("t", 0.0)) + "</td><td>" +
          html_escape(e->value("identity", "")) + "</td><td>" + html_escape(kind) + "</td></tr>";
  }
  dt += "</tbody></table>";
  const std::string name = report.value("scenario", json::object()).value("name", "run");
  const std::string body = "<h1>stalemate run: " + html_escape(name) + "</h1><p>" +
                           html_escape(report.value("verdict", "")) + " &mdash; seed " +
                           std::to_string(report.value("seed", 0)) + ", " + std::to_string(requests.size()) +
                           " client requests, " + std::to_string(events.size()) + " storage requests.</p>" + svg +
                           legend + vt + dt;
  return html_page("stalemate run " + name, body);
}

std::filesystem::path write_run_html(const json& report, const std::filesystem::path& dir) {
  std::vector<json> events;
  std::ifstream in(dir / "events.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      events.push_back(json::parse(line));
    } catch (const json::parse_error&) {
      // a torn last line: the events before it still draw
    }
  }
  const auto file = dir / "report.html";
  const auto tmp = dir / "report.html.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << render_run_html(report, events);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::filesystem::rename(tmp, file);
  return file;
}

}  // namespace stalemate::reports
