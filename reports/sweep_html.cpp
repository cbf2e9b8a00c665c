#include "reports/sweep_html.h"

#include <cmath>
#include <map>

#include "reports/svg.h"

namespace stalemate::reports {

namespace {

using json = nlohmann::json;

struct Param {
  std::string name;
  std::vector<std::string> labels;
  std::vector<double> numeric;
  bool log_scale = false;
};

std::vector<Param> params_of(const json& manifest) {
  std::vector<Param> out;
  for (const auto& p : manifest.at("parameters"))
    out.push_back({p.at("name").get<std::string>(), p.at("labels").get<std::vector<std::string>>(),
                   p.at("numeric").get<std::vector<double>>(), p.value("log_scale", false)});
  return out;
}

// The value indices of each row's cell.
std::vector<std::size_t> values_of(const json& manifest, const json& row) {
  for (const auto& c : manifest.at("cells"))
    if (c.at("id") == row.value("cell", "")) return c.at("values").get<std::vector<std::size_t>>();
  return {};
}

// Outputs that are 0/1 per run, plotted as a rate with a Wilson band.
bool is_rate(const std::string& name) { return name == "failed" || name.rfind("hit:", 0) == 0; }

// An output's value in a row (booleans as 0/1); NaN when absent.
double output_of(const json& row, const std::string& name) {
  if (is_rate(name) && name != "failed") {  // hit:KIND
    const auto kinds = row.value("violations_by_kind", json::object());
    return kinds.value(name.substr(4), 0) > 0 ? 1 : 0;
  }
  const auto it = row.find(name);
  if (it == row.end() || it->is_null()) return NAN;
  if (it->is_boolean()) return it->get<bool>() ? 1 : 0;
  if (it->is_number()) return it->get<double>();
  return NAN;
}

std::string heatmap_section(const json& manifest, const std::vector<Param>& params, const std::vector<json>& rows) {
  const Param& px = params[0];
  const Param one{"", {"all"}, {0}, false};
  const Param& py = params.size() > 1 ? params[1] : one;
  std::vector<std::vector<std::size_t>> fails(py.labels.size(), std::vector<std::size_t>(px.labels.size())),
      runs = fails;
  for (const auto& r : rows) {
    const auto v = values_of(manifest, r);
    if (v.empty() || r.value("infrastructure", false)) continue;
    const std::size_t y = params.size() > 1 ? v[1] : 0;
    ++runs[y][v[0]];
    fails[y][v[0]] += r.value("failed", false);
  }
  Heatmap m;
  m.title = "failure rate (runs with exit 1)";
  m.x_label = px.name;
  m.y_label = params.size() > 1 ? py.name : "";
  m.x_labels = px.labels;
  m.y_labels = py.labels;
  for (std::size_t y = 0; y < py.labels.size(); ++y) {
    m.value.emplace_back();
    m.text.emplace_back();
    for (std::size_t x = 0; x < px.labels.size(); ++x) {
      const auto n = runs[y][x];
      m.value.back().push_back(n ? static_cast<double>(fails[y][x]) / n : NAN);
      m.text.back().push_back(n ? std::to_string(fails[y][x]) + "/" + std::to_string(n) : "");
    }
  }
  std::string note = params.size() > 2 ? "<p>Other parameters are pooled.</p>" : "";
  return "<h2>Failure rate</h2>" + note + render_heatmap(m);
}

// One plot: output over the first parameter, a series per value of the
// second; "failed" as a rate with its Wilson interval, others as the mean
// with the band from the lowest to the highest seed.
std::string line_section(const json& manifest, const std::vector<Param>& params, const std::vector<json>& rows,
                         const std::string& output) {
  const Param& px = params[0];
  const std::size_t series_count = params.size() > 1 ? params[1].labels.size() : 1;
  // [series][x] → values
  std::vector<std::vector<std::vector<double>>> values(series_count, std::vector<std::vector<double>>(px.labels.size()));
  for (const auto& r : rows) {
    const auto v = values_of(manifest, r);
    const double y = output_of(r, output);
    if (v.empty() || std::isnan(y) || r.value("infrastructure", false)) continue;
    values[params.size() > 1 ? v[1] : 0][v[0]].push_back(y);
  }
  LinePlot plot;
  plot.title = output + " over " + px.name;
  plot.x_label = px.name;
  plot.y_label = output == "failed" ? "failure rate" : is_rate(output) ? "rate of runs with " + output.substr(4) : output;
  plot.log_x = px.log_scale;
  plot.unit_range = is_rate(output);
  for (std::size_t s = 0; s < series_count; ++s) {
    PlotSeries series;
    series.name = params.size() > 1 ? params[1].name + "=" + params[1].labels[s] : output;
    for (std::size_t x = 0; x < px.labels.size(); ++x) {
      const auto& vs = values[s][x];
      if (vs.empty()) continue;
      double sum = 0, lo = vs[0], hi = vs[0];
      std::size_t ones = 0;
      for (double v : vs) sum += v, lo = std::min(lo, v), hi = std::max(hi, v), ones += v != 0;
      series.x.push_back(px.numeric[x]);
      series.mid.push_back(sum / vs.size());
      if (is_rate(output)) std::tie(lo, hi) = wilson_interval(ones, vs.size());
      series.lo.push_back(lo);
      series.hi.push_back(hi);
      if (s == 0) plot.x_tick_labels.push_back(px.labels[x]);
    }
    if (!series.x.empty()) plot.series.push_back(std::move(series));
  }
  if (plot.series.empty()) return "<h2>" + html_escape(output) + "</h2><p>No values yet.</p>";
  // Tick labels belong to the first series' points only.
  if (plot.series.front().x.size() != plot.x_tick_labels.size()) plot.x_tick_labels.clear();
  const char* band = is_rate(output) ? "band: 95 % Wilson interval over seeds" : "band: lowest to highest seed";
  return "<h2>" + html_escape(output) + "</h2><p>" + band + "</p>" + render_line_plot(plot);
}

std::string cell_text(const json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object()) {
    std::string s;
    for (const auto& [k, n] : v.items()) s += (s.empty() ? "" : " ") + k + ":" + n.dump();
    return s;
  }
  if (v.is_number_float()) return short_number(v.get<double>());
  return v.dump();
}

std::string table_section(const std::vector<Param>& params, const std::vector<json>& rows) {
  static const char* columns[] = {"seed",         "exit",        "verdict",     "pushes_ok",   "pushes_failed",
                                  "pulls_ok",     "pulls_failed", "violations_by_kind", "push_p50_ms", "push_p99_ms",
                                  "pull_p50_ms",  "pull_p99_ms", "spool_peak_bytes", "cache_peak_bytes", "wall_s"};
  std::string t = "<h2>Runs</h2><p>Click a column header to sort.</p><table class=\"sortable\" id=\"runs\"><thead><tr><th>run</th>";
  for (const auto& p : params) t += "<th>" + html_escape(p.name) + "</th>";
  for (const char* c : columns) t += std::string("<th>") + c + "</th>";
  t += "</tr></thead><tbody>";
  for (const auto& r : rows) {
    const char* cls = r.value("infrastructure", false) ? " class=\"infra\"" : r.value("failed", false) ? " class=\"fail\"" : "";
    t += std::string("<tr") + cls + "><td>" + html_escape(r.value("run", "")) + "</td>";
    const auto ps = r.value("params", json::object());
    for (const auto& p : params) t += "<td>" + html_escape(cell_text(ps.value(p.name, json()))) + "</td>";
    for (const char* c : columns) t += "<td>" + html_escape(cell_text(r.value(c, json()))) + "</td>";
    t += "</tr>";
  }
  return t + "</tbody></table>";
}

std::string failing_section(const json& manifest, const std::vector<json>& rows) {
  std::string registry = manifest.value("registry", json()).is_string()
                             ? " --registry " + manifest["registry"].get<std::string>() : "";
  std::map<std::string, std::string> by_cell;
  for (const auto& r : rows) {
    if (!r.value("failed", false) && !r.value("infrastructure", false)) continue;
    const std::string dir = r.value("run_dir", "");
    by_cell[r.value("cell", "")] += "<li><code>stalemate run " + html_escape(dir + "/scenario.json") + " --seed " +
                                    std::to_string(r.value("seed", 0)) + html_escape(registry) + "</code> &mdash; " +
                                    html_escape(r.value("verdict", "")) + "</li>";
  }
  if (by_cell.empty()) return "<h2>Failing cells</h2><p>None.</p>";
  std::string s = "<h2>Failing cells</h2><p>Each command replays one failing run (paths relative to this folder).</p>";
  for (const auto& [cell, items] : by_cell) s += "<h3>" + html_escape(cell) + "</h3><ul>" + items + "</ul>";
  return s;
}

}  // namespace

std::pair<double, double> wilson_interval(std::size_t k, std::size_t n) {
  if (n == 0) return {0, 1};
  const double z = 1.96, p = static_cast<double>(k) / n, z2n = z * z / n;
  const double centre = (p + z2n / 2) / (1 + z2n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::string render_sweep_html(const json& manifest, const std::vector<json>& rows) {
  const auto params = params_of(manifest);
  std::size_t failed = 0, infra = 0;
  for (const auto& r : rows) failed += r.value("failed", false), infra += r.value("infrastructure", false);
  const std::string name = manifest.value("name", "sweep");
  const std::string base = manifest.value("base_file", "");
  std::string body = "<h1>stalemate sweep: " + html_escape(name) + "</h1><p>";
  body += std::to_string(rows.size()) + " of " + std::to_string(manifest.value("runs", 0)) + " runs" +
          (manifest.value("shard", json()).is_string() ? " (shard " + manifest["shard"].get<std::string>() + ")" : "") +
          ", " + std::to_string(failed) + " failed (exit 1), " + std::to_string(infra) +
          " could not be carried out. Definition hash <code>" + manifest.value("hash", "").substr(0, 16) +
          "</code>; base <code>" + html_escape(base.empty() ? "(inline)" : base) + "</code>.</p><ul>";
  for (const auto& p : manifest.at("parameters"))
    body += "<li><code>" + html_escape(p.value("pointer", "")) + "</code> as <b>" + html_escape(p.value("name", "")) +
            "</b>: " + std::to_string(p.at("labels").size()) + " values</li>";
  body += "</ul>";
  if (!params.empty()) {
    body += heatmap_section(manifest, params, rows);
    for (const auto& o : manifest.value("outputs", std::vector<std::string>{"failed"}))
      body += line_section(manifest, params, rows, o);
  }
  body += failing_section(manifest, rows);
  body += table_section(params, rows);
  return html_page("stalemate sweep " + name, body);
}

}  // namespace stalemate::reports
