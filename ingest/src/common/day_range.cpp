#include "tributary/day_range.hpp"

#include <charconv>

#include "tributary/error.hpp"

namespace tributary {
namespace {

bool parse_digits(std::string_view text, int& value) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc{} && end == text.data() + text.size();
}

[[noreturn]] void bad(std::string_view argument, std::string_view text, std::string_view want) {
  throw ConfigError(std::string(argument) + ": '" + std::string(text) + "' is not a valid " +
                    std::string(want));
}

}  // namespace

date::sys_days parse_day(std::string_view text, std::string_view argument) {
  int y = 0;
  int m = 0;
  int d = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !parse_digits(text.substr(0, 4), y) ||
      !parse_digits(text.substr(5, 2), m) || !parse_digits(text.substr(8, 2), d)) {
    bad(argument, text, "date (expected YYYY-MM-DD)");
  }
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                                 date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1) bad(argument, text, "calendar date");
  return date::sys_days{ymd};
}

date::year_month parse_month(std::string_view text, std::string_view argument) {
  int y = 0;
  int m = 0;
  if (text.size() != 7 || text[4] != '-' || !parse_digits(text.substr(0, 4), y) ||
      !parse_digits(text.substr(5, 2), m)) {
    bad(argument, text, "month (expected YYYY-MM)");
  }
  const date::year_month ym{date::year{y}, date::month{static_cast<unsigned>(m)}};
  if (!ym.ok() || y < 1) bad(argument, text, "month");
  return ym;
}

std::vector<date::sys_days> days_of(date::year_month month) {
  const date::sys_days first{month / 1};
  const date::sys_days last{month / date::last};
  std::vector<date::sys_days> days;
  for (auto d = first; d <= last; d += date::days{1}) days.push_back(d);
  return days;
}

std::string format_day(date::sys_days day) { return date::format("%F", day); }

}  // namespace tributary
