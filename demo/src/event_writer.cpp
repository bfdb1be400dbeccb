// The JSON text of one demo event, field by field in the order upstream sends them.

#include "event_writer.hpp"

#include <array>
#include <charconv>

#include "tributary/demo/calendar.hpp"

namespace tributary::internal::demo {

namespace {

// Repetition weights the draw: page views dominate, invitations are rare.
constexpr std::array<std::string_view, 20> kEventTypes{
    "page_view",        "page_view",   "page_view", "page_view", "page_view",   "page_view",
    "page_view",        "page_view",   "click",     "click",     "click",       "click",
    "session_start",    "session_end", "search",    "search",    "file_upload", "report_export",
    "settings_changed", "invite_sent"};
// One path holds a quote and a backslash, one a non-ASCII letter: both must survive escaping.
constexpr std::array<std::string_view, 12> kPaths{"/app/home",
                                                  "/app/home",
                                                  "/app/dashboard",
                                                  "/app/reports",
                                                  "/app/reports/weekly",
                                                  "/app/settings",
                                                  "/app/users/invite",
                                                  "/app/files/upload",
                                                  "/login",
                                                  "/app/projects/ñandú",
                                                  "/app/search?q=\"q1\\q2\"",
                                                  "/app/search?q=kpi"};
constexpr std::array<std::string_view, 4> kNullWords{"null", "NULL", " Null ", "Null"};

/// Writes the keys of one JSON object, with the commas between them.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  /// Starts the member `name` (a plain ASCII key); the caller appends the value.
  std::string& key(std::string_view name) {
    // One append of `,"name":` (keys are short): a fifth of the writer's time went to the
    // four appends this was.
    char text[64];
    std::size_t n = 0;
    if (!first_) text[n++] = ',';
    first_ = false;
    if (name.size() + 4 > sizeof text) {
      out_.append(text, n).append(1, '"').append(name).append("\":");
      return out_;
    }
    text[n++] = '"';
    name.copy(text + n, name.size());
    n += name.size();
    text[n++] = '"';
    text[n++] = ':';
    out_.append(text, n);
    return out_;
  }
  void close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

void append_int(std::string& out, std::int64_t value) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

/// How an optional field shows up in one event.
enum class Presence { Value, Null, NullWord, Absent };

Presence draw_presence(Rng& rng, double null_p, double word_p, double absent_p) {
  const double u = rng.unit();
  if (u < null_p) return Presence::Null;
  if (u < null_p + word_p) return Presence::NullWord;
  if (u < null_p + word_p + absent_p) return Presence::Absent;
  return Presence::Value;
}

/// An optional string field: the value, `null`, a spelling of "null", or no key at all.
void write_optional_string(ObjectWriter& object, std::string_view name, std::string_view value,
                           Presence presence, Rng& rng) {
  switch (presence) {
    case Presence::Absent:
      return;
    case Presence::Null:
      object.key(name) += "null";
      return;
    case Presence::NullWord:
      append_json_string(object.key(name), kNullWords[rng.below(kNullWords.size())]);
      return;
    case Presence::Value:
      append_json_string(object.key(name), value);
      return;
  }
}

/// `{"company": ["17"]}`-style group objects: a corporation's, `{}`, `null` or absent.
void write_group(ObjectWriter& data, std::string_view name, const Corporation* corporation,
                 bool as_list, Rng& rng) {
  const double u = rng.unit();
  if (corporation == nullptr) {
    if (u < 0.5)
      data.key(name) += "{}";
    else if (u < 0.9)
      data.key(name) += "null";
    return;
  }
  if (u < 0.08) {
    data.key(name) += "null";
    return;
  }
  if (u < 0.12) return;
  std::string& out = data.key(name);
  out += as_list ? "{\"company\":[\"" : "{\"company\":\"";
  out += corporation->id_text;
  out += as_list ? "\"]}" : "\"}";
}

void append_time_of_day(std::string& out, std::int64_t ms) {
  std::int64_t in_day = ms % kMsPerDay;
  if (in_day < 0) in_day += kMsPerDay;
  const auto seconds = static_cast<unsigned>(in_day / 1000);
  append_padded(out, seconds / 3600, 2);
  out += ':';
  append_padded(out, seconds / 60 % 60, 2);
  out += ':';
  append_padded(out, seconds % 60, 2);
}

void write_date(ObjectWriter& event, const EventSpec& spec, Rng& rng) {
  std::string& out = event.key("date");
  out += '"';
  if (spec.flaw == Flaw::DateInvalid) {
    out.append(spec.date_text.substr(0, 4));
    out += "-02-30T00:00:00\"";
    return;
  }
  out += spec.date_text;
  out += 'T';
  if (rng.chance(0.15))
    append_time_of_day(out, spec.event_time);
  else
    out += "00:00:00";
  out += '"';
}

void write_data(ObjectWriter& event, const EventSpec& spec, const Corporation* corporation,
                Rng& rng) {
  if (spec.flaw == Flaw::DataNotObject) {
    event.key("data") += "\"x\"";
    return;
  }
  ObjectWriter data(event.key("data"));
  write_group(data, "group_first_event", corporation, false, rng);
  write_group(data, "group_ids", corporation, true, rng);
  if (spec.flaw != Flaw::PathMissing) {
    append_json_string(data.key("path"), kPaths[rng.below(kPaths.size())]);
  }
  if (spec.flaw == Flaw::UserPropertiesUpdatedNotBoolean) {
    data.key("user_properties_updated") += "\"yes\"";
  } else {
    const double u = rng.unit();
    if (u < 0.6)
      data.key("user_properties_updated") += "false";
    else if (u < 0.7)
      data.key("user_properties_updated") += "true";
  }
  if (rng.chance(0.005)) append_json_string(data.key("referrer"), "https://www.example.com/");
  data.close();
}

void write_user_properties(ObjectWriter& event, const EventSpec& spec,
                           const Corporation* corporation, Rng& rng) {
  if (spec.flaw == Flaw::UserPropertiesMissing) return;
  const User& user = *spec.user;
  ObjectWriter properties(event.key("user_properties"));
  properties.key("initial_li_fat_id") += rng.chance(0.9) ? "null" : "\"li_fat_3f9a1c\"";
  properties.key("initial_rtd_cid") += rng.chance(0.93) ? "null" : "\"rtd_77c1\"";

  if (spec.flaw == Flaw::CorporateIdNotInteger) {
    properties.key("user_corporate_id") += "\"abc\"";
  } else if (corporation != nullptr) {
    const double u = rng.unit();
    if (u < 0.95)
      append_int(properties.key("user_corporate_id"), corporation->id);
    else if (u < 0.98)
      append_json_string(properties.key("user_corporate_id"), corporation->id_text);
  } else if (rng.chance(0.7)) {
    properties.key("user_corporate_id") += "null";
  }

  if (corporation != nullptr) {
    const double u = rng.unit();
    const char* demo = corporation->is_demo ? "true" : "false";
    if (u < 0.9)
      properties.key("user_corporate_is_demo") += demo;
    else if (u < 0.95)
      append_json_string(properties.key("user_corporate_is_demo"), demo);
    if (rng.chance(0.97))
      append_json_string(properties.key("user_corporate_status"), corporation->status);
  } else if (rng.chance(0.6)) {
    properties.key("user_corporate_is_demo") += "null";
    properties.key("user_corporate_status") += "null";
  }

  append_json_string(properties.key("user_role"), user.role);
  if (spec.flaw == Flaw::SignupDateInvalid) {
    properties.key("user_signup_date") += "\"2023-02-29T10:00:00\"";
  } else if (rng.chance(0.98)) {
    append_json_string(properties.key("user_signup_date"), user.signup);
  } else {
    properties.key("user_signup_date") += "null";
  }
  append_json_string(properties.key("user_status"), user.status);
  if (rng.chance(0.005)) append_json_string(properties.key("plan"), "enterprise");
  properties.close();
}

/// An element that is not an object at all.
void write_not_an_object(std::string& out, Rng& rng) {
  static constexpr std::array<std::string_view, 4> kElements{"17", "\"event\"", "null", "[1,2]"};
  out += kElements[rng.below(kElements.size())];
}

}  // namespace

std::string_view flaw_reason(Flaw flaw) noexcept {
  switch (flaw) {
    case Flaw::None:
      return {};
    case Flaw::NotAnObject:
      return "event: not an object";
    case Flaw::DeviceIdTooLong:
      return "device_id: longer than 36 characters";
    case Flaw::DeviceIdEmpty:
      return "device_id: empty";
    case Flaw::DateInvalid:
      return "date: not a valid date";
    case Flaw::EventTimeNotInteger:
      return "event_time: not an integer";
    case Flaw::AmpIdMissing:
      return "amp_id: missing";
    case Flaw::EventTypeNotString:
      return "event_type: not a string";
    case Flaw::DataNotObject:
      return "data: not an object";
    case Flaw::PathMissing:
      return "data.path: missing";
    case Flaw::UserPropertiesUpdatedNotBoolean:
      return "data.user_properties_updated: not a boolean";
    case Flaw::CityNul:
      return "city: contains a NUL character";
    case Flaw::UserPropertiesMissing:
      return "user_properties: missing";
    case Flaw::CorporateIdNotInteger:
      return "user_properties.user_corporate_id: not an integer";
    case Flaw::SignupDateInvalid:
      return "user_properties.user_signup_date: not a valid date";
  }
  return {};
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Whether a byte must be escaped: control characters, the quote and the backslash.
  static constexpr auto kEscaped = [] {
    std::array<bool, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[static_cast<std::size_t>(c)] = true;
    table['"'] = true;
    table['\\'] = true;
    return table;
  }();
  out += '"';
  std::size_t run = 0;  // start of the pending run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kEscaped[c]) continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void write_event(std::string& out, const EventSpec& spec, const Population& population, Rng& rng) {
  if (spec.flaw == Flaw::NotAnObject) {
    write_not_an_object(out, rng);
    return;
  }
  const User& user = *spec.user;
  const Corporation* corporation =
      user.corporation >= 0 ? &population.corporations[static_cast<std::size_t>(user.corporation)]
                            : nullptr;
  const std::int64_t received = spec.server_upload_time + rng.between(1, 60);
  const std::int64_t processed = received + rng.between(50, 1500);

  ObjectWriter event(out);
  write_date(event, spec, rng);
  write_optional_string(event, "country", user.location->country,
                        draw_presence(rng, 0.03, 0.04, 0.02), rng);
  write_data(event, spec, corporation, rng);
  write_optional_string(event, "language", user.language, draw_presence(rng, 0.03, 0, 0.02), rng);
  if (spec.flaw == Flaw::EventTypeNotString)
    event.key("event_type") += '5';
  else
    append_json_string(event.key("event_type"), kEventTypes[rng.below(kEventTypes.size())]);

  if (spec.flaw == Flaw::DeviceIdTooLong) {
    std::string& text = event.key("device_id");
    text += '"';
    text += user.devices[spec.device];
    text += "-abc\"";  // 36 + 4 characters
  } else if (spec.flaw == Flaw::DeviceIdEmpty) {
    event.key("device_id") += "\"\"";
  } else {
    append_json_string(event.key("device_id"), user.devices[spec.device]);
  }
  append_int(event.key("server_upload_time"), spec.server_upload_time);
  append_int(event.key("server_received_time"), received);
  if (rng.chance(0.015))
    append_json_string(event.key("user_id"), std::to_string(user.user_id));
  else
    append_int(event.key("user_id"), user.user_id);
  write_optional_string(event, "region", user.location->region, draw_presence(rng, 0.04, 0, 0.03),
                        rng);
  append_int(event.key("processed_time"), processed);
  if (spec.flaw == Flaw::CityNul) {
    std::string city{user.location->city};
    city.insert(1, 1, '\0');  // after the first letter, which is ASCII in every city name
    append_json_string(event.key("city"), city);
  } else {
    write_optional_string(event, "city", user.location->city, draw_presence(rng, 0.03, 0.04, 0.02),
                          rng);
  }
  write_user_properties(event, spec, corporation, rng);
  append_int(event.key("client_event_time"), spec.event_time);
  append_int(event.key("client_upload_time"), spec.client_upload_time);
  if (spec.flaw != Flaw::AmpIdMissing) {
    std::string& amp = event.key("amp_id");
    append_int(amp, user.amp_id);
    if (rng.chance(0.005)) amp += ".0";  // an integral JSON number is still an integer
  }
  event.key("data_type") += rng.chance(0.98) ? "\"event\"" : "\"identify\"";
  if (spec.flaw == Flaw::EventTimeNotInteger)
    event.key("event_time") += "\"12x\"";
  else
    append_int(event.key("event_time"), spec.event_time);
  if (rng.chance(0.01)) append_int(event.key("session_id"), spec.event_time / 1000 * 7 + 3);
  event.close();
}

}  // namespace tributary::internal::demo
