#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <date/date.h>

#include "tributary/models/user_event.hpp"

namespace tributary {

/// What the demo data looks like, and the clock it is served by. The same options always
/// give the same events.
struct DemoOptions {
  std::uint64_t seed = 42;
  std::size_t events_per_day = 2000;  ///< on a weekday; weekends are quieter
  double invalid_rate = 0.01;         ///< fraction of events that break a validation rule
  /// Fraction of events uploaded late: between 1 h and 72 h after they happened (most within
  /// the first day) instead of seconds after. Late events keep the date of the day they
  /// happened, so a recent day grows as their uploads arrive.
  double late_rate = 0.02;
  date::sys_days from = date::sys_days{date::year{2024} / 1 / 1};  ///< first day served
  date::sys_days to = date::sys_days{date::year{2024} / 1 / 31};   ///< last day served
  /// The demo API's now: only events whose server_upload_time is not after it are served.
  /// Unset: the system clock, read at each request (so today grows while it runs).
  std::optional<models::Timestamp> now;
};

/// One generated event with what the generator intended of it.
struct GeneratedEvent {
  std::string json;                            ///< compact JSON text of the array element
  std::optional<std::string> expected_reason;  ///< nullopt: valid; else the rejection reason
  std::string device_id;                       ///< key of a valid event
  std::int64_t event_time = 0;                 ///< key of a valid event
  /// When the upstream received the element (ms since the epoch); it is served from then on.
  /// The JSON's `server_upload_time` when the element has one.
  std::int64_t server_upload_time = 0;
  bool late = false;  ///< drawn as a late upload (a re-sent duplicate of one is not)
};

/// Deterministic generator of product-analytics events for the demo API: a fixed population
/// of users (devices, corporation or none, role, signup date) with weekday skew, heavy
/// users, duplicate keys within and across days, late uploads, null and "null" optional
/// fields, mixed-case statuses and a configurable rate of invalid events.
///
/// A day's events are fixed once and for all; the clock only decides which of them are
/// served: those whose server_upload_time is not after now. The served part of a day only
/// grows with now, so its size names it (and its ETag).
class DemoGenerator {
 public:
  /// Throws ConfigError naming every bad option.
  explicit DemoGenerator(DemoOptions options);

  /// Whether `day` lies in [from, to].
  bool serves(date::sys_days day) const;
  /// How many elements the whole day's array holds, every late upload in (0 outside the range).
  std::size_t event_count(date::sys_days day) const;
  /// How many of them are served at `now`: uploaded by then. 0 outside the range or for a
  /// day after now's (UTC); event_count(day) for a day whose last upload is past.
  std::size_t served_count(date::sys_days day, models::Timestamp now) const;
  /// Calls `emit` for each element of the whole day, in payload order, without building it.
  void generate_day(date::sys_days day,
                    const std::function<void(const GeneratedEvent&)>& emit) const;
  /// Calls `emit` for each element served at `now`, in payload order.
  void generate_served(date::sys_days day, models::Timestamp now,
                       const std::function<void(const GeneratedEvent&)>& emit) const;
  /// A strong ETag for the whole day's payload, computed without generating it.
  std::string etag(date::sys_days day) const;
  /// A strong ETag for the payload served at `now`: etag(day) once the day is whole, else
  /// one that changes with every upload that arrives (it counts the served elements).
  std::string etag(date::sys_days day, models::Timestamp now) const;
  /// The clock: options().now, else the system clock now.
  models::Timestamp now() const;
  /// The options in use.
  const DemoOptions& options() const noexcept { return options_; }

 private:
  friend class DemoServer;  // streams a day and stops early (client gone, injected fault)

  /// The elements served at `now_ms` (nullopt: all of them), in order, until `emit` returns
  /// false; true when the day was completed.
  bool generate_day_until(date::sys_days day, std::optional<std::int64_t> now_ms,
                          const std::function<bool(const GeneratedEvent&)>& emit) const;
  /// The ETag of the day's part that holds `served` elements: the parts only grow with now,
  /// so the count names one.
  std::string etag_of(date::sys_days day, std::size_t served) const;

  DemoOptions options_;
  // population tables (implementation)
  struct Population;
  std::shared_ptr<const Population> population_;
};

}  // namespace tributary
