// The differential checks of the fuzz targets: the fast per-event reader against the
// reference (fuzz_checks.hpp).
#include <cstring>
#include <optional>
#include <string>
#include <variant>

#include "fuzz_checks.hpp"

namespace tributary::fuzz {

ScopedJsonReader::ScopedJsonReader(models::internal::JsonReader reader)
    : saved_(models::internal::json_reader()) {
  models::internal::set_json_reader(reader);
}

ScopedJsonReader::~ScopedJsonReader() { models::internal::set_json_reader(saved_); }

std::string first_difference(const models::UserEvent& a, const models::UserEvent& b) {
  const auto text = [](const std::optional<std::string>& s) { return s ? *s : "<null>"; };
  if (a.event_date != b.event_date) return "event_date";
  if (a.device_id != b.device_id) return "device_id: " + a.device_id + " | " + b.device_id;
  if (a.event_time != b.event_time || a.amp_id != b.amp_id || a.user_id != b.user_id ||
      a.server_upload_time != b.server_upload_time ||
      a.server_received_time != b.server_received_time || a.processed_time != b.processed_time ||
      a.client_event_time != b.client_event_time || a.client_upload_time != b.client_upload_time) {
    return "an integer field";
  }
  if (a.event_type != b.event_type || a.data_type != b.data_type) return "event_type/data_type";
  if (a.country != b.country || a.city != b.city || a.language != b.language ||
      a.region != b.region) {
    return "country/city/language/region";
  }
  if (a.data.path != b.data.path) return "data.path: " + a.data.path + " | " + b.data.path;
  if (a.data.group_first_event != b.data.group_first_event) {
    return "data.group_first_event: " + a.data.group_first_event + " | " + b.data.group_first_event;
  }
  if (a.data.group_ids != b.data.group_ids) {
    return "data.group_ids: " + a.data.group_ids + " | " + b.data.group_ids;
  }
  if (a.data.user_properties_updated != b.data.user_properties_updated) {
    return "data.user_properties_updated";
  }
  if (!(a.user_properties == b.user_properties)) return "user_properties";
  if (a.extras != b.extras) return "extras: " + text(a.extras) + " | " + text(b.extras);
  return "";
}

void check_fast_reader(std::string_view text, std::size_t max_depth) {
  models::UserEvent fast;
  if (!models::internal::read_event_fast(text, max_depth, fast)) {
    if (!(fast == models::UserEvent{})) fail("the fast reader declined, leaving a half-read event");
    return;
  }
  // The reference reads a raw NUL as the end of its input: its callers refuse it first.
  if (std::memchr(text.data(), 0, text.size()) != nullptr) {
    fail("the fast reader took a text holding a raw NUL byte", text);
  }
  models::UserEvent reference;
  const models::internal::ReadResult result =
      models::internal::read_event(text, max_depth, reference);
  if (result.status == models::internal::ReadStatus::kInvalidJson) {
    fail("the fast reader took what the reference finds not JSON: " + result.message, text);
  }
  if (result.status == models::internal::ReadStatus::kRejected) {
    fail("the fast reader took what the reference rejects: " + result.message, text);
  }
  if (!(fast == reference)) {
    fail("the readers read different events (fast | reference): " +
             first_difference(fast, reference),
         text);
  }
}

void check_same_outcome(const models::EventOutcome& a, const models::EventOutcome& b,
                        std::string_view what) {
  const auto* event_a = std::get_if<models::UserEvent>(&a);
  const auto* event_b = std::get_if<models::UserEvent>(&b);
  if ((event_a == nullptr) != (event_b == nullptr)) {
    const auto& rejection = std::get<models::Rejection>(event_a == nullptr ? a : b);
    fail(std::string(what) + ": one accepted, the other rejected", rejection.reason);
  }
  if (event_a != nullptr) {
    if (!(*event_a == *event_b)) {
      fail(std::string(what) + ": different events: " + first_difference(*event_a, *event_b));
    }
    return;
  }
  const auto& rejection_a = std::get<models::Rejection>(a);
  const auto& rejection_b = std::get<models::Rejection>(b);
  if (!(rejection_a == rejection_b)) {
    fail(std::string(what) + ": different rejections",
         rejection_a.reason + " | " + rejection_b.reason);
  }
}

}  // namespace tributary::fuzz
