#pragma once
// What the fuzz targets check besides "no crash": the rules of docs/validation.md on every
// accepted event, the shape of every rejection, whether a text is JSON at all (by
// nlohmann, independently of tributary's scanner), and that the two per-event readers
// (the fast one and the reference) agree. A broken rule prints what and where, then
// abort()s, so libFuzzer keeps the input as a crash artifact.

#include <cstddef>
#include <string>
#include <string_view>

#include "event_reader_simd.hpp"
#include "tributary/models/event_parser.hpp"
#include "tributary/models/payload_parser.hpp"
#include "tributary/models/user_event.hpp"

namespace tributary::fuzz {

/// Prints `what` (and the offending value, made printable) to stderr and aborts.
[[noreturn]] void fail(std::string_view what, std::string_view value = {});

/// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

/// Text Postgres can store in a `text` column: valid UTF-8 without NUL.
bool is_storable_text(std::string_view text) noexcept;

/// Aborts unless the event obeys every rule an accepted event must obey: device_id of 1-36
/// code points, all text storable, dates in years 1-9999, country/city not a "null" word,
/// lower-case user_corporate_status, group_* and extras JSON objects (re-parsed by
/// nlohmann) without NUL, nested at most `max_depth` levels inside the event, extras
/// holding only keys the contract does not name.
void check_event(const models::UserEvent& event, std::size_t max_depth);

/// Aborts unless the rejection of a payload element is well formed: storable reason
/// `<path>: <rule>` with a known rule. `raw_json` is checked by check_raw_json().
void check_rejection_reason(const models::Rejection& rejection, std::size_t max_depth,
                            std::size_t max_event_bytes);

/// Aborts unless the raw text kept with a rejection can be stored (valid UTF-8, no NUL).
void check_raw_json(const models::Rejection& rejection);

/// What nlohmann makes of a text.
enum class JsonVerdict {
  kArray,     ///< valid JSON whose top-level value is an array
  kOther,     ///< valid JSON, not an array
  kInvalid,   ///< not JSON
  kOverflow,  ///< valid JSON holding a number too large for a double (nlohmann stops there;
              ///< the rest is checked with such numbers read as 0)
};

/// Parses `text` (an optional leading UTF-8 BOM is skipped, as nlohmann does) without
/// recursion; for kArray, `elements` is the number of values in the top-level array. A raw
/// NUL byte anywhere is kInvalid (nlohmann alone would read it as the end of the input).
JsonVerdict json_verdict(std::string_view text, std::size_t* elements = nullptr);

// The two readers (fuzz_differential.cpp).

/// Selects a per-event reader while it lives, then the one selected before.
class ScopedJsonReader {
 public:
  explicit ScopedJsonReader(models::internal::JsonReader reader);
  ~ScopedJsonReader();
  ScopedJsonReader(const ScopedJsonReader&) = delete;
  ScopedJsonReader& operator=(const ScopedJsonReader&) = delete;

 private:
  models::internal::JsonReader saved_;
};

/// The first field in which two events differ ("" when they are equal), for messages.
std::string first_difference(const models::UserEvent& a, const models::UserEvent& b);

/// Aborts unless the fast reader, when it takes `text` at all, reads exactly the event the
/// reference reader reads (which must accept it); and unless it leaves the event untouched
/// when it declines.
void check_fast_reader(std::string_view text, std::size_t max_depth);

/// Aborts unless two outcomes of parse_event() are identical (the same event in every
/// field, or the same rejection: position, reason, raw text).
void check_same_outcome(const models::EventOutcome& a, const models::EventOutcome& b,
                        std::string_view what);

}  // namespace tributary::fuzz
