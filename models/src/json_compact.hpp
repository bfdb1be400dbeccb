#pragma once
// Internal: a simdjson DOM value written as compact JSON, byte for byte as nlohmann's dump()
// writes the same value, for what the fast reader keeps as JSON (`data.group_*`, `extras`).

#include <cstddef>
#include <string>
#include <string_view>

#include <simdjson.h>

namespace tributary::models::internal {

/// Bounds of append_compact_json(), beyond which it declines.
struct CompactLimits {
  std::size_t max_depth;    ///< nesting level of the deepest container
  std::size_t max_members;  ///< members of one object (the duplicate-key search is linear)
};

/// Appends `text` as a JSON string as nlohmann's dump() writes it (ensure_ascii off): `"`,
/// `\` and control characters escaped (`\u00xx` in lower-case hex where there is no short
/// form), every other byte as it is.
void append_json_string(std::string& out, std::string_view text);

/// Appends `value`, at nesting level `level` (the event is 1), as dump() writes it. False
/// (with `out` partly written) for what the reference reader would reject or write
/// otherwise: a NUL in a string or key, a duplicate key, a container deeper than
/// `max_depth` (the event's limit), and, beyond `limits`, a double (dump() has its own
/// float format), deeper nesting or more members.
bool append_compact_json(std::string& out, simdjson::dom::element value, std::size_t level,
                         std::size_t max_depth, const CompactLimits& limits);

}  // namespace tributary::models::internal
