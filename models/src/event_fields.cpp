#include "event_fields.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>

namespace tributary::models::internal {
namespace {

constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::kUnknown);

// In the order of the Field enum.
constexpr std::array<FieldSpec, kFieldCount> kFields{{
    {"date", "date", Kind::kRequiredDate},
    {"device_id", "device_id", Kind::kRequiredString},
    {"event_time", "event_time", Kind::kRequiredInteger},
    {"amp_id", "amp_id", Kind::kRequiredInteger},
    {"user_id", "user_id", Kind::kRequiredInteger},
    {"server_upload_time", "server_upload_time", Kind::kRequiredInteger},
    {"server_received_time", "server_received_time", Kind::kRequiredInteger},
    {"processed_time", "processed_time", Kind::kRequiredInteger},
    {"client_event_time", "client_event_time", Kind::kRequiredInteger},
    {"client_upload_time", "client_upload_time", Kind::kRequiredInteger},
    {"event_type", "event_type", Kind::kRequiredString},
    {"data_type", "data_type", Kind::kRequiredString},
    {"data", "data", Kind::kObject},
    {"user_properties", "user_properties", Kind::kObject},
    {"country", "country", Kind::kNullWordString},
    {"city", "city", Kind::kNullWordString},
    {"language", "language", Kind::kOptionalString},
    {"region", "region", Kind::kOptionalString},
    {"path", "data.path", Kind::kRequiredString},
    {"group_first_event", "data.group_first_event", Kind::kGroup},
    {"group_ids", "data.group_ids", Kind::kGroup},
    {"user_properties_updated", "data.user_properties_updated", Kind::kOptionalBoolean},
    {"initial_li_fat_id", "user_properties.initial_li_fat_id", Kind::kOptionalString},
    {"initial_rtd_cid", "user_properties.initial_rtd_cid", Kind::kOptionalString},
    {"user_corporate_id", "user_properties.user_corporate_id", Kind::kOptionalInteger},
    {"user_corporate_is_demo", "user_properties.user_corporate_is_demo", Kind::kOptionalBoolean},
    {"user_corporate_status", "user_properties.user_corporate_status", Kind::kLowerCaseString},
    {"user_signup_date", "user_properties.user_signup_date", Kind::kOptionalDate},
    {"user_role", "user_properties.user_role", Kind::kOptionalString},
    {"user_status", "user_properties.user_status", Kind::kOptionalString},
}};

// Index ranges of kFields per scope.
constexpr std::size_t kRootEnd = static_cast<std::size_t>(Field::kPath);
constexpr std::size_t kDataEnd = static_cast<std::size_t>(Field::kInitialLiFatId);

constexpr Scope scope_of(std::size_t index) noexcept {
  return index < kRootEnd ? Scope::kRoot : index < kDataEnd ? Scope::kData : Scope::kUserProperties;
}

// Keys are found through a small open-addressing table built at compile time: one hash and
// usually one comparison per key, instead of a scan of the names.
constexpr std::size_t kSlotCount = 128;
constexpr std::uint8_t kEmptySlot = 0xFF;

constexpr std::size_t key_hash(Scope scope, std::string_view key) noexcept {
  const auto at = [&](std::size_t i) {
    return static_cast<std::size_t>(static_cast<unsigned char>(key[i]));
  };
  return (key.size() * 31 + at(0) * 7 + at(key.size() - 1) * 3 + at(key.size() / 2) * 5 +
          static_cast<std::size_t>(scope) * 41) %
         kSlotCount;
}

constexpr std::array<std::uint8_t, kSlotCount> make_key_table() {
  std::array<std::uint8_t, kSlotCount> table{};
  for (auto& slot : table) slot = kEmptySlot;
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    std::size_t slot = key_hash(scope_of(i), kFields[i].key);
    while (table[slot] != kEmptySlot) slot = (slot + 1) % kSlotCount;
    table[slot] = static_cast<std::uint8_t>(i);
  }
  return table;
}

constexpr std::array<std::uint8_t, kSlotCount> kKeyTable = make_key_table();

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool equals_ignoring_case(std::string_view text, std::string_view lower) noexcept {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

IntegerValue ok(std::int64_t value) noexcept { return {IntegerValue::Status::kOk, value}; }
IntegerValue not_an_integer() noexcept { return {IntegerValue::Status::kNotAnInteger, 0}; }
IntegerValue out_of_range() noexcept { return {IntegerValue::Status::kOutOfRange, 0}; }

}  // namespace

const FieldSpec& field_spec(Field field) noexcept {
  return kFields[static_cast<std::size_t>(field)];
}

Field lookup_field(Scope scope, std::string_view key) noexcept {
  if (key.empty()) return Field::kUnknown;
  for (std::size_t slot = key_hash(scope, key);; slot = (slot + 1) % kSlotCount) {
    const std::uint8_t index = kKeyTable[slot];
    if (index == kEmptySlot) return Field::kUnknown;
    if (scope_of(index) == scope && kFields[index].key == key) return static_cast<Field>(index);
  }
}

std::string_view scope_prefix(Scope scope) noexcept {
  switch (scope) {
    case Scope::kData:
      return "data.";
    case Scope::kUserProperties:
      return "user_properties.";
    case Scope::kRoot:
      break;
  }
  return "";
}

std::string_view wrong_type_rule(Kind kind) noexcept {
  switch (kind) {
    case Kind::kRequiredInteger:
    case Kind::kOptionalInteger:
      return rule::kNotAnInteger;
    case Kind::kOptionalBoolean:
      return rule::kNotABoolean;
    case Kind::kObject:
    case Kind::kGroup:
      return rule::kNotAnObject;
    default:
      return rule::kNotAString;
  }
}

IntegerValue integer_from_unsigned(std::uint64_t value) noexcept {
  if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return out_of_range();
  }
  return ok(static_cast<std::int64_t>(value));
}

IntegerValue integer_from_float(std::string_view token) noexcept {
  // `-?int[.frac][(e|E)[+-]exp]`, read exactly from its text: a double would round
  // 9007199254740993e0 to ...992 and 1e-400 to 0. Integral means every digit right of the
  // decimal point, once the exponent has moved it, is 0.
  const bool negative = !token.empty() && token.front() == '-';
  if (negative) token.remove_prefix(1);
  const std::size_t e = token.find_first_of("eE");
  const std::string_view mantissa = token.substr(0, e);
  long long exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view text = token.substr(e + 1);
    const bool down = !text.empty() && text.front() == '-';
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
    if (text.empty()) return not_an_integer();
    for (const char c : text) {
      if (c < '0' || c > '9') return not_an_integer();
      exponent = std::min(exponent * 10 + (c - '0'), 1'000'000'000LL);  // beyond any length
    }
    if (down) exponent = -exponent;
  }
  // The digits are the integer part then the fraction, without the dot.
  const std::size_t dot = mantissa.find('.');
  const std::string_view whole = mantissa.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : mantissa.substr(dot + 1);
  const std::size_t count = whole.size() + fraction.size();
  const auto digit = [&](std::size_t i) {
    return i < whole.size() ? whole[i] : fraction[i - whole.size()];
  };
  std::size_t first = 0;
  for (; first < count; ++first) {
    if (digit(first) < '0' || digit(first) > '9') return not_an_integer();
    if (digit(first) != '0') break;
  }
  if (first == count) return count == 0 ? not_an_integer() : ok(0);
  // Digits left of the decimal point, counted from the first nonzero one.
  const long long point =
      static_cast<long long>(whole.size()) + exponent - static_cast<long long>(first);
  if (point <= 0) return not_an_integer();  // 0.0…d: a nonzero digit right of the point
  for (std::size_t i = first; i < count; ++i) {
    const char c = digit(i);
    if (c < '0' || c > '9') return not_an_integer();
    if (c != '0' && static_cast<long long>(i - first) >= point) return not_an_integer();
  }
  constexpr long long kMaxDigits = 19;  // as many as INT64_MAX
  if (point > kMaxDigits) return out_of_range();
  std::uint64_t magnitude = 0;
  for (long long k = 0; k < point; ++k) {
    const std::size_t i = first + static_cast<std::size_t>(k);
    const std::uint64_t d = i < count ? static_cast<std::uint64_t>(digit(i) - '0') : 0;
    if (magnitude > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return out_of_range();
    magnitude = magnitude * 10 + d;
  }
  constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > kMax + (negative ? 1 : 0)) return out_of_range();
  if (negative)
    return ok(magnitude == kMax + 1 ? std::numeric_limits<std::int64_t>::min()
                                    : -static_cast<std::int64_t>(magnitude));
  return ok(static_cast<std::int64_t>(magnitude));
}

IntegerValue integer_from_text(std::string_view text) noexcept {
  const std::size_t sign = (!text.empty() && text.front() == '-') ? 1 : 0;
  if (text.size() == sign) return not_an_integer();
  for (std::size_t i = sign; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return not_an_integer();
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error == std::errc::result_out_of_range) return out_of_range();
  if (error != std::errc{} || end != text.data() + text.size()) return not_an_integer();
  return ok(value);
}

std::optional<bool> boolean_from_text(std::string_view text) noexcept {
  text = trim(text);
  if (equals_ignoring_case(text, "true")) return true;
  if (equals_ignoring_case(text, "false")) return false;
  return std::nullopt;
}

bool is_null_word(std::string_view text) noexcept {
  return equals_ignoring_case(trim(text), "null");
}

void lower_ascii(std::string& text) noexcept {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

std::size_t count_code_points(std::string_view text) noexcept {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++count;
  }
  return count;
}

bool contains_nul(std::string_view text) noexcept {
  return !text.empty() && std::memchr(text.data(), 0, text.size()) != nullptr;
}

std::string path_key(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (const char c : key) {
    if (c == '\0') {
      out += "\\u0000";
    } else {
      out += c;
    }
  }
  return out;
}

std::string* string_slot(UserEvent& event, Field field) noexcept {
  switch (field) {
    case Field::kDeviceId:
      return &event.device_id;
    case Field::kEventType:
      return &event.event_type;
    case Field::kDataType:
      return &event.data_type;
    case Field::kPath:
      return &event.data.path;
    default:
      return nullptr;
  }
}

std::optional<std::string>* optional_string_slot(UserEvent& event, Field field) noexcept {
  UserProperties& props = event.user_properties;
  switch (field) {
    case Field::kCountry:
      return &event.country;
    case Field::kCity:
      return &event.city;
    case Field::kLanguage:
      return &event.language;
    case Field::kRegion:
      return &event.region;
    case Field::kInitialLiFatId:
      return &props.initial_li_fat_id;
    case Field::kInitialRtdCid:
      return &props.initial_rtd_cid;
    case Field::kUserCorporateStatus:
      return &props.user_corporate_status;
    case Field::kUserRole:
      return &props.user_role;
    case Field::kUserStatus:
      return &props.user_status;
    default:
      return nullptr;
  }
}

std::int64_t* integer_slot(UserEvent& event, Field field) noexcept {
  switch (field) {
    case Field::kEventTime:
      return &event.event_time;
    case Field::kAmpId:
      return &event.amp_id;
    case Field::kUserId:
      return &event.user_id;
    case Field::kServerUploadTime:
      return &event.server_upload_time;
    case Field::kServerReceivedTime:
      return &event.server_received_time;
    case Field::kProcessedTime:
      return &event.processed_time;
    case Field::kClientEventTime:
      return &event.client_event_time;
    case Field::kClientUploadTime:
      return &event.client_upload_time;
    default:
      return nullptr;
  }
}

std::optional<bool>* boolean_slot(UserEvent& event, Field field) noexcept {
  switch (field) {
    case Field::kUserPropertiesUpdated:
      return &event.data.user_properties_updated;
    case Field::kUserCorporateIsDemo:
      return &event.user_properties.user_corporate_is_demo;
    default:
      return nullptr;
  }
}

}  // namespace tributary::models::internal
