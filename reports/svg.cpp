#include "reports/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace stalemate::reports {

namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"};

std::string num(double v) { return format_double("%.1f", v); }

std::string text_at(double x, double y, const std::string& s, const char* anchor = "middle", int size = 12,
                    const std::string& extra = "") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" text-anchor=\"" + anchor + "\" font-size=\"" +
         std::to_string(size) + "\"" + extra + ">" + html_escape(s) + "</text>";
}

}  // namespace

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string rate_colour(double rate) {
  rate = std::clamp(rate, 0.0, 1.0);
  // green (46,160,67) → yellow (240,200,40) → red (215,40,40)
  const double g[3] = {46, 160, 67}, y[3] = {240, 200, 40}, r[3] = {215, 40, 40};
  const double* a = rate < 0.5 ? g : y;
  const double* b = rate < 0.5 ? y : r;
  const double t = rate < 0.5 ? rate * 2 : (rate - 0.5) * 2;
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", static_cast<int>(a[0] + (b[0] - a[0]) * t),
                static_cast<int>(a[1] + (b[1] - a[1]) * t), static_cast<int>(a[2] + (b[2] - a[2]) * t));
  return buf;
}

std::string format_double(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string short_number(double v) { return format_double("%.3g", v); }

std::string render_line_plot(const LinePlot& p) {
  const double left = 64, right = 150, top = 30, bottom = 48;
  const double w = p.width - left - right, h = p.height - top - bottom;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = 0, y1 = -x0;
  auto fx = [&](double x) { return p.log_x && x > 0 ? std::log10(x) : x; };
  for (const auto& s : p.series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, fx(s.x[i]));
      x1 = std::max(x1, fx(s.x[i]));
      y0 = std::min(y0, s.lo[i]);
      y1 = std::max(y1, s.hi[i]);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (x1 == x0) x0 -= 1, x1 += 1;
  if (!std::isfinite(y1) || y1 <= y0) y1 = y0 + 1;
  y1 += (y1 - y0) * 0.05;
  if (p.unit_range) y0 = 0, y1 = 1;
  auto px = [&](double x) { return left + (fx(x) - x0) / (x1 - x0) * w; };
  auto py = [&](double y) { return top + h - (y - y0) / (y1 - y0) * h; };
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"" + std::to_string(p.width) +
                    "\" height=\"" + std::to_string(p.height) + "\" font-family=\"sans-serif\">";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>";
  svg += text_at(left + w / 2, 18, p.title, "middle", 14, " font-weight=\"bold\"");
  // Axes and ticks: y at 5 even steps; x at the first series' points.
  for (int i = 0; i <= 4; ++i) {
    const double y = y0 + (y1 - y0) * i / 4;
    svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + w) + "\" y1=\"" + num(py(y)) + "\" y2=\"" + num(py(y)) +
           "\" stroke=\"#e0e0e0\"/>";
    svg += text_at(left - 6, py(y) + 4, short_number(y), "end", 11);
  }
  if (!p.series.empty()) {
    const auto& xs = p.series.front().x;
    for (std::size_t i = 0; i < xs.size(); ++i)
      svg += text_at(px(xs[i]), top + h + 16,
                     i < p.x_tick_labels.size() ? p.x_tick_labels[i] : short_number(xs[i]), "middle", 11);
  }
  svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + w) + "\" y1=\"" + num(top + h) + "\" y2=\"" +
         num(top + h) + "\" stroke=\"#333\"/>";
  svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(left) + "\" y1=\"" + num(top) + "\" y2=\"" + num(top + h) +
         "\" stroke=\"#333\"/>";
  svg += text_at(left + w / 2, p.height - 8, p.x_label + (p.log_x ? " (log scale)" : ""), "middle", 12);
  svg += text_at(14, top + h / 2, p.y_label, "middle", 12,
                 " transform=\"rotate(-90 14 " + num(top + h / 2) + ")\"");
  for (std::size_t k = 0; k < p.series.size(); ++k) {
    const auto& s = p.series[k];
    const std::string colour = kPalette[k % std::size(kPalette)];
    std::string band, line;
    for (std::size_t i = 0; i < s.x.size(); ++i) band += num(px(s.x[i])) + "," + num(py(s.hi[i])) + " ";
    for (std::size_t i = s.x.size(); i-- > 0;) band += num(px(s.x[i])) + "," + num(py(s.lo[i])) + " ";
    for (std::size_t i = 0; i < s.x.size(); ++i) line += num(px(s.x[i])) + "," + num(py(s.mid[i])) + " ";
    svg += "<polygon class=\"band\" points=\"" + band + "\" fill=\"" + colour + "\" fill-opacity=\"0.18\"/>";
    svg += "<polyline points=\"" + line + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"/>";
    for (std::size_t i = 0; i < s.x.size(); ++i)
      svg += "<circle cx=\"" + num(px(s.x[i])) + "\" cy=\"" + num(py(s.mid[i])) + "\" r=\"3.5\" fill=\"" + colour +
             "\"><title>" + html_escape(s.name) + ": " + short_number(s.mid[i]) + " [" + short_number(s.lo[i]) + ", " +
             short_number(s.hi[i]) + "]</title></circle>";
    const double ly = top + 8 + k * 18;
    svg += "<rect x=\"" + num(left + w + 12) + "\" y=\"" + num(ly - 8) + "\" width=\"14\" height=\"10\" fill=\"" +
           colour + "\"/>";
    svg += text_at(left + w + 32, ly + 1, s.name, "start", 11);
  }
  return svg + "</svg>";
}

std::string render_heatmap(const Heatmap& m) {
  const double left = 110, top = 34, bottom = 44;
  const double w = m.cell_width * static_cast<double>(m.x_labels.size());
  const double h = m.cell_height * static_cast<double>(m.y_labels.size());
  const int width = static_cast<int>(left + w + 100), height = static_cast<int>(top + h + bottom);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" width=\"" + std::to_string(width) +
                    "\" height=\"" + std::to_string(height) + "\" font-family=\"sans-serif\">";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>";
  svg += text_at(left + w / 2, 18, m.title, "middle", 14, " font-weight=\"bold\"");
  for (std::size_t yi = 0; yi < m.y_labels.size(); ++yi) {
    const double y = top + h - (yi + 1) * m.cell_height;  // first value at the bottom
    svg += text_at(left - 6, y + m.cell_height / 2.0 + 4, m.y_labels[yi], "end", 11);
    for (std::size_t xi = 0; xi < m.x_labels.size(); ++xi) {
      const double x = left + xi * m.cell_width;
      const double v = m.value[yi][xi];
      const bool none = std::isnan(v);
      svg += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + std::to_string(m.cell_width - 1) +
             "\" height=\"" + std::to_string(m.cell_height - 1) + "\" fill=\"" + (none ? "#eeeeee" : rate_colour(v)) +
             "\"><title>" + html_escape(m.x_label + "=" + m.x_labels[xi] + ", " + m.y_label + "=" + m.y_labels[yi]) +
             (none ? ": no runs" : ": " + short_number(v)) + "</title></rect>";
      svg += text_at(x + m.cell_width / 2.0, y + m.cell_height / 2.0 + 4, m.text[yi][xi], "middle", 11);
    }
  }
  for (std::size_t xi = 0; xi < m.x_labels.size(); ++xi)
    svg += text_at(left + xi * m.cell_width + m.cell_width / 2.0, top + h + 16, m.x_labels[xi], "middle", 11);
  svg += text_at(left + w / 2, top + h + 36, m.x_label, "middle", 12);
  svg += text_at(16, top + h / 2, m.y_label, "middle", 12, " transform=\"rotate(-90 16 " + num(top + h / 2) + ")\"");
  // The colour scale.
  for (int i = 0; i <= 10; ++i)
    svg += "<rect x=\"" + num(left + w + 30) + "\" y=\"" + num(top + (10 - i) * 10) + "\" width=\"16\" height=\"10\" fill=\"" +
           rate_colour(i / 10.0) + "\"/>";
  svg += text_at(left + w + 52, top + 8, "1", "start", 10) + text_at(left + w + 52, top + 108, "0", "start", 10);
  return svg + "</svg>";
}

std::string html_page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title>\n<style>\n"
         "body{font-family:sans-serif;margin:24px;color:#222;background:#fafafa}\n"
         "h1{font-size:20px}h2{font-size:16px;margin-top:28px}\n"
         "table{border-collapse:collapse;font-size:12px;background:#fff}\n"
         "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left}\n"
         "th{background:#eee;cursor:pointer;user-select:none}\n"
         "tr.fail td{background:#fde8e8}tr.infra td{background:#fff3d6}\n"
         "code{background:#f0f0f0;padding:1px 4px}\n"
         "svg{display:block;margin:8px 0;border:1px solid #ddd}\n"
         "</style></head><body>\n" +
         body +
         "\n<script>\n"
         "// Click a header to sort by that column (numbers numerically); again to reverse.\n"
         "document.querySelectorAll('table.sortable').forEach(function(t){\n"
         "  t.querySelectorAll('th').forEach(function(th,i){\n"
         "    th.addEventListener('click',function(){\n"
         "      var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);\n"
         "      var dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';\n"
         "      rows.sort(function(a,b){\n"
         "        var x=a.cells[i].textContent,y=b.cells[i].textContent,nx=parseFloat(x),ny=parseFloat(y);\n"
         "        if(!isNaN(nx)&&!isNaN(ny))return (nx-ny)*dir;return x.localeCompare(y)*dir;});\n"
         "      rows.forEach(function(r){body.appendChild(r);});});});});\n"
         "// #sort=N sorts the first table by column N on load (#sort=-N: descending), for links and tests.\n"
         "var m=location.hash.match(/^#sort=(-?)(\\d+)$/),th=m&&document.querySelectorAll('table.sortable th')[+m[2]];\n"
         "if(th){th.click();if(m[1])th.click();}\n"
         "</script>\n</body></html>\n";
}

}  // namespace stalemate::reports
