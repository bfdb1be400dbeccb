#pragma once
// Shared by the models unit tests: the example event of docs/api-format.md, small helpers,
// and the fixtures that run every parser test once with each per-event reader.

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../../../models/src/event_reader_simd.hpp"
#include "tributary/models/event_parser.hpp"

namespace tributary::models::internal {

/// How GoogleTest prints a reader in a test's parameter.
inline void PrintTo(JsonReader reader, std::ostream* out) {
  *out << (reader == JsonReader::kFast ? "the fast reader" : "the reference reader");
}

}  // namespace tributary::models::internal

namespace tributary::models::test_events {

/// Selects a per-event reader for the whole process while it lives, then restores the one
/// selected before.
class ScopedJsonReader {
 public:
  explicit ScopedJsonReader(internal::JsonReader reader) : saved_(internal::json_reader()) {
    internal::set_json_reader(reader);
  }
  ~ScopedJsonReader() { internal::set_json_reader(saved_); }
  ScopedJsonReader(const ScopedJsonReader&) = delete;
  ScopedJsonReader& operator=(const ScopedJsonReader&) = delete;

 private:
  internal::JsonReader saved_;
};

/// Both readers, to instantiate a suite with: `INSTANTIATE_TEST_SUITE_P(Readers, Suite,
/// kEachReader, ReaderName())`; the tests are named `Readers/Suite.Test/fast` and `.../reference`.
inline const auto kEachReader =
    ::testing::Values(internal::JsonReader::kFast, internal::JsonReader::kReference);

inline std::string reader_name(internal::JsonReader reader) {
  return reader == internal::JsonReader::kFast ? "fast" : "reference";
}

/// Names a test after its reader (and the rest of its parameter, when there is more).
struct ReaderName {
  std::string operator()(const ::testing::TestParamInfo<internal::JsonReader>& info) const {
    return reader_name(info.param);
  }
};

/// A suite whose tests run once per reader: `class Suite : public EachReader {};`.
class EachReader : public ::testing::TestWithParam<internal::JsonReader> {
 private:
  ScopedJsonReader reader_{GetParam()};
};

/// The example event of docs/api-format.md, byte for byte.
inline constexpr std::string_view kDesignEvent = R"({
  "date": "2024-01-05T00:00:00",
  "country": "Spain",
  "data": {"group_first_event": {"company": "17"}, "group_ids": {"company": ["17"]},
           "path": "/app/home", "user_properties_updated": false},
  "language": "English",
  "event_type": "page_view",
  "device_id": "3f1c9a2e-8d4b-4c1e-9a7f-2b6d5e4c3a10",
  "server_upload_time": 1704445200123,
  "server_received_time": 1704445200150,
  "user_id": 4711,
  "region": "Madrid",
  "processed_time": 1704445200300,
  "city": "Madrid",
  "user_properties": {"initial_li_fat_id": null, "initial_rtd_cid": null,
                      "user_corporate_id": 17, "user_corporate_is_demo": false,
                      "user_corporate_status": "Active", "user_role": "admin",
                      "user_signup_date": "2023-11-02T09:14:00", "user_status": "active"},
  "client_event_time": 1704445200000,
  "client_upload_time": 1704445200100,
  "amp_id": 987654321,
  "data_type": "event",
  "event_time": 1704445200000
})";

/// The design event as JSON, to be varied field by field.
inline nlohmann::ordered_json design_json() { return nlohmann::ordered_json::parse(kDesignEvent); }

/// The design event with the value at `pointer` (e.g. "/data/path") replaced.
inline std::string with(const std::string& pointer, nlohmann::ordered_json value) {
  nlohmann::ordered_json event = design_json();
  event[nlohmann::ordered_json::json_pointer(pointer)] = std::move(value);
  return event.dump();
}

/// The design event without the key at `pointer`.
inline std::string without(const std::string& pointer) {
  nlohmann::ordered_json event = design_json();
  const nlohmann::ordered_json::json_pointer path(pointer);
  event[path.parent_pointer()].erase(path.back());
  return event.dump();
}

/// The design event with `members` (raw JSON text, e.g. `"k":1,`) written right after the
/// opening brace of the object at `object_key` ("" for the event itself).
inline std::string with_raw(std::string_view members, std::string_view object_key = "") {
  std::string text = design_json().dump();
  std::size_t brace = 0;
  if (!object_key.empty()) {
    brace = text.find('"' + std::string(object_key) + "\":{") + object_key.size() + 3;
  }
  text.insert(brace + 1, members);
  return text;
}

/// The event parse_event() makes of `text`; a test failure when it is rejected.
inline UserEvent accepted(std::string_view text) {
  EventOutcome outcome = parse_event(text, 0);
  if (const auto* rejection = std::get_if<Rejection>(&outcome)) {
    ADD_FAILURE() << "rejected: " << rejection->reason << "\n  text: " << text;
    return {};
  }
  return std::get<UserEvent>(std::move(outcome));
}

/// The reason parse_event() gives for `text`, or "<accepted>".
inline std::string reason(std::string_view text) {
  const EventOutcome outcome = parse_event(text, 0);
  if (const auto* rejection = std::get_if<Rejection>(&outcome)) return rejection->reason;
  return "<accepted>";
}

}  // namespace tributary::models::test_events
