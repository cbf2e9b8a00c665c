// Just enough PNG to check a screenshot: 8-bit RGB or RGBA, non-interlaced
// (what Chromium writes), decoded to RGB pixels with zlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace stalemate::testing {

struct Image {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
  std::uint32_t pixel(std::uint32_t x, std::uint32_t y) const;  // 0xRRGGBB
};

// Throws std::runtime_error on anything it cannot read.
Image read_png(const std::string& path);

// Pixels within `tolerance` (per channel) of colour 0xRRGGBB.
std::size_t count_near(const Image& image, std::uint32_t colour, int tolerance = 8);
// Distinct colours, each channel cut to its top 4 bits.
std::size_t distinct_colours(const Image& image);

}  // namespace stalemate::testing
