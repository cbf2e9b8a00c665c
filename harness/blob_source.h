// Where a blob's bytes come from when pushing or checking: a layer
// regenerated from its seed (never held whole), or the small config bytes.
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include "harness/layer_content.h"
#include "harness/manifest.h"

namespace stalemate::harness {

struct BlobSource {
  Descriptor descriptor;
  std::optional<LayerContent> layer;  // a layer
  std::string bytes;                  // the config (small)

  void fill(std::uint64_t offset, char* buf, std::size_t n) const {
    if (layer) layer->fill(offset, buf, n);
    else std::copy_n(bytes.data() + offset, n, buf);
  }
};

}  // namespace stalemate::harness
