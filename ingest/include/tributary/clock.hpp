#pragma once

// The clock every "today", "complete day" and "last complete day" is read from: the system
// clock, or TRIBUTARY_NOW (an ISO-8601 UTC time) so tests and rehearsals can set it.

#include <chrono>
#include <string>
#include <string_view>

#include <date/date.h>

namespace tributary {

using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

/// Now: TRIBUTARY_NOW when set (and not empty), else the system clock. Throws ConfigError
/// naming TRIBUTARY_NOW when it is not an ISO-8601 time.
TimePoint now();

/// The UTC day of now().
date::sys_days today();

/// Parses an ISO-8601 date or date-time (`2024-01-05`, `2024-01-05T14:30:00Z`, an offset
/// instead of `Z`). Throws ConfigError naming `argument` when it is not one.
TimePoint parse_time(std::string_view text, std::string_view argument);

/// `YYYY-MM-DDTHH:MM:SSZ` (seconds, no fraction).
std::string format_time(TimePoint time);

/// Parses a DURATION: a whole number followed by `m`, `h` or `d` (`90m`, `36h`, `2d`).
/// Throws ConfigError naming `argument`.
std::chrono::minutes parse_duration(std::string_view text, std::string_view argument);

/// `2h`, `90m`, `3d`: the shortest exact spelling of `duration`.
std::string format_duration(std::chrono::minutes duration);

/// A day is complete once its end (00:00 UTC of the next day) plus the API's availability
/// lag has passed: from then on the API serves all of it.
bool is_complete(date::sys_days day, TimePoint now, std::chrono::minutes availability_lag);

/// The last day that is complete at `now`.
date::sys_days last_complete_day(TimePoint now, std::chrono::minutes availability_lag);

}  // namespace tributary
