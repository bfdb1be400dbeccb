// read_report: the report's figures, read only from what tributary_reader may read — the
// analytics models and the views analytics.load_status, analytics.model_status and
// analytics.rejection_reasons — in one read-only transaction (one snapshot), without
// migrating, so an analyst's login runs it. The model docs come from the manifest.
#include <map>
#include <memory>

#include "db/database.hpp"
#include "report/model_docs.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/report.hpp"

namespace tributary {
namespace {

// The views the migrations create for readers: without them the database is older than
// this version of tributary.
constexpr const char* kStatusViews[] = {"load_status", "model_status", "rejection_reasons"};
// The model tables charted; one that does not exist yet is reported, not an error.
constexpr const char* kChartedModels[] = {"weekly_engagement", "weekly_active_corporations",
                                          "weekly_summary", "daily_active_users"};

std::string day_param(const std::optional<date::sys_days>& day) {
  return day ? format_day(*day) : std::string();
}

date::sys_days day_of(const pqxx::field& field) { return parse_day(field.c_str(), "a report day"); }

template <typename T>
std::optional<T> optional_of(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

// The hint every refusal ends with.
std::string reader_hint(const std::string& role) {
  return "tributary report reads only what the role tributary_reader may read; connect as "
         "analyst (a member of it, created by make deploy), or have the warehouse owner run "
         "GRANT tributary_reader TO \"" +
         role + "\"";
}

// Checks that the role may read schema analytics and each view, and lists the charted
// model tables that do not exist yet. Throws ConfigError naming the first missing right.
std::vector<std::string> check_access(pqxx::read_transaction& tx) {
  const auto role = tx.exec1("select current_user")[0].as<std::string>();
  const auto schema = tx.exec(
      "select has_schema_privilege(oid, 'usage') from pg_namespace where nspname = 'analytics'");
  if (schema.empty()) {
    throw ConfigError(
        "the database has no schema analytics: run tributary migrate (as the "
        "warehouse owner), then load some days");
  }
  if (!schema[0][0].as<bool>()) {
    throw ConfigError("role \"" + role + "\" may not read schema analytics: " + reader_hint(role));
  }
  const auto may_read = [&](const std::string& name) -> std::optional<bool> {
    const auto row = tx.exec_params(
        "select has_table_privilege(c.oid, 'select') from pg_class c join pg_namespace n on "
        "n.oid = c.relnamespace where n.nspname = 'analytics' and c.relname = $1",
        name);
    if (row.empty()) return std::nullopt;
    return row[0][0].as<bool>();
  };
  for (const char* view : kStatusViews) {
    const auto readable = may_read(view);
    if (!readable) {
      throw ConfigError(std::string("analytics.") + view +
                        " does not exist: the database was migrated by an older tributary; run "
                        "tributary migrate as the warehouse owner");
    }
    if (!*readable) {
      throw ConfigError("role \"" + role + "\" may not read analytics." + view + ": " +
                        reader_hint(role));
    }
  }
  std::vector<std::string> missing;
  for (const char* model : kChartedModels) {
    const auto readable = may_read(model);
    if (!readable) {
      missing.push_back(std::string("analytics.") + model);
    } else if (!*readable) {
      throw ConfigError("role \"" + role + "\" may not read analytics." + model + ": " +
                        reader_hint(role));
    }
  }
  return missing;
}

bool is_built(const Report& report, const char* relation) {
  for (const auto& m : report.missing_relations) {
    if (m == relation) return false;
  }
  return true;
}

// A week is shown when any of its days is in the span; a day when it is.
constexpr const char* kWeekSpan =
    " where ($1 = '' or week_start + 6 >= $1::date) and ($2 = '' or week_start <= $2::date)"
    " order by week_start";

void read_weeks(pqxx::read_transaction& tx, const std::string& since, const std::string& until,
                Report& report) {
  if (is_built(report, "analytics.weekly_engagement")) {
    for (const auto& row :
         tx.exec_params(std::string("select week_start::text, iso_year, iso_week, active_users, "
                                    "days_covered from analytics.weekly_engagement") +
                            kWeekSpan,
                        since, until)) {
      report.weekly_users.push_back({day_of(row[0]), row[1].as<int>(), row[2].as<int>(),
                                     row[3].as<std::int64_t>(), row[4].as<int>()});
    }
  }
  if (is_built(report, "analytics.weekly_active_corporations")) {
    for (const auto& row :
         tx.exec_params(std::string("select week_start::text, active_corporations, "
                                    "active_status_corporations, days_covered "
                                    "from analytics.weekly_active_corporations") +
                            kWeekSpan,
                        since, until)) {
      report.weekly_corporations.push_back(
          {day_of(row[0]), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(), row[3].as<int>()});
    }
  }
  if (is_built(report, "analytics.weekly_summary")) {
    for (const auto& row : tx.exec_params(
             std::string("select week_start::text, active_users, avg_events_per_user::float8, "
                         "min_events_per_user, max_events_per_user, active_corporations, "
                         "avg_events_per_corporation::float8, min_events_per_corporation, "
                         "max_events_per_corporation from analytics.weekly_summary") +
                 kWeekSpan,
             since, until)) {
      ReportWeekSummary week;
      week.week_start = day_of(row[0]);
      week.active_users = row[1].as<std::int64_t>();
      week.per_user = {optional_of<double>(row[2]), optional_of<std::int64_t>(row[3]),
                       optional_of<std::int64_t>(row[4])};
      week.active_corporations = row[5].as<std::int64_t>();
      week.per_corporation = {optional_of<double>(row[6]), optional_of<std::int64_t>(row[7]),
                              optional_of<std::int64_t>(row[8])};
      report.weekly_summary.push_back(week);
    }
  }
}

void read_days(pqxx::read_transaction& tx, const std::string& since, const std::string& until,
               Report& report) {
  if (is_built(report, "analytics.daily_active_users")) {
    for (const auto& row : tx.exec_params(
             "select event_date::text, active_users from analytics.daily_active_users "
             "where ($1 = '' or event_date >= $1::date) and ($2 = '' or event_date <= $2::date) "
             "order by event_date",
             since, until)) {
      report.daily_users.push_back({day_of(row[0]), row[1].as<std::int64_t>()});
    }
  }
  for (const auto& row : tx.exec_params(
           "select day::text, status, events_loaded, events_rejected from analytics.load_status "
           "where ($1 = '' or day >= $1::date) and ($2 = '' or day <= $2::date) order by day",
           since, until)) {
    report.loads.push_back({day_of(row[0]), row[1].c_str(), optional_of<std::int64_t>(row[2]),
                            optional_of<std::int64_t>(row[3])});
  }
  for (const auto& row : tx.exec_params(
           "select reason, sum(events)::bigint as events from analytics.rejection_reasons "
           "where ($1 = '' or day >= $1::date) and ($2 = '' or day <= $2::date) "
           "group by reason order by events desc, reason limit 10",
           since, until)) {
    report.rejection_reasons.push_back({row[0].c_str(), row[1].as<std::int64_t>()});
  }
}

// As `tributary freshness`, from analytics.load_status: the last day through which every
// complete day from the start (sync.start_date, else the first day requested) is loaded or
// empty. Days after the last one requested are missing.
std::optional<date::sys_days> data_through(pqxx::read_transaction& tx, const Settings& settings,
                                           TimePoint at) {
  std::map<date::sys_days, std::string> states;
  for (const auto& row : tx.exec("select day::text, status from analytics.load_status")) {
    states.emplace(day_of(row[0]), row[1].c_str());
  }
  std::optional<date::sys_days> start = settings.sync.start_date;
  if (!start && !states.empty()) start = states.begin()->first;
  if (!start) return std::nullopt;
  const auto last = last_complete_day(at, settings.api.availability_lag);
  std::optional<date::sys_days> through;
  for (auto day = *start; day <= last; day += date::days{1}) {
    const auto found = states.find(day);
    if (found == states.end() || (found->second != "loaded" && found->second != "empty")) break;
    through = day;
  }
  return through;
}

}  // namespace

void ReportOptions::validate() const {
  if (since && until && *since > *until) {
    throw ConfigError("report: --since " + format_day(*since) + " is after --until " +
                      format_day(*until));
  }
}

Report read_report(const Settings& settings, const ReportOptions& options) {
  options.validate();
  Report report;
  report.generated_at = now();
  report.since = options.since;
  report.until = options.until;
  auto docs = internal::model_docs(options.models_dir);
  const auto since = day_param(options.since);
  const auto until = day_param(options.until);
  internal::translate_database_errors("reading the report's figures", [&] {
    auto conn = internal::connect(settings.database);
    pqxx::read_transaction tx(*conn);
    report.database = tx.exec1("select current_database()")[0].as<std::string>();
    report.missing_relations = check_access(tx);
    read_weeks(tx, since, until, report);
    read_days(tx, since, until, report);
    report.data_through = data_through(tx, settings, report.generated_at);
    internal::add_build_statuses(tx, docs);
  });
  report.models = std::move(docs);
  return report;
}

}  // namespace tributary
