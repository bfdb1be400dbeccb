#include "api/retry_after.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>

#include <curl/curl.h>

#include "common/text.hpp"

namespace tributary::internal {

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now,
    std::chrono::milliseconds cap) {
  using std::chrono::milliseconds;
  const milliseconds floor{0};
  cap = std::max(cap, floor);
  value = trim(value);
  if (value.empty()) return std::nullopt;

  if (std::all_of(value.begin(), value.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; })) {
    // delta-seconds; anything beyond the cap is the cap (and long digit runs cannot overflow).
    const std::int64_t cap_seconds = cap.count() / 1000 + 1;
    std::int64_t seconds = 0;
    for (const char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > cap_seconds) return cap;
    }
    return std::min(milliseconds{seconds * 1000}, cap);
  }

  const std::string text(value);
  const std::time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  // In whole seconds: the system clock counts nanoseconds, which overflow after 2262, so a
  // far-future date (year 9999) must not go through a time_point.
  const std::int64_t now_seconds = std::chrono::system_clock::to_time_t(now);
  const std::int64_t cap_seconds = cap.count() / 1000 + 1;
  const std::int64_t seconds = static_cast<std::int64_t>(when) - now_seconds;
  if (seconds > cap_seconds) return cap;
  if (seconds < -1) return floor;
  // Near now: the time points are safe, and keep the millisecond part.
  const auto wait =
      std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::from_time_t(when) - now);
  return std::clamp(wait, floor, cap);
}

}  // namespace tributary::internal
