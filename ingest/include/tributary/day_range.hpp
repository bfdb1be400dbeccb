#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace tributary {

/// Parses a strict `YYYY-MM-DD` calendar date. Throws ConfigError naming `argument` and the
/// text (`2024-02-30`, `2024-1-5`) when it is not one.
date::sys_days parse_day(std::string_view text, std::string_view argument = "DATE");

/// Parses a DATE argument: `YYYY-MM-DD`, `today`, `yesterday` or `today-N` (N days before
/// `today`, UTC). Throws ConfigError naming `argument` and every accepted form.
date::sys_days parse_date_argument(std::string_view text, std::string_view argument,
                                   date::sys_days today);

/// Parses a strict `YYYY-MM`. Throws ConfigError naming `argument` (`2024-13`).
date::year_month parse_month(std::string_view text, std::string_view argument = "MONTH");

/// Parses a MONTH argument: `YYYY-MM`, `this-month` or `last-month` (of `today`, UTC).
date::year_month parse_month_argument(std::string_view text, std::string_view argument,
                                      date::sys_days today);

/// Every day of `month`, in order.
std::vector<date::sys_days> days_of(date::year_month month);

/// Every day from `first` through `last`, in order (empty when `first` is after `last`).
std::vector<date::sys_days> days_between(date::sys_days first, date::sys_days last);

/// `YYYY-MM-DD`.
std::string format_day(date::sys_days day);

}  // namespace tributary
