#pragma once

// Calendar helpers of the demo API: the text forms the generated events use. Days are
// parsed and formatted by the library's (models::parse_iso_date, tributary::format_day).

#include <cstdint>
#include <string>

#include <date/date.h>

namespace tributary::internal::demo {

/// Milliseconds in one day.
inline constexpr std::int64_t kMsPerDay = 86'400'000;

/// Appends `n` as exactly `width` zero-padded decimal digits.
inline void append_padded(std::string& out, unsigned n, int width) {
  char digits[8];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out.append(digits, static_cast<std::size_t>(width));
}

/// Milliseconds since the Unix epoch at the start (00:00:00 UTC) of `day`.
inline std::int64_t day_start_ms(date::sys_days day) {
  return static_cast<std::int64_t>(day.time_since_epoch().count()) * kMsPerDay;
}

}  // namespace tributary::internal::demo
