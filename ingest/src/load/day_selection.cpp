#include "load/day_selection.hpp"

namespace tributary::internal {

DayPlan plan_days(const std::vector<date::sys_days>& span,
                  const std::map<date::sys_days, std::string>& known, DaySelection selection,
                  const DayWindow& window) {
  const auto lookback_first = window.last_complete - date::days{window.lookback_days - 1};
  const auto in_lookback = [&](date::sys_days day) {
    return window.lookback_days > 0 && day >= lookback_first && day <= window.last_complete;
  };
  DayPlan plan;
  for (const auto day : span) {
    bool wanted = true;
    if (day > window.today) {
      DayResult skipped;
      skipped.day = day;
      skipped.status = DayStatus::Skipped;
      skipped.future = true;
      plan.skipped.push_back(skipped);
      continue;
    }
    const auto it = known.find(day);
    const std::string status = it == known.end() ? "" : it->second;
    switch (selection) {
      case DaySelection::Every:
        break;
      case DaySelection::MissingOnly:
        wanted = !(status == "loaded" || (status == "empty" && !in_lookback(day)));
        break;
      case DaySelection::Sync:
        wanted = status.empty() || status == "failed" || status == "incomplete" || in_lookback(day);
        break;
    }
    if (wanted) {
      plan.request.push_back(day);
    } else {
      DayResult skipped;
      skipped.day = day;
      skipped.status = DayStatus::Skipped;
      plan.skipped.push_back(skipped);
    }
  }
  return plan;
}

}  // namespace tributary::internal
