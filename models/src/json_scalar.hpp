#pragma once
// Internal: one JSON scalar as nlohmann's SAX parser reports it, and what it becomes.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "event_fields.hpp"

namespace tributary::models::internal {

/// A JSON scalar seen by the SAX parser. Strings are referenced, not copied, so they can be
/// moved into the event.
struct Scalar {
  enum class Type : std::uint8_t { kNull, kBoolean, kInteger, kUnsigned, kFloat, kString };

  Type type = Type::kNull;
  bool boolean = false;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double floating = 0.0;
  const std::string* token = nullptr;  ///< kFloat: the number as written
  std::string* text = nullptr;         ///< kString: the decoded value; may be moved from

  static Scalar of_boolean(bool value) {
    Scalar scalar;
    scalar.type = Type::kBoolean;
    scalar.boolean = value;
    return scalar;
  }
  static Scalar of_integer(std::int64_t value) {
    Scalar scalar;
    scalar.type = Type::kInteger;
    scalar.integer = value;
    return scalar;
  }
  static Scalar of_unsigned(std::uint64_t value) {
    Scalar scalar;
    scalar.type = Type::kUnsigned;
    scalar.unsigned_integer = value;
    return scalar;
  }
  static Scalar of_float(double value, const std::string& token) {
    Scalar scalar;
    scalar.type = Type::kFloat;
    scalar.floating = value;
    scalar.token = &token;
    return scalar;
  }
  static Scalar of_string(std::string& value) {
    Scalar scalar;
    scalar.type = Type::kString;
    scalar.text = &value;
    return scalar;
  }

  /// The value as a 64-bit integer by the coercions of docs/validation.md.
  IntegerValue to_integer() const noexcept;
  /// The value as JSON, to be kept in `extras` or a group object; moves a string out.
  nlohmann::ordered_json to_json() const;
};

/// nlohmann's exception id for a number too large for a double: valid JSON, but its parser
/// stops there.
inline constexpr int kNumberOverflowError = 406;

/// Whether a parse error is nlohmann refusing a `\uD800`..`\uDFFF` escape that is not half
/// of a surrogate pair: valid JSON grammar, but no Unicode text (Postgres cannot store it).
bool is_lone_surrogate_error(int id, std::string_view what) noexcept;
/// Whether nlohmann's parse error arose in an object key rather than a value.
bool is_object_key_error(std::string_view what) noexcept;

/// Offset in `token` (JSON string text as written, from its opening quote) of the first
/// `\u` escape of a surrogate that is not half of a valid pair; npos when there is none.
std::size_t lone_surrogate_escape(std::string_view token) noexcept;

/// nlohmann's parse error message without its prefix, ASCII only and short, so it can be
/// stored as (part of) a rejection reason: `syntax error while parsing value - ...`.
std::string short_parse_message(std::string_view what);

}  // namespace tributary::models::internal
