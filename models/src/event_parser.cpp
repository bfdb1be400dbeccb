#include "tributary/models/event_parser.hpp"

#include <cstring>

#include <string>
#include <utility>

#include "event_fields.hpp"
#include "event_reader.hpp"
#include "event_reader_simd.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::models {

EventOutcome parse_event(std::string_view json_text, std::size_t position) {
  // nlohmann reads a raw NUL byte as the end of its input; JSON never holds one.
  if (std::memchr(json_text.data(), 0, json_text.size()) != nullptr) {
    std::string reason = "event: ";
    reason += internal::rule::kNotValidJson;
    reason += "a raw NUL byte";
    return Rejection{position, std::move(reason), std::string(json_text)};
  }
  UserEvent event;
  internal::ReadResult result =
      internal::read_event_default(json_text, PayloadLimits{}.max_depth, event);
  switch (result.status) {
    case internal::ReadStatus::kAccepted:
      return event;
    case internal::ReadStatus::kRejected:
      return Rejection{position, std::move(result.message), std::string(json_text)};
    case internal::ReadStatus::kInvalidJson:
      break;
  }
  std::string reason = "event: ";
  reason += internal::rule::kNotValidJson;
  reason += result.message;
  return Rejection{position, std::move(reason), std::string(json_text)};
}

}  // namespace tributary::models
