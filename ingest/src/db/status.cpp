// day_statuses: ingest.day_loads read back as values, for `tributary status` and for
// library users who want to know what was loaded.
#include "tributary/status.hpp"

#include "db/database.hpp"
#include "db/migrate.hpp"
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

}  // namespace

std::vector<DayLoadStatus> day_statuses(const DatabaseSettings& database,
                                        std::optional<date::year_month> month) {
  auto conn = internal::connect(database);
  internal::migrate(*conn, database.describe());
  std::vector<DayLoadStatus> days;
  internal::translate_database_errors("reading ingest.day_loads", [&] {
    std::string first = "0001-01-01";
    std::string last = "9999-12-31";
    if (month) {
      const auto month_days = days_of(*month);
      first = format_day(month_days.front());
      last = format_day(month_days.back());
    }
    pqxx::read_transaction tx(*conn);
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

}  // namespace tributary
