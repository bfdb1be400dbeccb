#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <date/date.h>

namespace tributary::models {

/// An instant with microsecond precision (Postgres `timestamptz` resolution), UTC.
using Timestamp = date::sys_time<std::chrono::microseconds>;

/// `user_properties` of an event: every field optional.
struct UserProperties {
  std::optional<std::string> initial_li_fat_id;
  std::optional<std::string> initial_rtd_cid;
  std::optional<std::int64_t> user_corporate_id;
  std::optional<bool> user_corporate_is_demo;
  std::optional<std::string> user_corporate_status;  ///< lower-cased
  std::optional<Timestamp> user_signup_date;
  std::optional<std::string> user_role;
  std::optional<std::string> user_status;

  friend bool operator==(const UserProperties&, const UserProperties&) = default;
};

/// `data` of an event.
struct EventData {
  std::string path;
  std::string group_first_event = "{}";  ///< compact JSON object text; `{}` when null/missing
  std::string group_ids = "{}";          ///< compact JSON object text; `{}` when null/missing
  std::optional<bool> user_properties_updated;

  friend bool operator==(const EventData&, const EventData&) = default;
};

/// One validated, typed product-analytics event: one row of `public.user_events`.
struct UserEvent {
  date::sys_days event_date{};  ///< UTC calendar day of the event's `date`
  std::string device_id;
  std::int64_t event_time = 0;  ///< ms since the Unix epoch, UTC
  std::int64_t amp_id = 0;
  std::int64_t user_id = 0;
  std::int64_t server_upload_time = 0;
  std::int64_t server_received_time = 0;
  std::int64_t processed_time = 0;
  std::int64_t client_event_time = 0;
  std::int64_t client_upload_time = 0;
  std::string event_type;
  std::string data_type;
  std::optional<std::string> country;  ///< `"null"` (any case, trimmed) becomes nullopt
  std::optional<std::string> city;     ///< `"null"` (any case, trimmed) becomes nullopt
  std::optional<std::string> language;
  std::optional<std::string> region;
  EventData data;
  UserProperties user_properties;
  /// Compact JSON object of every key not named by the contract, with the event's nesting
  /// (`{"data":{"k":1}}`); nullopt when there are none.
  std::optional<std::string> extras;

  friend bool operator==(const UserEvent&, const UserEvent&) = default;
};

/// An event that broke a rule: kept with its reason, never loaded.
struct Rejection {
  std::size_t position = 0;  ///< zero-based index in the day's JSON array
  std::string reason;        ///< `<dotted.path>: <rule>`, e.g. `device_id: longer than 36 characters`
  std::string raw_json;      ///< the element's original text, byte for byte

  friend bool operator==(const Rejection&, const Rejection&) = default;
};

}  // namespace tributary::models
