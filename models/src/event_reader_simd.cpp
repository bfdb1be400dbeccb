// The fast per-event reader: simdjson's DOM parser validates the whole element (UTF-8,
// grammar, escapes, literals, numbers) with the kernel libsimdjson picks for the CPU at run
// time (icelake, haswell, westmere or the portable fallback), then the rules of
// docs/validation.md run over the parsed tree. Each rule here only ever accepts: any
// violation, and any shape whose reading differs from the reference's in a way not
// reproduced here, declines the element and read_event() reads it.
//
// Why the DOM API and not On-Demand: in simdjson 3.0.1 On-Demand is compiled only for the
// kernel the compiler flags allow (the fallback one on a generic x86-64 build), while the
// DOM parser dispatches at run time; on the development machine (AVX-512) the DOM reading
// of a demo event measured ~1.2 us against ~2.0 us for On-Demand (fallback kernel) and
// ~1.6 us (On-Demand built for haswell). See docs/validation.md, "Two readers".
#include "event_reader_simd.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <simdjson.h>

#include "event_fields.hpp"
#include "json_compact.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary::models::internal {
namespace {

namespace dom = simdjson::dom;
using Type = dom::element_type;

/// Larger elements go to the reference reader: simdjson's parser keeps about 15 bytes of
/// indexes, tape and strings per byte of the largest document it has read, per thread.
constexpr std::size_t kMaxFastBytes = 64U << 10;
/// Deeper containers go to the reference reader (it bounds the recursion here), and so do
/// objects with more members (the duplicate-key search here is linear per key).
constexpr std::size_t kMaxFastDepth = 16;
constexpr std::size_t kMaxFastMembers = 32;
constexpr CompactLimits kCompactLimits{kMaxFastDepth, kMaxFastMembers};
/// The parser's first capacity in bytes; it doubles when an element is larger.
constexpr std::size_t kFirstCapacity = 4U << 10;

std::atomic<JsonReader>& reader_setting() noexcept {
  static std::atomic<JsonReader> setting{[] {
    const char* value = std::getenv("TRIBUTARY_JSON_READER");
    return value != nullptr && std::string_view(value) == "reference" ? JsonReader::kReference
                                                                      : JsonReader::kFast;
  }()};
  return setting;
}

/// The text of a string value without NUL (the reference rejects those); false otherwise.
bool string_of(dom::element value, std::string_view& text) {
  if (value.type() != Type::STRING) return false;
  text = value.get_string().value_unsafe();
  return !contains_nul(text);
}

/// One thread's parser and buffers, reused from element to element.
class FastReader {
 public:
  bool read(std::string_view text, std::size_t max_depth, UserEvent& event);

 private:
  const char* padded_copy(std::string_view text);
  bool read_member(Scope scope, std::string_view key, dom::element value, UserEvent& event);
  bool read_object(Field field, dom::element value, UserEvent& event);
  bool add_extra(Scope scope, std::string_view key, dom::element value);
  bool assign(Field field, dom::element value, UserEvent& event) const;

  dom::parser parser_;
  std::unique_ptr<char[]> buffer_;  // the element, then SIMDJSON_PADDING spaces
  std::size_t buffer_capacity_ = 0;
  std::size_t max_depth_ = 0;
  std::uint32_t seen_ = 0;                    // one bit per Field, as the reference
  std::string extras_;                        // members of `extras` so far, no braces
  std::string scope_extras_;                  // members of `extras.data` or `.user_properties`
  std::vector<std::string_view> root_keys_;   // unknown keys of the event
  std::vector<std::string_view> scope_keys_;  // unknown keys of `data` or `user_properties`
};

const char* FastReader::padded_copy(std::string_view text) {
  // simdjson may read up to SIMDJSON_PADDING bytes past the end; the element's bytes lie in
  // a network chunk that may end right after it. Copying ~800 bytes costs ~20 ns.
  const std::size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (needed > buffer_capacity_) {
    buffer_capacity_ = std::max({needed, 2 * buffer_capacity_, kFirstCapacity});
    buffer_ = std::make_unique<char[]>(buffer_capacity_);
  }
  std::memcpy(buffer_.get(), text.data(), text.size());
  std::memset(buffer_.get() + text.size(), ' ', simdjson::SIMDJSON_PADDING);
  return buffer_.get();
}

bool FastReader::read(std::string_view text, std::size_t max_depth, UserEvent& event) {
  // A leading byte-order mark (which nlohmann skips), whitespace, or anything but an
  // object: the reference's.
  if (text.empty() || text.front() != '{' || text.size() > kMaxFastBytes || max_depth < 1) {
    return false;
  }
  if (text.size() > parser_.capacity()) {
    const std::size_t capacity = std::max({text.size(), 2 * parser_.capacity(), kFirstCapacity});
    if (parser_.allocate(capacity, 2 * kMaxFastDepth) != simdjson::SUCCESS) return false;
  }
  dom::element root;
  if (parser_.parse(padded_copy(text), text.size(), false).get(root) != simdjson::SUCCESS) {
    return false;  // not JSON, a lone surrogate, a number beyond 64 bits or a double...
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return false;
  max_depth_ = max_depth;
  seen_ = 0;
  extras_.clear();
  root_keys_.clear();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!read_member(Scope::kRoot, it.key(), it.value(), event)) return false;
  }
  for (const Field field : kRequiredFields) {
    if (((seen_ >> static_cast<unsigned>(field)) & 1U) == 0) return false;
  }
  if (!extras_.empty()) {
    std::string& extras = event.extras.emplace();
    extras.reserve(extras_.size() + 2);
    extras += '{';
    extras += extras_;
    extras += '}';
  }
  return true;
}

bool FastReader::read_member(Scope scope, std::string_view key, dom::element value,
                             UserEvent& event) {
  const Field field = lookup_field(scope, key);
  if (field == Field::kUnknown) return add_extra(scope, key, value);
  const std::uint32_t bit = 1U << static_cast<unsigned>(field);
  if ((seen_ & bit) != 0) return false;  // duplicate key
  seen_ |= bit;
  if (field == Field::kData || field == Field::kUserProperties) {
    return read_object(field, value, event);
  }
  return assign(field, value, event);
}

// `data` or `user_properties`: its members, then its extras as one member of `extras`,
// where the reference puts them (at its first unknown key, so after the event's unknown
// keys before it and before those after it).
bool FastReader::read_object(Field field, dom::element value, UserEvent& event) {
  if (max_depth_ < 2 || value.type() != Type::OBJECT) return false;
  const Scope scope = field == Field::kData ? Scope::kData : Scope::kUserProperties;
  scope_extras_.clear();
  scope_keys_.clear();
  const dom::object object = value.get_object().value_unsafe();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!read_member(scope, it.key(), it.value(), event)) return false;
  }
  if (!scope_extras_.empty()) {
    if (!extras_.empty()) extras_ += ',';
    extras_ += field == Field::kData ? "\"data\":{" : "\"user_properties\":{";
    extras_ += scope_extras_;
    extras_ += '}';
  }
  return true;
}

bool FastReader::add_extra(Scope scope, std::string_view key, dom::element value) {
  if (contains_nul(key)) return false;
  std::vector<std::string_view>& keys = scope == Scope::kRoot ? root_keys_ : scope_keys_;
  if (keys.size() == kMaxFastMembers) return false;
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return false;  // duplicate key
  keys.push_back(key);
  std::string& out = scope == Scope::kRoot ? extras_ : scope_extras_;
  if (!out.empty()) out += ',';
  append_json_string(out, key);
  out += ':';
  return append_compact_json(out, value, scope == Scope::kRoot ? 2 : 3, max_depth_, kCompactLimits);
}

bool FastReader::assign(Field field, dom::element value, UserEvent& event) const {
  const Kind kind = field_spec(field).kind;
  const Type type = value.type();
  std::string_view text;
  switch (kind) {
    case Kind::kRequiredString:
      if (!string_of(value, text)) return false;
      if (field == Field::kDeviceId &&
          (text.empty() || (text.size() > 36 && count_code_points(text) > 36))) {
        return false;
      }
      string_slot(event, field)->assign(text);
      return true;
    case Kind::kOptionalString:
    case Kind::kNullWordString:
    case Kind::kLowerCaseString: {
      if (type == Type::NULL_VALUE) return true;  // stays nullopt
      if (!string_of(value, text)) return false;
      if (kind == Kind::kNullWordString && is_null_word(text)) return true;
      std::optional<std::string>& slot = *optional_string_slot(event, field);
      slot.emplace(text);
      if (kind == Kind::kLowerCaseString) lower_ascii(*slot);
      return true;
    }
    case Kind::kRequiredInteger:
    case Kind::kOptionalInteger: {
      if (type == Type::NULL_VALUE && kind == Kind::kOptionalInteger) return true;
      std::int64_t number = 0;
      if (type == Type::INT64) {
        number = value.get_int64().value_unsafe();
      } else if (string_of(value, text)) {
        const IntegerValue parsed = integer_from_text(text);
        if (parsed.status != IntegerValue::Status::kOk) return false;
        number = parsed.value;
      } else {
        return false;  // a double is read from its text by the reference
      }
      if (kind == Kind::kRequiredInteger) {
        *integer_slot(event, field) = number;
      } else {
        event.user_properties.user_corporate_id = number;
      }
      return true;
    }
    case Kind::kOptionalBoolean: {
      std::optional<bool>& slot = *boolean_slot(event, field);
      if (type == Type::NULL_VALUE) return true;
      if (type == Type::BOOL) {
        slot = value.get_bool().value_unsafe();
        return true;
      }
      if (!string_of(value, text)) return false;
      slot = boolean_from_text(text);
      return slot.has_value();
    }
    case Kind::kRequiredDate:
    case Kind::kOptionalDate: {
      if (type == Type::NULL_VALUE && kind == Kind::kOptionalDate) return true;
      if (!string_of(value, text)) return false;
      const std::optional<Timestamp> instant = parse_iso8601(text);
      if (!instant) return false;
      if (kind == Kind::kRequiredDate) {
        event.event_date = date::floor<date::days>(*instant);
      } else {
        event.user_properties.user_signup_date = *instant;
      }
      return true;
    }
    case Kind::kGroup: {
      if (type == Type::NULL_VALUE) return true;  // stays "{}"
      if (type != Type::OBJECT) return false;
      std::string& slot =
          field == Field::kGroupFirstEvent ? event.data.group_first_event : event.data.group_ids;
      slot.clear();
      return append_compact_json(slot, value, 3, max_depth_, kCompactLimits);
    }
    case Kind::kObject:
    case Kind::kUnknown:
      break;
  }
  return false;
}

}  // namespace

JsonReader json_reader() noexcept { return reader_setting().load(std::memory_order_relaxed); }

void set_json_reader(JsonReader reader) noexcept {
  reader_setting().store(reader, std::memory_order_relaxed);
}

bool read_event_fast(std::string_view text, std::size_t max_depth, UserEvent& event) {
  thread_local FastReader reader;
  if (reader.read(text, max_depth, event)) return true;
  event = UserEvent{};
  return false;
}

ReadResult read_event_default(std::string_view text, std::size_t max_depth, UserEvent& event) {
  if (json_reader() == JsonReader::kFast && read_event_fast(text, max_depth, event)) return {};
  return read_event(text, max_depth, event);
}

}  // namespace tributary::models::internal
