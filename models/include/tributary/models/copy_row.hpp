#pragma once

#include <array>
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

/// Appends the event's fields in COPY text format (tab-separated, `\N` for NULL, special
/// characters escaped), without the trailing newline, in `kUserEventColumns` order.
void append_copy_fields(const UserEvent& event, std::string& out);

/// Appends `text` escaped for a COPY text-format field.
void append_copy_text(std::string_view text, std::string& out);

}  // namespace tributary::models
