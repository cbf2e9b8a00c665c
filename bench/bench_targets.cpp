// The targets as ratios measured in this one run: registry push and
// pull through each fake against the filesystem driver, raw PUT against this
// machine's single-core MD5 rate, raw GET, peak RSS per row against the live
// unique bytes, the full-size M1 scenario's time and RSS, and the cases per
// second of each model-level property test.
#include <algorithm>

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
    const RegistryResult& reg = *r.reg;
    auto pairs_text = [](const std::vector<double>& pairs, double best_ratio) {
      const auto [lo, hi] = std::minmax_element(pairs.begin(), pairs.end());
      if (lo == pairs.end()) return std::string();
      return "median of " + std::to_string(pairs.size()) + " interleaved pairs (range " + fmt(*lo, 2) + "-" +
             fmt(*hi, 2) + "); best against best " + ratio_text(best_ratio);
    };
    auto pull = [&](const std::string& what, double median_ratio, double best_ratio, const BackendRun& b) {
      ratio(what, median_ratio, 0.95);
      out.back().detail = pairs_text(b.pull_pair_ratios, best_ratio);
    };
    // Per pair: the filesystem push beside the fake's k-th push, and what the
    // registry alone spent on that push; the bound is the median over pairs.
    auto bound_over_pairs = [](const BackendRun& b, auto&& fake_floor_seconds) {
      std::vector<double> bounds;
      for (std::size_t i = 0; i < b.paired_filesystem_push_seconds.size() && i < b.push_runs_cpu_registry.size(); ++i)
        if (const double floor_s = fake_floor_seconds(b.push_runs_cpu_registry[i]); floor_s > 0)
          bounds.push_back(b.paired_filesystem_push_seconds[i] / floor_s);
      return median(bounds);
    };
    auto ceiling = [&](const std::optional<BackendRun>& c) {
      return c ? "; measured ceiling, the fake without digests: " + ratio_text(median(c->push_pair_ratios))
               : std::string();
    };
    if (reg.fake) {
      const BackendRun& b = *reg.fake;
      ratio("registry push, fake Swift / filesystem", reg.push_ratio, 1.0);
      out.back().detail = pairs_text(b.push_pair_ratios, reg.push_ratio_best);
      // The 2.8.2 Swift driver stops reading from the client while a segment's
      // PUT is in flight, and the 201 carries the segment's MD5 (its ETag):
      // the registry's own work and the store's MD5 of every byte run in series.
      if (r.ceilings && r.ceilings->md5_mbps > 0) {
        const double md5_s = static_cast<double>(reg.image_bytes) / (r.ceilings->md5_mbps * kMB);
        const double bound = bound_over_pairs(b, [&](double registry_cpu) { return registry_cpu + md5_s; });
        out.back().detail += "; each 201 waits for its segment's MD5: registry CPU " +
                             fmt(median(b.push_runs_cpu_registry), 2) + " s + the image's MD5 at " +
                             fmt(r.ceilings->md5_mbps, 0) + " MB/s " + fmt(md5_s, 2) +
                             " s in series, against the filesystem's " + fmt(median(b.paired_filesystem_push_seconds), 2) +
                             " s: about " + ratio_text(bound) + " at most" + ceiling(reg.ceiling_swift);
      }
      pull("registry pull, fake Swift / filesystem", reg.pull_ratio, reg.pull_ratio_best, b);
    }
    if (reg.fake_s3) {
      const BackendRun& b = *reg.fake_s3;
      ratio("registry push, fake S3 / filesystem", reg.s3_push_ratio, 0.9);
      out.back().detail = pairs_text(b.push_pair_ratios, reg.s3_push_ratio_best);
      // CPU the registry and the client burn whatever the store does: on this
      // many cores the push cannot be shorter than it.
      const int cores = std::max(1, online_cpus());
      const double client_cpu = median(reg.filesystem.push_runs_cpu_bench);  // the filesystem push's bench CPU is the client's
      const double bound =
          bound_over_pairs(b, [&](double registry_cpu) { return (registry_cpu + client_cpu) / cores; });
      out.back().detail += "; registry " + fmt(median(b.push_runs_cpu_registry), 2) + " CPU-s + client " +
                           fmt(client_cpu, 2) + " CPU-s on " + std::to_string(cores) +
                           " cores bound the push on any store, against the filesystem's " +
                           fmt(median(b.paired_filesystem_push_seconds), 2) + " s: " + ratio_text(bound) + " at most" +
                           ceiling(reg.ceiling_s3);
      pull("registry pull, fake S3 / filesystem", reg.s3_pull_ratio, reg.s3_pull_ratio_best, b);
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
  for (const auto& c : checks) {
    j.push_back({{"target", c.what}, {"measured", c.measured}, {"goal", c.goal}, {"met", c.met}});
    if (!c.detail.empty()) j.back()["detail"] = c.detail;
  }
  return j;
}

}  // namespace stalemate::bench
