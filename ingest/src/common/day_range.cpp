#include "tributary/day_range.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "tributary/error.hpp"
#include "tributary/models/iso_time.hpp"

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

// The one strict YYYY-MM-DD parser is models::parse_iso_date (also the demo API's); this
// is its front for arguments and settings, with a message that says what is wrong.
date::sys_days parse_day(std::string_view text, std::string_view argument) {
  if (const auto day = models::parse_iso_date(text)) return *day;
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-' &&
                      std::all_of(text.begin(), text.begin() + 4, is_digit) &&
                      std::all_of(text.begin() + 5, text.begin() + 7, is_digit) &&
                      std::all_of(text.begin() + 8, text.end(), is_digit);
  bad(argument, text, shaped ? "calendar date" : "date (expected YYYY-MM-DD)");
}

date::sys_days parse_date_argument(std::string_view text, std::string_view argument,
                                   date::sys_days today) {
  if (text == "today") return today;
  if (text == "yesterday") return today - date::days{1};
  if (text.substr(0, 6) == "today-") {
    int n = 0;
    // Up to 100 years back; `today-0` is today.
    if (parse_digits(text.substr(6), n) && text.size() <= 11 && n <= 36'600) {
      return today - date::days{n};
    }
  } else if (const auto day = models::parse_iso_date(text)) {
    return *day;
  }
  const bool shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
  bad(argument, text,
      shaped ? "calendar date"
             : "date (expected YYYY-MM-DD, today, yesterday or today-N)");
}

date::year_month parse_month_argument(std::string_view text, std::string_view argument,
                                      date::sys_days today) {
  const date::year_month_day ymd{today};
  const date::year_month current{ymd.year(), ymd.month()};
  if (text == "this-month") return current;
  if (text == "last-month") return current - date::months{1};
  if (text.size() == 7 && text[4] == '-') return parse_month(text, argument);
  bad(argument, text, "month (expected YYYY-MM, this-month or last-month)");
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

std::vector<date::sys_days> days_between(date::sys_days first, date::sys_days last) {
  std::vector<date::sys_days> days;
  for (auto d = first; d <= last; d += date::days{1}) days.push_back(d);
  return days;
}

std::string format_day(date::sys_days day) {
  const date::year_month_day ymd{day};
  char text[24];
  const int length =
      std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                    static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return std::string(text, static_cast<std::size_t>(length));
}

}  // namespace tributary
