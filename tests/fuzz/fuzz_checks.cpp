#include "fuzz_checks.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "tributary/models/copy_row.hpp"

namespace tributary::fuzz {
namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::array<std::string_view, 18> kRootKeys = {"date",
                                                        "device_id",
                                                        "event_time",
                                                        "amp_id",
                                                        "user_id",
                                                        "server_upload_time",
                                                        "server_received_time",
                                                        "processed_time",
                                                        "client_event_time",
                                                        "client_upload_time",
                                                        "event_type",
                                                        "data_type",
                                                        "data",
                                                        "user_properties",
                                                        "country",
                                                        "city",
                                                        "language",
                                                        "region"};
constexpr std::array<std::string_view, 4> kDataKeys = {"path", "group_first_event", "group_ids",
                                                       "user_properties_updated"};
constexpr std::array<std::string_view, 8> kUserPropertiesKeys = {
    "initial_li_fat_id",     "initial_rtd_cid",  "user_corporate_id", "user_corporate_is_demo",
    "user_corporate_status", "user_signup_date", "user_role",         "user_status"};

// Rules a rejection of a payload element may name (docs/validation.md and PayloadLimits).
constexpr std::array<std::string_view, 12> kRules = {"missing",
                                                     "not a string",
                                                     "not an integer",
                                                     "not a boolean",
                                                     "not an object",
                                                     "not a valid date",
                                                     "out of range",
                                                     "empty",
                                                     "longer than 36 characters",
                                                     "contains a NUL character",
                                                     "duplicate key",
                                                     "invalid Unicode escape"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  for (const std::string_view n : names) {
    if (n == name) return true;
  }
  return false;
}

std::string printable(std::string_view value) {
  constexpr std::size_t kMax = 300;
  constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char c : value.substr(0, kMax)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f && c != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  if (value.size() > kMax) out += "... (" + std::to_string(value.size()) + " bytes)";
  return out;
}

std::size_t count_code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xc0U) != 0x80U) ++count;
  }
  return count;
}

bool is_null_word(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  if (text.size() != 4) return false;
  for (std::size_t i = 0; i < 4; ++i) {
    if ((text[i] | 0x20) != "null"[i]) return false;
  }
  return true;
}

void check_text(std::string_view field, std::string_view value) {
  if (!is_valid_utf8(value)) fail(std::string(field) + ": accepted text is not valid UTF-8", value);
  if (std::memchr(value.data(), 0, value.size()) != nullptr) {
    fail(std::string(field) + ": accepted text holds a NUL character", value);
  }
}

void check_optional_text(std::string_view field, const std::optional<std::string>& value) {
  if (value) check_text(field, *value);
}

// Walks a JSON value without recursion: no string or key holds NUL (jsonb refuses \u0000),
// and it is nested at most `max_depth` levels (the value itself is level 1).
void check_json_tree(std::string_view field, const OrderedJson& root, std::size_t max_depth) {
  std::vector<std::pair<const OrderedJson*, std::size_t>> pending{{&root, 1}};
  while (!pending.empty()) {
    const auto [value, depth] = pending.back();
    pending.pop_back();
    if (value->is_string()) {
      const auto& text = value->get_ref<const std::string&>();
      if (text.find('\0') != std::string::npos) fail(std::string(field) + ": holds \\u0000", text);
      continue;
    }
    if (!value->is_structured()) continue;
    if (depth > max_depth) {
      fail(std::string(field) + ": nested " + std::to_string(depth) + " levels, deeper than " +
           std::to_string(max_depth));
    }
    if (value->is_object()) {
      for (const auto& [key, child] : value->items()) {
        if (key.find('\0') != std::string::npos)
          fail(std::string(field) + ": key holds \\u0000", key);
        pending.emplace_back(&child, depth + 1);
      }
    } else {
      for (const auto& child : *value) pending.emplace_back(&child, depth + 1);
    }
  }
}

// A compact JSON object text as the event carries it (group_*, extras): storable, parses
// as an object, dumps back to the same text, no NUL, not too deep.
OrderedJson check_json_object(std::string_view field, const std::string& text,
                              std::size_t max_depth) {
  check_text(field, text);
  if (text == "{}") return OrderedJson::object();  // also what a missing group becomes
  OrderedJson json = OrderedJson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) fail(std::string(field) + ": not a JSON object", text);
  if (json.dump() != text) fail(std::string(field) + ": not compact JSON (dump differs)", text);
  check_json_tree(field, json, max_depth);
  return json;
}

template <std::size_t N>
void check_extras_scope(std::string_view scope, const OrderedJson& object,
                        const std::array<std::string_view, N>& named) {
  if (!object.is_object() || object.empty()) {
    fail("extras." + std::string(scope) + ": not a non-empty object", object.dump());
  }
  for (const auto& [key, value] : object.items()) {
    if (contains(named, key)) {
      fail("extras." + std::string(scope) + ": holds a key the contract names", key);
    }
  }
}

class VerdictSax final : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t&) override { return true; }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& e) override {
    overflow_ = e.id == 406;
    // Only the words before `; last read:` are nlohmann's; the rest quotes the input.
    const std::string_view what(e.what());
    lone_surrogate_ =
        e.id == 101 &&
        what.substr(0, what.find("; last read: ")).find("- invalid string: surrogate U+") !=
            std::string_view::npos;
    error_end_ = position;
    error_token_ = token;
    return false;
  }

  bool overflow() const { return overflow_; }
  /// A `\u` escape of a surrogate that is not half of a pair (valid JSON grammar).
  bool lone_surrogate() const { return lone_surrogate_; }
  /// Where the number nlohmann gave up on ends, and its text.
  std::size_t error_end() const { return error_end_; }
  const std::string& error_token() const { return error_token_; }
  bool top_is_array() const { return top_is_array_; }
  std::size_t elements() const { return elements_; }

 private:
  bool value() {
    if (depth_ == 1) ++elements_;
    return true;
  }
  bool open(bool is_array) {
    if (depth_ == 0) top_is_array_ = is_array;
    value();
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;
  std::size_t elements_ = 0;
  bool top_is_array_ = false;
  bool overflow_ = false;
  bool lone_surrogate_ = false;
  std::size_t error_end_ = 0;
  std::string error_token_;
};

}  // namespace

void fail(std::string_view what, std::string_view value) {
  std::fprintf(stderr, "\nFUZZ INVARIANT BROKEN: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!value.empty()) std::fprintf(stderr, "  value: %s\n", printable(value).c_str());
  std::fflush(stderr);
  std::abort();
}

bool is_valid_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p != end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xbf;  // bounds of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      length = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      length = 3;
      if (c == 0xe0) low = 0xa0;   // no overlong forms
      if (c == 0xed) high = 0x9f;  // no surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      length = 4;
      if (c == 0xf0) low = 0x90;   // no overlong forms
      if (c == 0xf4) high = 0x8f;  // nothing above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (std::size_t i = 2; i < length; ++i) {
      if (p[i] < 0x80 || p[i] > 0xbf) return false;
    }
    p += length;
  }
  return true;
}

bool is_storable_text(std::string_view text) noexcept {
  return std::memchr(text.data(), 0, text.size()) == nullptr && is_valid_utf8(text);
}

void check_event(const models::UserEvent& event, std::size_t max_depth) {
  // device_id: required, 1-36 characters (code points, not bytes).
  check_text("device_id", event.device_id);
  const std::size_t length = count_code_points(event.device_id);
  if (length < 1 || length > 36) fail("device_id: not 1-36 characters", event.device_id);

  check_text("event_type", event.event_type);
  check_text("data_type", event.data_type);
  check_text("data.path", event.data.path);
  check_optional_text("country", event.country);
  check_optional_text("city", event.city);
  check_optional_text("language", event.language);
  check_optional_text("region", event.region);
  if (event.country && is_null_word(*event.country))
    fail("country: a null word was kept", *event.country);
  if (event.city && is_null_word(*event.city)) fail("city: a null word was kept", *event.city);

  const models::UserProperties& props = event.user_properties;
  check_optional_text("user_properties.initial_li_fat_id", props.initial_li_fat_id);
  check_optional_text("user_properties.initial_rtd_cid", props.initial_rtd_cid);
  check_optional_text("user_properties.user_corporate_status", props.user_corporate_status);
  check_optional_text("user_properties.user_role", props.user_role);
  check_optional_text("user_properties.user_status", props.user_status);
  if (const auto& status = props.user_corporate_status) {
    for (const char c : *status) {
      if (c >= 'A' && c <= 'Z')
        fail("user_properties.user_corporate_status: not lower-cased", *status);
    }
  }

  // Dates: what Postgres stores as `date` and `timestamptz` here, years 1 to 9999.
  const date::year_month_day day{event.event_date};
  if (!day.ok() || day.year() < date::year{1} || day.year() > date::year{9999}) {
    fail("date: event_date outside years 1-9999", date::format("%F", event.event_date));
  }
  if (props.user_signup_date) {
    static const models::Timestamp first_allowed{date::sys_days{date::year{1} / 1 / 1}};
    static const models::Timestamp end_allowed{date::sys_days{date::year{10000} / 1 / 1}};
    if (*props.user_signup_date < first_allowed || *props.user_signup_date >= end_allowed) {
      fail("user_properties.user_signup_date: outside years 1-9999");
    }
  }

  // JSON kept whole: the event is level 1, `data` level 2, a group object level 3.
  const std::size_t group_depth = max_depth > 2 ? max_depth - 2 : 0;
  check_json_object("data.group_first_event", event.data.group_first_event, group_depth);
  check_json_object("data.group_ids", event.data.group_ids, group_depth);

  // The COPY row the loader sends: one line of 29 tab-separated, storable fields.
  std::string row;
  models::append_copy_fields(event, row);
  if (!is_storable_text(row)) fail("COPY row cannot be stored", row);
  if (row.find_first_of("\n\r") != std::string::npos) fail("COPY row holds a line break", row);
  if (static_cast<std::size_t>(std::count(row.begin(), row.end(), '\t')) !=
      models::kUserEventColumns.size() - 1) {
    fail("COPY row does not have " + std::to_string(models::kUserEventColumns.size()) + " fields",
         row);
  }

  if (event.extras) {
    const OrderedJson extras = check_json_object("extras", *event.extras, max_depth);
    if (extras.empty()) fail("extras: an empty object instead of NULL");
    for (const auto& [key, value] : extras.items()) {
      if (key == "data") {
        check_extras_scope("data", value, kDataKeys);
      } else if (key == "user_properties") {
        check_extras_scope("user_properties", value, kUserPropertiesKeys);
      } else if (contains(kRootKeys, key)) {
        fail("extras: holds a key the contract names", key);
      }
    }
  }
}

void check_rejection_reason(const models::Rejection& rejection, std::size_t max_depth,
                            std::size_t max_event_bytes) {
  const std::string& reason = rejection.reason;
  if (!is_storable_text(reason)) fail("rejection reason cannot be stored", reason);
  const std::size_t colon = reason.rfind(": ");
  if (colon == std::string::npos) fail("rejection reason is not `<path>: <rule>`", reason);
  const std::string_view path = std::string_view(reason).substr(0, colon);
  const std::string_view rule = std::string_view(reason).substr(colon + 2);
  if (contains(kRules, rule)) return;
  if (path == "event" && (rule == "nested deeper than " + std::to_string(max_depth) + " levels" ||
                          rule == "larger than " + std::to_string(max_event_bytes) + " bytes")) {
    return;
  }
  fail("rejection reason names no known rule", reason);
}

void check_raw_json(const models::Rejection& rejection) {
  if (!is_storable_text(rejection.raw_json)) {
    fail("rejection raw_json cannot be stored in a text column (" + rejection.reason + ")",
         rejection.raw_json);
  }
}

namespace {

// The code unit of `\uXXXX` at `at` in `text`, or -1.
long utf16_escape(std::string_view text, std::size_t at) {
  if (at + 6 > text.size() || text.substr(at, 2) != "\\u") return -1;
  const std::string hex(text.substr(at + 2, 4));
  if (hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) return -1;
  return std::strtol(hex.c_str(), nullptr, 16);
}

// Where in a string token (from its quote) the first unpaired surrogate escape starts.
std::size_t unpaired_surrogate(std::string_view token) {
  for (std::size_t i = 1; i + 1 < token.size(); ++i) {
    if (token[i] != '\\') continue;
    const long unit = utf16_escape(token, i);
    const bool high = unit >= 0xd800 && unit <= 0xdbff;
    const long next = high ? utf16_escape(token, i + 6) : -1;
    if ((unit >= 0xdc00 && unit <= 0xdfff) || (high && (next < 0xdc00 || next > 0xdfff))) {
      return i;
    }
    i += unit < 0 ? 1 : high ? 11 : 5;
  }
  return std::string_view::npos;
}

}  // namespace

JsonVerdict json_verdict(std::string_view text, std::size_t* elements) {
  if (std::memchr(text.data(), 0, text.size()) != nullptr) return JsonVerdict::kInvalid;
  // nlohmann stops at valid JSON it cannot read: it reads on with a number beyond a double
  // as `0` (then the verdict is kOverflow: the element count is unknown), and with an escape
  // of a lone surrogate as `\uFFFD` (same length and structure, so the verdict stands), to
  // tell valid JSON from text that is not JSON further on.
  std::string copy(text);
  bool overflow = false;
  for (;;) {
    VerdictSax sax;
    if (nlohmann::json::sax_parse(copy.begin(), copy.end(), &sax)) {
      if (overflow) return JsonVerdict::kOverflow;
      if (!sax.top_is_array()) return JsonVerdict::kOther;
      if (elements != nullptr) *elements = sax.elements();
      return JsonVerdict::kArray;
    }
    if (!sax.overflow() && !sax.lone_surrogate()) return JsonVerdict::kInvalid;
    const std::string& token = sax.error_token();
    const std::size_t length = token.size();
    const bool located = length > 0 && sax.error_end() >= length &&
                         sax.error_end() <= copy.size() &&
                         copy.compare(sax.error_end() - length, length, token) == 0;
    const std::size_t start = located ? sax.error_end() - length : 0;
    if (sax.overflow()) {
      if (!located) fail("cannot locate the overflowing number", copy);
      overflow = true;
      copy.replace(start, length, "0");
      continue;
    }
    if (!located) {
      // The string was cut off by the end of the text (nlohmann counts the end as a
      // character), or a raw control character follows the escape (nlohmann writes it as
      // `<U+001F>` in the token): not JSON either way.
      if (sax.error_end() > copy.size() || token.find("<U+00") != std::string::npos) {
        return JsonVerdict::kInvalid;
      }
      fail("cannot locate the lone surrogate's string", copy);
    }
    const std::size_t escape = unpaired_surrogate(sax.error_token());
    if (escape == std::string_view::npos) fail("cannot locate the lone surrogate", copy);
    copy.replace(start + escape, 6, "\\uFFFD");
  }
}

}  // namespace tributary::fuzz
