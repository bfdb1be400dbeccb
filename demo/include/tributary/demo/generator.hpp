#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <date/date.h>

namespace tributary {

/// What the demo data looks like. The same options always give the same events.
struct DemoOptions {
  std::uint64_t seed = 42;
  std::size_t events_per_day = 2000;  ///< on a weekday; weekends are quieter
  double invalid_rate = 0.01;         ///< fraction of events that break a validation rule
  date::sys_days from = date::sys_days{date::year{2024} / 1 / 1};  ///< first day served
  date::sys_days to = date::sys_days{date::year{2024} / 1 / 31};   ///< last day served
};

/// One generated event with what the generator intended of it.
struct GeneratedEvent {
  std::string json;                            ///< compact JSON text of the array element
  std::optional<std::string> expected_reason;  ///< nullopt: valid; else the rejection reason
  std::string device_id;                       ///< key of a valid event
  std::int64_t event_time = 0;                 ///< key of a valid event
};

/// Deterministic generator of product-analytics events for the demo API: a fixed population
/// of users (devices, corporation or none, role, signup date) with weekday skew, heavy
/// users, duplicate keys within and across days, null and "null" optional fields,
/// mixed-case statuses and a configurable rate of invalid events.
class DemoGenerator {
 public:
  explicit DemoGenerator(DemoOptions options);

  /// Whether `day` lies in [from, to].
  bool serves(date::sys_days day) const;
  /// How many elements the day's array holds (0 outside the range).
  std::size_t event_count(date::sys_days day) const;
  /// Calls `emit` for each element of the day, in payload order, without building the day.
  void generate_day(date::sys_days day, const std::function<void(const GeneratedEvent&)>& emit) const;
  /// A strong ETag for the day's payload, computed without generating it.
  std::string etag(date::sys_days day) const;
  /// The options in use.
  const DemoOptions& options() const noexcept { return options_; }

 private:
  friend class DemoServer;  // streams a day and stops early (client gone, injected fault)

  /// generate_day that stops as soon as `emit` returns false; true when the day was completed.
  bool generate_day_until(date::sys_days day,
                          const std::function<bool(const GeneratedEvent&)>& emit) const;

  DemoOptions options_;
  // population tables (implementation)
  struct Population;
  std::shared_ptr<const Population> population_;
};

}  // namespace tributary
