#include "tributary/day_result.hpp"

#include <algorithm>

namespace tributary {

const char* to_string(DayStatus status) {
  switch (status) {
    case DayStatus::Loaded: return "loaded";
    case DayStatus::Empty: return "empty";
    case DayStatus::Incomplete: return "incomplete";
    case DayStatus::Unchanged: return "unchanged";
    case DayStatus::Failed: return "failed";
    case DayStatus::Skipped: return "skipped";
  }
  return "unknown";
}

std::size_t RunResult::count(DayStatus status) const {
  return static_cast<std::size_t>(
      std::count_if(days.begin(), days.end(), [&](const DayResult& d) { return d.status == status; }));
}

std::uint64_t RunResult::total(std::uint64_t DayResult::*counter) const {
  std::uint64_t sum = 0;
  for (const auto& d : days) sum += d.*counter;
  return sum;
}

}  // namespace tributary
