// write_report: Chart.js read from disk (Debian's libjs-chart.js) before anything else, the
// figures read, the page written to a temporary file beside `out` and renamed over it.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "report/page.hpp"
#include "tributary/error.hpp"
#include "tributary/report.hpp"

namespace tributary {
namespace {

namespace fs = std::filesystem;

std::string read_chart_js(const fs::path& configured) {
  const fs::path path = configured.empty() ? fs::path(kDefaultChartJsPath) : configured;
  const std::string hint =
      configured.empty()
          ? "install Debian's libjs-chart.js (apt-get install libjs-chart.js, or make deps), or "
            "give the file with --chart-js"
          : "give the UMD build of Chart.js 3 (chart.min.js) with --chart-js";
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw ConfigError("Chart.js not found at " + path.string() +
                      " (the report inlines it): " + hint);
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    throw ConfigError("cannot read Chart.js at " + path.string() + ": " + std::strerror(errno));
  }
  auto source = text.str();
  if (internal::chart_js_version(source).empty()) {
    throw ConfigError(path.string() +
                      " is not a Chart.js build (no 'Chart.js vX.Y.Z' banner at "
                      "its start): " +
                      hint);
  }
  return source;
}

void write_atomically(const fs::path& out, const std::string& page) {
  const fs::path target = fs::absolute(out);
  const fs::path temporary = target.parent_path() / ("." + target.filename().string() + ".tmp-" +
                                                     std::to_string(::getpid()));
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    if (!file) {
      throw ConfigError("cannot write the report to " + target.string() + ": " +
                        std::strerror(errno) + " (choose another file with --out)");
    }
    file << page;
    file.flush();
    if (!file) {
      const std::string why = std::strerror(errno);
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw ConfigError("cannot write the report to " + target.string() + ": " + why);
    }
  }
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw ConfigError("cannot write the report to " + target.string() + ": " + ec.message() +
                      " (choose another file with --out)");
  }
}

}  // namespace

ReportFile write_report(const Settings& settings, const ReportOptions& options,
                        const std::filesystem::path& out) {
  options.validate();
  const auto chart_js = read_chart_js(options.chart_js);
  ReportFile file;
  file.report = read_report(settings, options);
  const auto page = render_report_html(file.report, chart_js);
  write_atomically(out, page);
  file.path = fs::absolute(out);
  file.bytes = page.size();
  return file;
}

}  // namespace tributary
