#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <date/date.h>

#include "tributary/day_result.hpp"
#include "tributary/settings.hpp"

namespace tributary {

/// What ingest.day_loads records about one day: where its last load left it.
struct DayLoadStatus {
  date::sys_days day{};
  DayStatus status = DayStatus::Failed;  ///< Loaded, Empty, Incomplete or Failed
  std::uint64_t events_received = 0;     ///< elements in the last payload
  std::uint64_t events_loaded = 0;       ///< valid events kept, one per key
  std::uint64_t events_rejected = 0;     ///< elements that broke a rule
  std::uint64_t events_duplicate = 0;    ///< valid events whose key repeated within the day
  /// When the day's rows were last written (to the second); unset when never.
  std::optional<std::chrono::sys_seconds> loaded_at;
  std::optional<std::chrono::sys_seconds> checked_at;  ///< when the API was last asked
  std::string last_error;                              ///< why it last failed; empty if it did not
};

/// Every day ingest.day_loads knows, in day order; only those of `month` when given. Applies
/// the migrations first, so a fresh database gives an empty list. Throws DatabaseError.
std::vector<DayLoadStatus> day_statuses(const DatabaseSettings& database,
                                        std::optional<date::year_month> month = std::nullopt);

}  // namespace tributary
