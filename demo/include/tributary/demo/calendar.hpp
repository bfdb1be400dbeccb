#pragma once

// Calendar helpers of the demo API: strict `YYYY-MM-DD` parsing (for `?date=` and the
// `--from`/`--to` options) and the text forms the generated events use.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

namespace tributary::internal::demo {

/// Milliseconds in one day.
inline constexpr std::int64_t kMsPerDay = 86'400'000;

/// Parses exactly `YYYY-MM-DD` (ten characters, a real calendar day); nullopt otherwise.
inline std::optional<date::sys_days> parse_iso_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = 0; i < lengths[p]; ++i) {
      const char c = text[starts[p] + i];
      if (c < '0' || c > '9') return std::nullopt;
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const date::year_month_day ymd{date::year{parts[0]}, date::month{static_cast<unsigned>(parts[1])},
                                 date::day{static_cast<unsigned>(parts[2])}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd};
}

/// Appends `n` as exactly `width` zero-padded decimal digits.
inline void append_padded(std::string& out, unsigned n, int width) {
  char digits[8];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + n % 10);
    n /= 10;
  }
  out.append(digits, static_cast<std::size_t>(width));
}

/// `YYYY-MM-DD` of a day.
inline std::string format_iso_day(date::sys_days day) {
  const date::year_month_day ymd{day};
  std::string out;
  append_padded(out, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  append_padded(out, static_cast<unsigned>(ymd.day()), 2);
  return out;
}

/// Milliseconds since the Unix epoch at the start (00:00:00 UTC) of `day`.
inline std::int64_t day_start_ms(date::sys_days day) {
  return static_cast<std::int64_t>(day.time_since_epoch().count()) * kMsPerDay;
}

}  // namespace tributary::internal::demo
