#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "tributary/clock.hpp"
#include "tributary/settings.hpp"

namespace tributary {

/// Where Debian's libjs-chart.js (Chart.js 3.9) puts the library the report inlines.
inline constexpr const char* kDefaultChartJsPath = "/usr/share/javascript/chart.js/chart.min.js";

/// What `tributary report` covers and what it draws with.
struct ReportOptions {
  /// The first day shown (a week is shown when any of its days is in the span); unset:
  /// from the first day with data.
  std::optional<date::sys_days> since;
  /// The last day shown; unset: through the last day with data.
  std::optional<date::sys_days> until;
  /// The models manifest documented, as ModelRunOptions::models_dir (empty: the same search).
  std::string models_dir;
  /// Chart.js 3 (its UMD build) to inline into the page; empty: kDefaultChartJsPath.
  std::filesystem::path chart_js;

  /// Throws ConfigError when `since` is after `until`.
  void validate() const;
};

/// One row of analytics.weekly_engagement.
struct ReportWeekUsers {
  date::sys_days week_start{};
  int iso_year = 0;
  int iso_week = 0;
  std::int64_t active_users = 0;
  int days_covered = 0;  ///< below 7: a partial week (the data does not cover all of it)
};

/// One row of analytics.weekly_active_corporations.
struct ReportWeekCorporations {
  date::sys_days week_start{};
  std::int64_t active_corporations = 0;
  std::int64_t active_status_corporations = 0;
  int days_covered = 0;
};

/// Average, fewest and most events per member (user or corporation) in one week; all
/// unset when the week has no member (no corporation).
struct ReportSpread {
  std::optional<double> avg;
  std::optional<std::int64_t> min;
  std::optional<std::int64_t> max;
};

/// One row of analytics.weekly_summary.
struct ReportWeekSummary {
  date::sys_days week_start{};
  std::int64_t active_users = 0;
  ReportSpread per_user;
  std::int64_t active_corporations = 0;
  ReportSpread per_corporation;
};

/// One row of analytics.daily_active_users.
struct ReportDayUsers {
  date::sys_days event_date{};
  std::int64_t active_users = 0;
};

/// One row of analytics.load_status: how the day's load went.
struct ReportDayLoad {
  date::sys_days day{};
  std::string status;                           ///< loaded, empty, incomplete, failed or missing
  std::optional<std::int64_t> events_loaded;    ///< unset for a missing day
  std::optional<std::int64_t> events_rejected;  ///< unset for a missing day
};

/// A rejection reason and how many events of the span it rejected
/// (analytics.rejection_reasons).
struct ReportRejectionReason {
  std::string reason;  ///< `PATH: RULE`, e.g. `device_id: longer than 36 characters`
  std::int64_t events = 0;
};

/// One documented column of a model.
struct ReportColumnDoc {
  std::string name;
  std::string description;
  std::vector<std::string> tests;  ///< the tests on this column alone, e.g. `not_null`
};

/// A model's documentation (from the manifest) and its last build (analytics.model_status).
struct ReportModelDoc {
  std::string name;
  std::string relation;      ///< e.g. `analytics.weekly_summary`
  std::string materialized;  ///< `table` or `view`, e.g. `table, incremental (week)`
  std::string description;
  std::vector<std::string> depends_on;
  /// Relations outside the manifest its SQL reads, among those the report knows
  /// (`public.user_events`).
  std::vector<std::string> sources;
  std::vector<ReportColumnDoc> columns;
  std::vector<std::string> tests;  ///< tests over several columns, or expressions
  std::string status;              ///< latest attempt; empty: never built
  std::optional<std::chrono::sys_seconds> last_built_at;
  std::optional<std::int64_t> rows;
  std::string refresh;     ///< `full`, `incremental`, `unchanged`; empty: unknown
  std::string last_error;  ///< short, as analytics.model_status shows it
};

/// Everything the report shows, as values: read from what tributary_reader may read
/// (analytics.* and its status views) and from the models manifest.
struct Report {
  TimePoint generated_at{};
  std::string database;                 ///< the database's name (never a password or a URL)
  std::optional<date::sys_days> since;  ///< the span asked for, as given
  std::optional<date::sys_days> until;
  /// The last day D such that every complete day from the first requested day through D
  /// is loaded or empty (as `tributary freshness`, from analytics.load_status); unset when
  /// not even the first is.
  std::optional<date::sys_days> data_through;
  std::vector<ReportWeekUsers> weekly_users;
  std::vector<ReportWeekCorporations> weekly_corporations;
  std::vector<ReportWeekSummary> weekly_summary;
  std::vector<ReportDayUsers> daily_users;
  std::vector<ReportDayLoad> loads;
  std::vector<ReportRejectionReason> rejection_reasons;  ///< most frequent first, at most 10
  std::vector<ReportModelDoc> models;                    ///< in build order
  /// Model tables that do not exist yet (never built): their charts say so.
  std::vector<std::string> missing_relations;
};

/// Reads the report's figures for `settings.database`, read-only and without migrating, so
/// the analyst login can run it. Throws ConfigError for a bad span or manifest, or when the
/// role may not read what the report needs (naming it and tributary_reader) or the
/// database lacks migration 0008 (run `tributary migrate` as the owner); DatabaseError
/// when it cannot be reached.
Report read_report(const Settings& settings, const ReportOptions& options = {});

/// The page: one self-contained HTML document (no network needed) with `chart_js` (the
/// library's source text) inlined and the report's figures embedded as HTML-safe JSON.
std::string render_report_html(const Report& report, const std::string& chart_js);

/// What write_report wrote.
struct ReportFile {
  std::filesystem::path path;  ///< absolute
  std::uintmax_t bytes = 0;
  Report report;
};

/// Reads the report and writes the page to `out` (replaced atomically: a reader never sees
/// half a file). Throws ConfigError when Chart.js is missing or unreadable (naming the
/// file and libjs-chart.js) or `out` cannot be written, and as read_report.
ReportFile write_report(const Settings& settings, const ReportOptions& options,
                        const std::filesystem::path& out);

}  // namespace tributary
