// Loads one day, then the whole of January 2024, with the tributary library.
#include <iostream>

#include <tributary/pipeline.hpp>
#include <tributary/settings.hpp>

int main() {
  using namespace date::literals;
  // The same settings as the CLI: environment, .env, tributary.yaml, defaults.
  const tributary::Settings settings = tributary::load_settings({});

  const tributary::RunResult day = tributary::request_day(settings, date::sys_days{2024_y / 1 / 5});
  std::cout << "2024-01-05: " << tributary::to_string(day.days.at(0).status) << ", "
            << day.days.at(0).events_loaded << " events\n";

  const tributary::RunResult month = tributary::backfill_month(settings, 2024_y / 1);
  std::cout << "January: " << month.count(tributary::DayStatus::Loaded) << " days loaded, "
            << month.count(tributary::DayStatus::Unchanged) << " unchanged, "
            << month.count(tributary::DayStatus::Failed) << " failed\n";
  return month.ok() ? 0 : 1;
}
