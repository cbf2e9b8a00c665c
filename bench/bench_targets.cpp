// The targets as ratios measured in this one run: registry push and
// pull through each fake against the filesystem driver, raw PUT against this
// machine's single-core MD5 rate, raw GET, peak RSS per row against the live
// unique bytes, the full-size M1 scenario's time and RSS, and the cases per
// second of each model-level property test.
#include "bench/bench.h"

namespace stalemate::bench {

namespace {
std::string ratio_text(double r) { return fmt(r, 2) + "x"; }
}  // namespace

std::vector<TargetCheck> check_targets(const AllResults& r) {
  std::vector<TargetCheck> out;
  auto ratio = [&out](const std::string& what, double value, double goal) {
    out.push_back({what, ratio_text(value), ">= " + ratio_text(goal), value >= goal});
  };
  auto rss = [&out](const std::string& what, double peak_mib, std::uint64_t live, double factor) {
    const double bound = factor * static_cast<double>(live) / kMiB + 64;
    out.push_back({what, fmt(peak_mib, 0) + " MiB",
                   "<= " + fmt(bound, 0) + " MiB (" + fmt(factor, 1) + " x " + human_size(live) + " + 64 MiB)",
                   peak_mib <= bound});
  };
  if (r.reg) {
    if (r.reg->fake) {
      ratio("registry push, fake Swift / filesystem", r.reg->push_ratio, 1.0);
      ratio("registry pull, fake Swift / filesystem", r.reg->pull_ratio, 0.95);
    }
    if (r.reg->fake_s3) {
      ratio("registry push, fake S3 / filesystem", r.reg->s3_push_ratio, 0.9);
      ratio("registry pull, fake S3 / filesystem", r.reg->s3_pull_ratio, 0.95);
    }
  }
  for (const RawResult* raw : {r.raw ? &*r.raw : nullptr, r.raw_s3 ? &*r.raw_s3 : nullptr}) {
    if (!raw) continue;
    if (r.ceilings && r.ceilings->md5_mbps > 0)
      ratio("raw PUT " + raw->backend + " / single-core MD5 (" + fmt(r.ceilings->md5_mbps, 0) + " MB/s)",
            raw->put_best_mbps / r.ceilings->md5_mbps, 0.8);
    out.push_back({"raw GET " + raw->backend, fmt(raw->get_best_mbps, 0) + " MB/s", ">= 1000 MB/s",
                   raw->get_best_mbps >= 1000});
    rss("peak RSS, raw " + raw->backend, raw->row_peak_rss_mib, raw->live_bytes, 1.2);
  }
  if (r.reg)
    for (const BackendRun* b : {r.reg->fake ? &*r.reg->fake : nullptr, r.reg->fake_s3 ? &*r.reg->fake_s3 : nullptr})
      if (b) rss("peak RSS, " + b->name, b->row_peak_rss_mib, b->unique_bytes, 1.2);
  for (const auto& row : r.scale)
    rss("peak RSS, scale " + row.kind + " " + std::to_string(row.pushers) + " x " + human_size(row.image_bytes),
        row.peak_rss_mib, row.unique_bytes, 1.2);
  if (r.m1) {
    out.push_back({"full-size M1 time", fmt(r.m1->seconds, 1) + " s", "<= 15 s", r.m1->seconds <= 15});
    const double bound = 1.3 * static_cast<double>(r.m1->layer_bytes) / kMiB;
    out.push_back({"full-size M1 peak RSS", fmt(r.m1->peak_rss_mib, 0) + " MiB",
                   "<= " + fmt(bound, 0) + " MiB (1.3 x the layer)", r.m1->peak_rss_mib <= bound});
  }
  if (r.properties && r.properties->ran) {
    auto rate = [&out](const std::string& what, double value) {
      out.push_back({what, fmt(value, 0) + " cases/s", ">= 1000 cases/s", value >= 1000});
    };
    for (const auto& row : r.properties->rows)
      rate("property rate: " + (row.property.size() > 46 ? row.property.substr(0, 43) + "..." : row.property), row.rate());
    rate("property rate: all properties", r.properties->rate());
  }
  return out;
}

nlohmann::json targets_json(const std::vector<TargetCheck>& checks) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& c : checks) j.push_back({{"target", c.what}, {"measured", c.measured}, {"goal", c.goal}, {"met", c.met}});
  return j;
}

}  // namespace stalemate::bench
