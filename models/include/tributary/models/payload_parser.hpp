#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/models/error.hpp"
#include "tributary/models/user_event.hpp"

namespace tributary::models {

/// Receives each element of a day's array as soon as it is complete, in payload order.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// A valid event at `position` (zero-based index in the array).
  virtual void on_event(UserEvent&& event, std::size_t position) = 0;
  /// An element that broke a rule.
  virtual void on_rejection(Rejection&& rejection) = 0;
};

/// The body is not a day of events: not a JSON array, cut short, or not valid JSON.
class PayloadError : public Error {
 public:
  /// Why the body is not a day of events.
  enum class Kind { NotAnArray, Truncated, InvalidJson, TooLarge };
  PayloadError(Kind kind, std::uint64_t offset, const std::string& message);
  /// Why the body is not a day of events.
  Kind kind() const noexcept { return kind_; }
  /// Byte offset in the body where the problem was found.
  std::uint64_t offset() const noexcept { return offset_; }

 private:
  Kind kind_;
  std::uint64_t offset_;
};

/// Bounds that keep hostile input from exhausting memory or the stack.
struct PayloadLimits {
  std::size_t max_event_bytes = 16u << 20;  ///< larger elements are rejected, `event: larger than ...`
  std::size_t max_depth = 64;               ///< deeper elements are rejected, `event: nested deeper than ...`
};

/// Counts of one parsed payload.
struct PayloadSummary {
  std::size_t elements = 0;
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  std::uint64_t bytes = 0;
};

/// Streaming parser of a day's payload (a JSON array of events): bytes go in as they
/// arrive, each element is validated as soon as its closing byte is seen and handed to the
/// sink. Memory is bounded by the largest single element, never by the size of the day.
class PayloadParser {
 public:
  explicit PayloadParser(EventSink& sink, PayloadLimits limits = {});

  /// Consumes the next bytes of the body. Throws PayloadError when they cannot belong to a
  /// JSON array of events.
  void feed(std::string_view bytes);

  /// Ends the body. Throws PayloadError when the array was not closed (body cut short),
  /// when the body is empty, or when anything but whitespace follows the closing `]`.
  PayloadSummary finish();

 private:
  enum class State : std::uint8_t;  // defined in payload_parser.cpp

  const char* scan_element(const char* p, const char* end);
  void end_element(const char* last);
  void append_element_bytes(const char* first, const char* last);
  void take_element(std::string_view text);
  std::uint64_t offset_of(const char* p) const noexcept;
  [[noreturn]] void fail(PayloadError::Kind kind, std::uint64_t offset, const std::string& message);

  EventSink& sink_;
  PayloadLimits limits_;
  PayloadSummary summary_;
  std::string element_;               // bytes of the current element, once it spans feeds
  State state_{};                     // scanner state
  std::size_t depth_ = 0;             // nesting depth inside the current element
  bool in_string_ = false;            // inside a string of the current element
  bool escaped_ = false;              // the previous byte was a backslash inside a string
  bool oversized_ = false;            // current element passed max_event_bytes
  std::size_t bom_seen_ = 0;          // bytes of a leading UTF-8 byte-order mark seen so far
  std::uint64_t element_offset_ = 0;  // byte offset in the body where the current element starts
  const char* chunk_ = nullptr;       // during feed(): the bytes being fed
  const char* segment_ = nullptr;     // during feed(): where the current element's bytes start
};

/// Parses a whole payload held in memory (tests, `tributary validate`).
PayloadSummary parse_payload(std::string_view body, EventSink& sink, PayloadLimits limits = {});

}  // namespace tributary::models
