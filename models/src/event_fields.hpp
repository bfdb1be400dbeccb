#pragma once
// Internal: the fields docs/validation.md names, the rule texts of rejections, and the
// coercions (integers, booleans, "null" words) shared by the event reader.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tributary/models/user_event.hpp"

namespace tributary::models::internal {

/// The object a key is read in.
enum class Scope : std::uint8_t { kRoot, kData, kUserProperties };

/// How a field's value is validated and stored.
enum class Kind : std::uint8_t {
  kRequiredString,
  kOptionalString,
  kNullWordString,   ///< optional; "null" (any case, trimmed) becomes nullopt
  kLowerCaseString,  ///< optional; stored lower-cased
  kRequiredInteger,
  kOptionalInteger,
  kOptionalBoolean,
  kRequiredDate,
  kOptionalDate,
  kObject,   ///< `data` and `user_properties`: read field by field
  kGroup,    ///< `data.group_*`: kept whole as compact JSON, `{}` when null/missing
  kUnknown,  ///< any other key: kept in `extras`
};

/// Every key the contract names; kUnknown for the rest.
enum class Field : std::uint8_t {
  kDate,
  kDeviceId,
  kEventTime,
  kAmpId,
  kUserId,
  kServerUploadTime,
  kServerReceivedTime,
  kProcessedTime,
  kClientEventTime,
  kClientUploadTime,
  kEventType,
  kDataType,
  kData,
  kUserProperties,
  kCountry,
  kCity,
  kLanguage,
  kRegion,
  kPath,
  kGroupFirstEvent,
  kGroupIds,
  kUserPropertiesUpdated,
  kInitialLiFatId,
  kInitialRtdCid,
  kUserCorporateId,
  kUserCorporateIsDemo,
  kUserCorporateStatus,
  kUserSignupDate,
  kUserRole,
  kUserStatus,
  kUnknown,
};

/// The fields every event must have, in the order a missing one is reported (both readers
/// check them after the event ends, so the first missing one is the same for both).
inline constexpr Field kRequiredFields[] = {Field::kDate,
                                            Field::kDeviceId,
                                            Field::kEventTime,
                                            Field::kAmpId,
                                            Field::kUserId,
                                            Field::kServerUploadTime,
                                            Field::kServerReceivedTime,
                                            Field::kProcessedTime,
                                            Field::kClientEventTime,
                                            Field::kClientUploadTime,
                                            Field::kEventType,
                                            Field::kDataType,
                                            Field::kData,
                                            Field::kPath,
                                            Field::kUserProperties};

/// A named field: its key, its dotted path in rejection reasons, and its rule.
struct FieldSpec {
  std::string_view key;
  std::string_view path;
  Kind kind;
};

/// The spec of a named field (not kUnknown).
const FieldSpec& field_spec(Field field) noexcept;
/// The field `key` names inside `scope`, or kUnknown.
Field lookup_field(Scope scope, std::string_view key) noexcept;
/// Dotted path prefix of keys read in `scope`: "", "data." or "user_properties.".
std::string_view scope_prefix(Scope scope) noexcept;

/// Rule texts of rejection reasons (`<path>: <rule>`).
namespace rule {
inline constexpr std::string_view kMissing = "missing";
inline constexpr std::string_view kNotAString = "not a string";
inline constexpr std::string_view kNotAnInteger = "not an integer";
inline constexpr std::string_view kNotABoolean = "not a boolean";
inline constexpr std::string_view kNotAnObject = "not an object";
inline constexpr std::string_view kNotAValidDate = "not a valid date";
inline constexpr std::string_view kOutOfRange = "out of range";
inline constexpr std::string_view kEmpty = "empty";
inline constexpr std::string_view kLongerThan36 = "longer than 36 characters";
inline constexpr std::string_view kContainsNul = "contains a NUL character";
inline constexpr std::string_view kDuplicateKey = "duplicate key";
inline constexpr std::string_view kInvalidUnicodeEscape = "invalid Unicode escape";
inline constexpr std::string_view kNotValidJson = "not valid JSON: ";
}  // namespace rule

/// The rule broken by a value of the wrong JSON type for `kind`.
std::string_view wrong_type_rule(Kind kind) noexcept;

/// Outcome of reading a JSON value as a 64-bit integer.
struct IntegerValue {
  enum class Status : std::uint8_t { kOk, kNotAnInteger, kOutOfRange };
  Status status = Status::kNotAnInteger;
  std::int64_t value = 0;
};

/// A JSON unsigned integer (nlohmann reports non-negative integers this way).
IntegerValue integer_from_unsigned(std::uint64_t value) noexcept;
/// A JSON number with a fraction or exponent, or one too long for 64 bits, from its text
/// `token`: exactly, never through a double, so it is the number as written or refused.
IntegerValue integer_from_float(std::string_view token) noexcept;
/// A string of decimal digits with an optional leading `-`.
IntegerValue integer_from_text(std::string_view text) noexcept;
/// "true" / "false", any case, surrounding whitespace ignored.
std::optional<bool> boolean_from_text(std::string_view text) noexcept;
/// "null", any case, surrounding whitespace ignored.
bool is_null_word(std::string_view text) noexcept;
/// Lower-cases ASCII letters in place.
void lower_ascii(std::string& text) noexcept;
/// Unicode code points in valid UTF-8 text.
std::size_t count_code_points(std::string_view text) noexcept;
/// Whether the text holds U+0000, which Postgres cannot store.
bool contains_nul(std::string_view text) noexcept;
/// A key as it appears in a dotted path: NUL written as `\u0000` so reasons stay storable.
std::string path_key(std::string_view key);

/// Where a named field's value lives in the event; nullptr when it has no slot of that type.
std::string* string_slot(UserEvent& event, Field field) noexcept;
std::optional<std::string>* optional_string_slot(UserEvent& event, Field field) noexcept;
std::int64_t* integer_slot(UserEvent& event, Field field) noexcept;
std::optional<bool>* boolean_slot(UserEvent& event, Field field) noexcept;

}  // namespace tributary::models::internal
