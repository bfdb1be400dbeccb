#pragma once
// Internal: the fast per-event reader (simdjson) in front of read_event(), the reference.
// The fast reader takes only what it is sure of: a well-formed event that breaks no rule,
// with the shapes it reads exactly as the reference does. Anything else (every rejection,
// text that is not JSON, escapes it leaves alone, numbers that are not plain integers...)
// it declines, and the element is read again by read_event(). So the result of an element
// never depends on which reader took it.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "event_reader.hpp"
#include "tributary/models/user_event.hpp"

namespace tributary::models::internal {

/// Which reader parse_event() and PayloadParser use.
enum class JsonReader : std::uint8_t {
  kFast,       ///< the fast reader, falling back to the reference (the default)
  kReference,  ///< read_event() alone: `TRIBUTARY_JSON_READER=reference`
};

/// The reader in use: `TRIBUTARY_JSON_READER=reference` in the environment at the first
/// call selects the reference reader; any other value, or none, the fast one.
JsonReader json_reader() noexcept;

/// Selects the reader for the whole process from now on (tests and fuzzers run both).
void set_json_reader(JsonReader reader) noexcept;

/// The fast reader alone: true when it read `text` as a valid event into `event` (which
/// must be default-constructed), exactly as read_event() would; false when it declined,
/// leaving `event` default-constructed for read_event().
bool read_event_fast(std::string_view text, std::size_t max_depth, UserEvent& event);

/// Reads one element with the reader in use: read_event_fast(), then read_event() for
/// what it declined; or read_event() alone. Same contract as read_event().
ReadResult read_event_default(std::string_view text, std::size_t max_depth, UserEvent& event);

}  // namespace tributary::models::internal
