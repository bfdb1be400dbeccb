#pragma once

#include <cstddef>
#include <string_view>
#include <variant>

#include "tributary/models/user_event.hpp"

namespace tributary::models {

/// What one array element became: a typed event, or a rejection with its reason.
using EventOutcome = std::variant<UserEvent, Rejection>;

/// Validates and flattens the text of one JSON event by the rules of docs/validation.md.
/// Text that is not valid JSON is a Rejection with reason `event: not valid JSON: ...`.
EventOutcome parse_event(std::string_view json_text, std::size_t position);

}  // namespace tributary::models
