#pragma once

// The report page: the Report as JSON, that JSON made safe inside a <script> element, and
// the page's own style sheet and script (page_assets.cpp). Pure code.

#include <string>

#include <nlohmann/json.hpp>

#include "tributary/report.hpp"

namespace tributary::internal {

/// The figures the page's script draws, one key per section (`weekly_users`, `loads`,
/// `models`, ...); days as `YYYY-MM-DD`, times as `YYYY-MM-DDTHH:MM:SSZ`, unknowns as null.
nlohmann::json report_json(const Report& report);

/// `value` as JSON text that can stand inside a <script> element: `<`, `>`, `&`, U+2028 and
/// U+2029 written as \u escapes (so no `</script>` or `<!--` can appear), invalid UTF-8
/// replaced by U+FFFD.
std::string html_safe_json(const nlohmann::json& value);

/// The version in a Chart.js build's banner (`3.9.1`); empty when `source` has none.
std::string chart_js_version(const std::string& source);

/// The page's CSS.
extern const char* const kReportStyle;
/// The page's first script, before Chart.js: records uncaught errors, console errors and
/// warnings, and blocked loads in `window.tributaryReport.errors`.
extern const char* const kReportPrelude;
/// The page's script: reads the JSON of element #report-data, draws every chart with the
/// inlined Chart.js, fills the tables, then writes what it drew into #report-summary.
extern const char* const kReportScript;

}  // namespace tributary::internal
