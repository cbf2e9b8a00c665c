// Small inline-SVG plots written by hand (no plotting library, no network):
// a line with a band, a heatmap, and the HTML page around them. Each returns
// an <svg> element as text, sized in pixels.
#pragma once

#include <string>
#include <vector>

namespace stalemate::reports {

std::string html_escape(const std::string& text);
// One double through a printf format ("%.3g", "%.1f", "%.3fs"): the numbers of plots, tables and labels.
std::string format_double(const char* format, double v);
// "#rrggbb" on a green (0) → yellow → red (1) scale.
std::string rate_colour(double rate);
// A number for an axis or a cell: "0.25", "1.5e+06".
std::string short_number(double v);

struct PlotSeries {
  std::string name;
  std::vector<double> x, mid, lo, hi;  // same length; lo/hi the band
};

struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<PlotSeries> series;
  std::vector<std::string> x_tick_labels;  // shown at the x values of the first series, when given
  bool log_x = false;
  bool unit_range = false;  // a rate: the y axis is exactly 0..1
  int width = 640, height = 320;
};
std::string render_line_plot(const LinePlot& plot);

struct Heatmap {
  std::string title, x_label, y_label;
  std::vector<std::string> x_labels, y_labels;
  std::vector<std::vector<double>> value;  // [y][x], in 0..1; NaN: no runs
  std::vector<std::vector<std::string>> text;  // shown in each cell ("2/5")
  int cell_width = 64, cell_height = 32;
};
std::string render_heatmap(const Heatmap& map);

// A self-contained page: the style, the body, and the small sort script for
// every <table class="sortable">.
std::string html_page(const std::string& title, const std::string& body);

}  // namespace stalemate::reports
