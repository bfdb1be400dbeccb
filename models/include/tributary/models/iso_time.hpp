#pragma once

#include <optional>
#include <string_view>

#include <date/date.h>

#include "tributary/models/user_event.hpp"

namespace tributary::models {

/// Parses a strict ISO-8601 calendar date `YYYY-MM-DD` (nothing before or after it), as
/// given on a command line or in an API query; nullopt when it is not a real calendar day.
std::optional<date::sys_days> parse_iso_date(std::string_view text);

/// Parses an ISO-8601 date or date-time to the UTC instant it names; nullopt when invalid.
///
/// Accepted: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DD(T| )HH:MM[:SS[.fraction]]` followed
/// by an optional `Z` or `+HH`, `+HH:MM`, `+HHMM` (or `-`) offset; no offset means UTC. The
/// calendar (no 2024-02-30) and the clock (hours 0-23, minutes and seconds 0-59) are
/// checked. Fractions beyond microseconds are truncated. `T` and `Z` may be lower case.
std::optional<Timestamp> parse_iso8601(std::string_view text);

}  // namespace tributary::models
