#pragma once
// Internal: reads the text of one array element into a UserEvent. Shared by parse_event()
// and PayloadParser, which differ only in what they make of text that is not JSON.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tributary/models/user_event.hpp"

namespace tributary::models::internal {

/// What one element's text turned out to be.
enum class ReadStatus : std::uint8_t {
  kAccepted,     ///< a valid event, written to the output
  kRejected,     ///< valid JSON that breaks a rule; `message` is the reason
  kInvalidJson,  ///< not JSON at all; `message` is the parser's short message
};

/// The outcome of read_event().
struct ReadResult {
  ReadStatus status = ReadStatus::kAccepted;
  std::string message;     ///< the reason (kRejected) or the parse error (kInvalidJson)
  std::size_t offset = 0;  ///< kInvalidJson: byte offset of the error in the text
};

/// Validates and flattens one event (docs/validation.md) in a single SAX pass. `event` must
/// be default-constructed; it holds the event only when the result is kAccepted.
ReadResult read_event(std::string_view text, std::size_t max_depth, UserEvent& event);

/// nlohmann stops reading at valid JSON it cannot read: a number too large for a double, a
/// `\u` escape of a lone surrogate. The rest of `text` is checked here, each such number
/// read as 0 and each such escape as U+FFFD: the kInvalidJson result when the text is not
/// JSON after all, nothing when it is.
std::optional<ReadResult> syntax_error_past_stops(std::string_view text);

}  // namespace tributary::models::internal
