// The HTML reports rendered in Debian's headless Chromium: the screenshot is
// decoded and must be the requested size, not blank, and show the plots'
// colours; Chromium's log must hold no console message (a script error would
// be one). Skips (exit 77, "skipped" in ctest) when chromium is missing.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <unistd.h>

#include "campaign/sweep_store.h"
#include "child_command.h"
#include "png_reader.h"
#include "reports/run_html.h"
#include "reports/svg.h"

using namespace stalemate;
using namespace stalemate::testing;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string chromium_or_skip() {
  for (const char* p : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (::access(p, X_OK) == 0) return p;
  std::cout << "SKIP: chromium is not installed (apt-get install chromium; scripts/install-deps.sh does): "
               "the browser tests need it\n";
  std::exit(77);
}

struct Shot {
  Image image;
  std::string log;
};

Shot screenshot(const fs::path& html, int width, int height) {
  const auto chromium = chromium_or_skip();
  const auto png = html.parent_path() / (html.stem().string() + ".png");
  fs::remove(png);
  const auto r = run_command({chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                              "--enable-logging=stderr", "--v=0", "--screenshot=" + png.string(),
                              "--window-size=" + std::to_string(width) + "," + std::to_string(height),
                              "file://" + fs::absolute(html).string()},
                             std::chrono::seconds(120));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(fs::exists(png));
  return {read_png(png.string()), r.err};
}

fs::path fresh(const std::string& name) {
  const auto d = fs::temp_directory_path() / ("stalemate-browser-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::uint32_t hex(const std::string& colour) { return static_cast<std::uint32_t>(std::stoul(colour.substr(1), nullptr, 16)); }

// A sweep folder with rows as a finished sweep leaves them: 3 x 2 cells, 4 seeds.
fs::path synthetic_sweep() {
  const auto dir = fresh("sweep");
  const auto sweep = campaign::parse_sweep(json::parse(R"({"name": "browser", "base": {"name": "t",
      "backend": {"consistency": {"listing_delay": {"lognormal": {"p50": "100ms", "p99": "1s"}}}},
      "workload": {"images": [{"repository": "t/app", "layers": [{"size": "1MiB", "seed": 1}]}]}},
      "parameters": [
        {"name": "p99", "pointer": "/backend/consistency/listing_delay/lognormal/p99", "range": {"from": "1s", "to": "4s", "steps": 3}},
        {"name": "newest", "pointer": "/backend/consistency/always_newest", "values": [false, true]}],
      "seeds": {"count": 4}, "outputs": ["failed", "push_p99_ms"]})"), "browser.json");
  const auto cells = campaign::expand_cells(sweep);
  const auto runs = campaign::all_runs(sweep, cells);
  const auto manifest = campaign::sweep_manifest(sweep, cells, runs.size(), std::nullopt, std::nullopt);
  std::ofstream(dir / "sweep.json") << manifest.dump();
  std::vector<json> rows;
  for (const auto& r : runs) {
    const auto& v = cells[r.cell].value_index;
    const bool failed = v[1] == 0 && r.seed <= v[0] + 1;  // more failures with more lag, none with X-Newest
    rows.push_back({{"index", r.index}, {"run", r.id()}, {"cell", cells[r.cell].id()},
                    {"params", {{"p99", sweep.parameters[0].labels[v[0]]}, {"newest", sweep.parameters[1].labels[v[1]]}}},
                    {"seed", r.seed}, {"exit", failed ? 1 : 0}, {"failed", failed}, {"infrastructure", false},
                    {"verdict", failed ? "FAIL: 1 invariant violation(s)" : "PASS: every invariant held"},
                    {"violations_by_kind", failed ? json{{"blob-digest", 1}} : json::object()},
                    {"push_p99_ms", 100.0 + 50 * v[0] + 10 * r.seed}, {"wall_s", 1.5}, {"run_dir", "runs/" + r.id()}});
  }
  campaign::write_rows(dir, manifest, rows);
  campaign::render_report(dir);
  return dir;
}

}  // namespace

TEST_CASE("browser: a sweep's report.html renders its heatmap, lines and table") {
  const auto dir = synthetic_sweep();
  const auto shot = screenshot(dir / "report.html", 1200, 1400);
  CHECK(shot.image.width == 1200);
  CHECK(shot.image.height == 1400);
  CHECK(distinct_colours(shot.image) >= 8);
  // The heatmap's extremes (rate 0 and 1) and the plot's first two series colours are drawn.
  CHECK(count_near(shot.image, hex(reports::rate_colour(0))) > 500);
  CHECK(count_near(shot.image, hex(reports::rate_colour(1))) > 500);
  CHECK(count_near(shot.image, 0x1f77b4) > 50);
  CHECK(count_near(shot.image, 0xd62728) > 50);
  CHECK(shot.log.find(":CONSOLE") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("browser: a run's report.html draws the timeline with the violation marked") {
  const auto dir = fresh("run");
  const std::int64_t t0 = 1'700'000'000'000'000;
  json requests = json::array();
  for (int i = 0; i < 12; ++i)
    requests.push_back({{"start_us", t0 + i * 100'000}, {"end_us", t0 + i * 100'000 + 80'000}, {"client", i % 2},
                        {"operation", "pull-blob"}, {"method", "GET"}, {"url", "http://127.0.0.1/v2/x"},
                        {"status", 200}, {"verdict", i == 7 ? "violation" : i == 3 ? "error" : "ok"}});
  const json report{{"started_at", "2023-11-14T22:13:20.000Z"},  // t0
                    {"seed", 1}, {"verdict", "FAIL: 1 invariant violation(s)"},
                    {"scenario", {{"name", "browser-run"}}}, {"requests", requests},
                    {"violations", {{{"invariant", "blob-digest"}, {"request_index", 7}, {"message", "wrong sha256"}}}}};
  std::ofstream events(dir / "events.jsonl");
  for (int i = 0; i < 40; ++i) {
    json e{{"seq", i + 1}, {"t", i * 0.03}, {"method", "GET"}, {"container", "registry"}, {"object", "o"}, {"status", 200},
           {"identity", "GET registry/o#" + std::to_string(i)}, {"decisions", json::array()}};
    if (i % 5 == 0) e["decisions"].push_back({{"kind", i % 10 == 0 ? "stale_read" : "listing_gap"}});
    events << e.dump() << "\n";
  }
  events.close();
  const auto html = reports::write_run_html(report, dir);
  const auto shot = screenshot(html, 1200, 700);
  CHECK(shot.image.width == 1200);
  CHECK(shot.image.height == 700);
  CHECK(distinct_colours(shot.image) >= 8);
  CHECK(count_near(shot.image, 0x43a047) > 300);  // ok requests
  CHECK(count_near(shot.image, 0xd32f2f) > 20);   // the violating request
  CHECK(count_near(shot.image, 0x8e24aa) > 20);   // stale reads in the store lane
  CHECK(shot.log.find(":CONSOLE") == std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("browser: the runs table sorts by a column in the page's own script") {
  const auto dir = synthetic_sweep();
  const auto chromium = chromium_or_skip();
  // Column 12 is push_p99_ms (run, p99, newest, seed, exit, verdict, pushes_ok, pushes_failed, pulls_ok,
  // pulls_failed, violations_by_kind, push_p50_ms, push_p99_ms); -12 sorts it descending.
  const auto r = run_command({chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                              "--v=0", "--dump-dom", "file://" + fs::absolute(dir / "report.html").string() + "#sort=-12"},
                             std::chrono::seconds(120));
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto body = r.out.find("<tbody>", r.out.find("id=\"runs\""));
  REQUIRE(body != std::string::npos);
  const auto first_row = r.out.substr(body, r.out.find("</tr>", body) - body);
  CHECK(first_row.find("<td>240</td>") != std::string::npos);  // the largest push_p99_ms (cell 4 or 5, seed 4)
  const auto unsorted = slurp_file(dir / "report.html");
  const auto plain = unsorted.substr(unsorted.find("<tbody>", unsorted.find("id=\"runs\"")));
  CHECK(plain.substr(0, plain.find("</tr>")).find("<td>c000-s1</td>") != std::string::npos);  // as written: by run
  CHECK(r.err.find(":CONSOLE") == std::string::npos);
  fs::remove_all(dir);
}
