#include "tributary/models/copy_row.hpp"

#include <charconv>
#include <type_traits>

namespace tributary::models {
namespace {

void append_int(std::int64_t value, std::string& out) {
  char buffer[24];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, static_cast<std::size_t>(end - buffer));
}

void append_two(unsigned value, std::string& out) {
  out.push_back(static_cast<char>('0' + value / 10));
  out.push_back(static_cast<char>('0' + value % 10));
}

void append_date(date::sys_days day, std::string& out) {
  const date::year_month_day ymd{day};
  // Years 1-9999 (models/iso_time): four digits, no snprintf (a fifth of this function's
  // cost went there).
  const auto year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  append_two(year / 100, out);
  append_two(year % 100, out);
  out.push_back('-');
  append_two(static_cast<unsigned>(ymd.month()), out);
  out.push_back('-');
  append_two(static_cast<unsigned>(ymd.day()), out);
}

void append_timestamp(Timestamp t, std::string& out) {
  const auto day = date::floor<date::days>(t);
  append_date(day, out);
  const date::hh_mm_ss<std::chrono::microseconds> time{t - day};
  out.push_back(' ');
  append_two(static_cast<unsigned>(time.hours().count()), out);
  out.push_back(':');
  append_two(static_cast<unsigned>(time.minutes().count()), out);
  out.push_back(':');
  append_two(static_cast<unsigned>(time.seconds().count()), out);
  out.push_back('.');
  const auto micros = static_cast<unsigned>(time.subseconds().count());
  append_two(micros / 10000, out);
  append_two(micros / 100 % 100, out);
  append_two(micros % 100, out);
  out.append("+00");
}

void field_separator(std::string& out) { out.push_back('\t'); }

void append_optional_text(const std::optional<std::string>& value, std::string& out) {
  if (value) {
    append_copy_text(*value, out);
  } else {
    out.append("\\N");
  }
}

void append_optional_bool(const std::optional<bool>& value, std::string& out) {
  if (value) {
    out.push_back(*value ? 't' : 'f');
  } else {
    out.append("\\N");
  }
}

}  // namespace

void append_copy_text(std::string_view text, std::string& out) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* escaped = nullptr;
    switch (c) {
      case '\\': escaped = "\\\\"; break;
      case '\t': escaped = "\\t"; break;
      case '\n': escaped = "\\n"; break;
      case '\r': escaped = "\\r"; break;
      default: continue;
    }
    out.append(text.data() + start, i - start);
    out.append(escaped);
    start = i + 1;
  }
  out.append(text.data() + start, text.size() - start);
}

void append_copy_fields(const UserEvent& e, std::string& out) {
  append_copy_text(e.device_id, out);
  field_separator(out);
  append_int(e.event_time, out);
  field_separator(out);
  append_date(e.event_date, out);
  field_separator(out);
  append_copy_text(e.event_type, out);
  field_separator(out);
  append_copy_text(e.data_type, out);
  for (const auto value : {e.user_id, e.amp_id, e.server_upload_time, e.server_received_time,
                           e.processed_time, e.client_event_time, e.client_upload_time}) {
    field_separator(out);
    append_int(value, out);
  }
  for (const auto* value : {&e.country, &e.city, &e.language, &e.region}) {
    field_separator(out);
    append_optional_text(*value, out);
  }
  field_separator(out);
  append_copy_text(e.data.path, out);
  field_separator(out);
  append_copy_text(e.data.group_first_event, out);
  field_separator(out);
  append_copy_text(e.data.group_ids, out);
  field_separator(out);
  append_optional_bool(e.data.user_properties_updated, out);
  const auto& p = e.user_properties;
  field_separator(out);
  append_optional_text(p.initial_li_fat_id, out);
  field_separator(out);
  append_optional_text(p.initial_rtd_cid, out);
  field_separator(out);
  if (p.user_corporate_id) {
    append_int(*p.user_corporate_id, out);
  } else {
    out.append("\\N");
  }
  field_separator(out);
  append_optional_bool(p.user_corporate_is_demo, out);
  field_separator(out);
  append_optional_text(p.user_corporate_status, out);
  field_separator(out);
  if (p.user_signup_date) {
    append_timestamp(*p.user_signup_date, out);
  } else {
    out.append("\\N");
  }
  field_separator(out);
  append_optional_text(p.user_role, out);
  field_separator(out);
  append_optional_text(p.user_status, out);
  field_separator(out);
  append_optional_text(e.extras, out);
}

namespace {

// Postgres's epoch for dates and timestamps.
constexpr date::sys_days kPostgresEpoch = date::sys_days{date::year{2000} / 1 / 1};

template <typename T>
void append_big_endian(T value, std::string& out) {
  using U = std::make_unsigned_t<T>;
  auto bits = static_cast<U>(value);
  char bytes[sizeof(T)];
  for (std::size_t i = sizeof(T); i-- > 0;) {
    bytes[i] = static_cast<char>(bits & 0xFF);
    bits = static_cast<U>(bits >> 8);
  }
  out.append(bytes, sizeof bytes);
}

void append_binary_text(std::string_view text, std::string& out) {
  append_big_endian(static_cast<std::int32_t>(text.size()), out);
  out.append(text);
}

void append_binary_jsonb(std::string_view json, std::string& out) {
  append_big_endian(static_cast<std::int32_t>(json.size() + 1), out);
  out.push_back('\1');  // jsonb's binary form: version 1, then the JSON text
  out.append(json);
}

// An optional column: `append` writes the value's field, NULL when there is none.
template <typename T, typename Append>
void append_binary_optional(const std::optional<T>& value, Append append, std::string& out) {
  if (value) {
    append(*value, out);
  } else {
    append_binary_null(out);
  }
}

}  // namespace

void append_binary_field_count(std::uint16_t count, std::string& out) {
  append_big_endian(count, out);
}

void append_binary_int4(std::int32_t value, std::string& out) {
  append_big_endian(std::int32_t{4}, out);
  append_big_endian(value, out);
}

void append_binary_int8(std::int64_t value, std::string& out) {
  append_big_endian(std::int32_t{8}, out);
  append_big_endian(value, out);
}

void append_binary_bool(bool value, std::string& out) {
  append_big_endian(std::int32_t{1}, out);
  out.push_back(value ? '\1' : '\0');
}

void append_binary_null(std::string& out) { append_big_endian(std::int32_t{-1}, out); }

namespace {

// A timestamptz's binary form: microseconds since Postgres's epoch.
void append_binary_timestamptz(Timestamp t, std::string& out) {
  append_binary_int8(static_cast<std::int64_t>((t - Timestamp{kPostgresEpoch}).count()), out);
}

}  // namespace

void append_copy_binary_fields(const UserEvent& e, std::string& out) {
  append_binary_text(e.device_id, out);
  append_binary_int8(e.event_time, out);
  append_big_endian(std::int32_t{4}, out);
  append_big_endian(static_cast<std::int32_t>((e.event_date - kPostgresEpoch).count()), out);
  append_binary_text(e.event_type, out);
  append_binary_text(e.data_type, out);
  for (const auto value : {e.user_id, e.amp_id, e.server_upload_time, e.server_received_time,
                           e.processed_time, e.client_event_time, e.client_upload_time}) {
    append_binary_int8(value, out);
  }
  const auto text = [](std::string_view v, std::string& o) { append_binary_text(v, o); };
  const auto jsonb = [](std::string_view v, std::string& o) { append_binary_jsonb(v, o); };
  const auto boolean = [](bool v, std::string& o) { append_binary_bool(v, o); };
  for (const auto* value : {&e.country, &e.city, &e.language, &e.region}) {
    append_binary_optional(*value, text, out);
  }
  append_binary_text(e.data.path, out);
  append_binary_jsonb(e.data.group_first_event, out);
  append_binary_jsonb(e.data.group_ids, out);
  append_binary_optional(e.data.user_properties_updated, boolean, out);
  const auto& p = e.user_properties;
  append_binary_optional(p.initial_li_fat_id, text, out);
  append_binary_optional(p.initial_rtd_cid, text, out);
  append_binary_optional(
      p.user_corporate_id, [](std::int64_t v, std::string& o) { append_binary_int8(v, o); }, out);
  append_binary_optional(p.user_corporate_is_demo, boolean, out);
  append_binary_optional(p.user_corporate_status, text, out);
  append_binary_optional(p.user_signup_date, append_binary_timestamptz, out);
  append_binary_optional(p.user_role, text, out);
  append_binary_optional(p.user_status, text, out);
  append_binary_optional(e.extras, jsonb, out);
}

}  // namespace tributary::models
