// day_statuses, span_status, freshness: ingest.day_loads read back as values, for `tributary
// status` and `freshness` and for library users who want to know what was loaded.
#include "tributary/status.hpp"

#include <memory>

#include "db/database.hpp"
#include "db/migrate.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"

namespace tributary {
namespace {

DayStatus parse_status(const std::string& text) {
  for (const auto status :
       {DayStatus::Loaded, DayStatus::Empty, DayStatus::Incomplete, DayStatus::Failed}) {
    if (text == to_string(status)) return status;
  }
  throw DatabaseError("ingest.day_loads holds an unknown status '" + text + "'");
}

std::optional<std::chrono::sys_seconds> seconds_or_unset(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return std::chrono::sys_seconds{std::chrono::seconds{field.as<std::int64_t>()}};
}

// The rows of ingest.day_loads from `first` through `last` (YYYY-MM-DD), in day order.
std::vector<DayLoadStatus> read_day_loads(pqxx::connection& conn, const std::string& first,
                                          const std::string& last) {
  std::vector<DayLoadStatus> days;
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    pqxx::read_transaction tx(conn);
    // Times to the whole second, as the CLI shows them.
    const auto rows = tx.exec_params(
        "select day::text, status, events_received, events_loaded, events_rejected, "
        "events_duplicate, floor(extract(epoch from loaded_at))::bigint, "
        "floor(extract(epoch from checked_at))::bigint, coalesce(last_error, '') "
        "from ingest.day_loads where day between $1 and $2 order by day",
        first, last);
    days.reserve(rows.size());
    for (const auto& row : rows) {
      DayLoadStatus day;
      day.day = parse_day(row[0].c_str(), "ingest.day_loads.day");
      day.status = parse_status(row[1].c_str());
      day.events_received = row[2].as<std::uint64_t>();
      day.events_loaded = row[3].as<std::uint64_t>();
      day.events_rejected = row[4].as<std::uint64_t>();
      day.events_duplicate = row[5].as<std::uint64_t>();
      day.loaded_at = seconds_or_unset(row[6]);
      day.checked_at = seconds_or_unset(row[7]);
      day.last_error = row[8].c_str();
      days.push_back(std::move(day));
    }
  });
  return days;
}

std::unique_ptr<pqxx::connection> migrated_connection(const DatabaseSettings& database) {
  auto conn = internal::connect(database);
  internal::migrate(*conn, database.describe());
  return conn;
}

std::vector<SpanDay> span_of(pqxx::connection& conn, date::sys_days first, date::sys_days last,
                             TimePoint now, std::chrono::minutes lag) {
  std::vector<SpanDay> span;
  if (first > last) return span;
  auto known = read_day_loads(conn, format_day(first), format_day(last));
  auto next_known = known.begin();
  const auto today = date::floor<date::days>(now);
  for (const auto day : days_between(first, last)) {
    SpanDay entry;
    entry.day = day;
    entry.complete = is_complete(day, now, lag);
    if (next_known != known.end() && next_known->day == day) {
      entry.state = to_string(next_known->status);
      entry.load = std::move(*next_known);
      ++next_known;
    } else {
      entry.state = day > today ? "future" : "missing";
    }
    span.push_back(std::move(entry));
  }
  return span;
}

std::optional<std::pair<date::sys_days, date::sys_days>> known_range(pqxx::connection& conn) {
  std::optional<std::pair<date::sys_days, date::sys_days>> range;
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    pqxx::read_transaction tx(conn);
    const auto row = tx.exec1("select min(day)::text, max(day)::text from ingest.day_loads");
    if (row[0].is_null()) return;
    range.emplace(parse_day(row[0].c_str(), "ingest.day_loads.day"),
                  parse_day(row[1].c_str(), "ingest.day_loads.day"));
  });
  return range;
}

}  // namespace

std::vector<DayLoadStatus> day_statuses(const DatabaseSettings& database,
                                        std::optional<date::year_month> month) {
  auto conn = migrated_connection(database);
  if (!month) return read_day_loads(*conn, "0001-01-01", "9999-12-31");
  const auto month_days = days_of(*month);
  return read_day_loads(*conn, format_day(month_days.front()), format_day(month_days.back()));
}

std::vector<SpanDay> span_status(const DatabaseSettings& database, date::sys_days first,
                                 date::sys_days last, TimePoint now,
                                 std::chrono::minutes availability_lag) {
  auto conn = migrated_connection(database);
  return span_of(*conn, first, last, now, availability_lag);
}

std::optional<std::pair<date::sys_days, date::sys_days>> known_day_range(
    const DatabaseSettings& database) {
  auto conn = migrated_connection(database);
  return known_range(*conn);
}

Freshness freshness(const Settings& settings) {
  Freshness result;
  result.now = now();
  result.last_complete = last_complete_day(result.now, settings.api.availability_lag);
  auto conn = migrated_connection(settings.database);
  result.start = settings.sync.start_date;
  if (!result.start) {
    if (const auto range = known_range(*conn)) result.start = range->first;
  }
  if (!result.start) return result;
  for (auto& day : span_of(*conn, *result.start, result.last_complete, result.now,
                           settings.api.availability_lag)) {
    if (day.state != "loaded" && day.state != "empty") {
      result.first_gap = std::move(day);
      break;
    }
    result.data_through = day.day;
  }
  if (result.data_through) {
    result.age = date::floor<std::chrono::minutes>(result.now - (*result.data_through + date::days{1}));
  }
  return result;
}

}  // namespace tributary
