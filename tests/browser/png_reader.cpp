#include "png_reader.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include <zlib.h>

namespace stalemate::testing {

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) | (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

std::uint8_t paeth(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return static_cast<std::uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

}  // namespace

std::uint32_t Image::pixel(std::uint32_t x, std::uint32_t y) const {
  const auto* p = &rgb[(static_cast<std::size_t>(y) * width + x) * 3];
  return (std::uint32_t(p[0]) << 16) | (std::uint32_t(p[1]) << 8) | p[2];
}

Image read_png(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), {});
  if (data.size() < 8 || data.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) throw std::runtime_error(path + ": not a PNG");
  Image img;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 12 <= data.size();) {
    const auto length = be32(data, at);
    const std::string type = data.substr(at + 4, 4);
    if (at + 12 + length > data.size()) throw std::runtime_error(path + ": truncated chunk " + type);
    const std::string body = data.substr(at + 8, length);
    if (type == "IHDR") {
      img.width = be32(body, 0);
      img.height = be32(body, 4);
      const int depth = std::uint8_t(body[8]), colour = std::uint8_t(body[9]), interlace = std::uint8_t(body[12]);
      if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0)
        throw std::runtime_error(path + ": only 8-bit RGB/RGBA, non-interlaced");
      channels = colour == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat += body;
    } else if (type == "IEND") {
      break;
    }
    at += 12 + length;
  }
  if (!channels || img.width == 0 || img.height == 0 || img.width > 20000 || img.height > 20000)
    throw std::runtime_error(path + ": no usable IHDR");
  const std::size_t stride = static_cast<std::size_t>(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_size != raw.size())
    throw std::runtime_error(path + ": bad image data");
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (std::uint32_t y = 0; y < img.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* line = &raw[y * (stride + 1) + 1];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= std::size_t(channels) ? cur[i - channels] : 0, b = prev[i],
                c = i >= std::size_t(channels) ? prev[i - channels] : 0;
      int v = line[i];
      switch (filter) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += paeth(a, b, c); break;
        default: throw std::runtime_error(path + ": bad filter");
      }
      cur[i] = static_cast<std::uint8_t>(v);
    }
    for (std::uint32_t x = 0; x < img.width; ++x)
      for (int k = 0; k < 3; ++k) img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3 + k] = cur[x * channels + k];
    std::swap(prev, cur);
  }
  return img;
}

std::size_t count_near(const Image& image, std::uint32_t colour, int tolerance) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3) {
    bool near = true;
    for (int k = 0; k < 3; ++k)
      near = near && std::abs(int(image.rgb[i + k]) - int((colour >> (16 - 8 * k)) & 0xff)) <= tolerance;
    n += near;
  }
  return n;
}

std::size_t distinct_colours(const Image& image) {
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3)
    seen.insert(((image.rgb[i] >> 4) << 8) | ((image.rgb[i + 1] >> 4) << 4) | (image.rgb[i + 2] >> 4));
  return seen.size();
}

}  // namespace stalemate::testing
