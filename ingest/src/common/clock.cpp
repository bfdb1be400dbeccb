#include "tributary/clock.hpp"

#include <charconv>
#include <cstdlib>

#include "tributary/error.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary {

TimePoint now() {
  const char* fixed = std::getenv("TRIBUTARY_NOW");
  if (fixed != nullptr && *fixed != '\0') return parse_time(fixed, "TRIBUTARY_NOW");
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

date::sys_days today() { return date::floor<date::days>(now()); }

TimePoint parse_time(std::string_view text, std::string_view argument) {
  if (const auto time = models::parse_iso8601(text)) return *time;
  throw ConfigError(std::string(argument) + ": '" + std::string(text) +
                    "' is not an ISO-8601 time (expected YYYY-MM-DDTHH:MM:SSZ)");
}

std::string format_time(TimePoint time) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", date::floor<std::chrono::seconds>(time));
}

std::chrono::minutes parse_duration(std::string_view text, std::string_view argument) {
  const auto bad = [&]() -> std::chrono::minutes {
    throw ConfigError(std::string(argument) + ": '" + std::string(text) +
                      "' is not a duration (expected a whole number with m, h or d: 90m, 36h, 2d)");
  };
  if (text.size() < 2) return bad();
  const char unit = text.back();
  const auto digits = text.substr(0, text.size() - 1);
  for (const char c : digits) {
    if (c < '0' || c > '9') return bad();
  }
  long long value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  // At most about 100 years in minutes: anything beyond is a typo, not a lag.
  if (ec != std::errc{} || end != digits.data() + digits.size() || value > 52'560'000) return bad();
  switch (unit) {
    case 'm': return std::chrono::minutes{value};
    case 'h': if (value <= 876'000) return std::chrono::hours{value}; break;
    case 'd': if (value <= 36'500) return date::days{value}; break;
    default: break;
  }
  return bad();
}

std::string format_duration(std::chrono::minutes duration) {
  const auto m = duration.count();
  if (m != 0 && m % (24 * 60) == 0) return std::to_string(m / (24 * 60)) + "d";
  if (m != 0 && m % 60 == 0) return std::to_string(m / 60) + "h";
  return std::to_string(m) + "m";
}

bool is_complete(date::sys_days day, TimePoint now, std::chrono::minutes availability_lag) {
  return day + date::days{1} + availability_lag <= now;
}

date::sys_days last_complete_day(TimePoint now, std::chrono::minutes availability_lag) {
  return date::floor<date::days>(now - availability_lag) - date::days{1};
}

}  // namespace tributary
