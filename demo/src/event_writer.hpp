#pragma once

// Writes the JSON text of one demo event by direct string appends (no DOM per event), valid
// or with exactly one deliberate flaw whose rejection reason is known in advance.

#include <cstdint>
#include <string>
#include <string_view>

#include <date/date.h>

#include "population.hpp"
#include "random.hpp"

namespace tributary::internal::demo {

/// The one rule an invalid event breaks; each maps to exactly one rejection reason.
enum class Flaw : std::uint8_t {
  None,
  NotAnObject,                      ///< the element is `17`, `"event"`, `null` or `[1,2]`
  DeviceIdTooLong,                  ///< 40 characters
  DeviceIdEmpty,                    ///< `""`
  DateInvalid,                      ///< February 30th
  EventTimeNotInteger,              ///< `"12x"`
  AmpIdMissing,                     ///< key absent
  EventTypeNotString,               ///< `5`
  DataNotObject,                    ///< `"x"`
  PathMissing,                      ///< `data.path` absent
  UserPropertiesUpdatedNotBoolean,  ///< `"yes"`
  CityNul,                          ///< a U+0000 inside the city name
  UserPropertiesMissing,            ///< key absent
  CorporateIdNotInteger,            ///< `"abc"`
  SignupDateInvalid,                ///< February 29th of a common year
};

/// How many flaws there are besides Flaw::None.
inline constexpr std::uint64_t kFlawCount = 14;

/// The flaw with number `index` in [0, kFlawCount).
constexpr Flaw flaw_at(std::uint64_t index) noexcept {
  return static_cast<Flaw>(static_cast<std::uint8_t>(index + 1));
}

/// The exact reason the validator gives for an event with `flaw` (docs/validation.md).
std::string_view flaw_reason(Flaw flaw) noexcept;

/// Everything about one event that the generator decides (the rest is decoration).
struct EventSpec {
  const User* user = nullptr;
  std::uint8_t device = 0;      ///< index into user->devices
  std::string_view date_text;   ///< `YYYY-MM-DD` of the day the event belongs to
  std::int64_t event_time = 0;  ///< ms since the epoch; also client_event_time
  std::int64_t client_upload_time = 0;
  std::int64_t server_upload_time = 0;
  Flaw flaw = Flaw::None;
};

/// Appends the compact JSON text of one event; decoration (event type, path, null and
/// `"null"` variants, absent optional keys, unknown extra keys) is drawn from `rng`.
void write_event(std::string& out, const EventSpec& spec, const Population& population, Rng& rng);

/// Appends `text` as a JSON string literal, escaping quotes, backslashes and control bytes.
void append_json_string(std::string& out, std::string_view text);

}  // namespace tributary::internal::demo
