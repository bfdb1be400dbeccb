#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace tributary {

/// Parses a strict `YYYY-MM-DD` calendar date. Throws ConfigError naming `argument` and the
/// text (`2024-02-30`, `yesterday`) when it is not one.
date::sys_days parse_day(std::string_view text, std::string_view argument = "DATE");

/// Parses a strict `YYYY-MM`. Throws ConfigError naming `argument` (`2024-13`).
date::year_month parse_month(std::string_view text, std::string_view argument = "MONTH");

/// Every day of `month`, in order.
std::vector<date::sys_days> days_of(date::year_month month);

/// `YYYY-MM-DD`.
std::string format_day(date::sys_days day);

}  // namespace tributary
