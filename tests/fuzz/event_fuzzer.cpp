// libFuzzer target: the text of one event through parse_event(). Checked on every input,
// abort() on violation:
//   - an accepted event obeys docs/validation.md (fuzz_checks.hpp), and the text is a JSON
//     object by nlohmann too;
//   - a rejection keeps the position and the exact text; `event: not valid JSON: ...` only
//     for text nlohmann refuses too, otherwise a known rule on JSON nlohmann accepts;
//   - the same text as the only element of a payload (`[` text `]`) through PayloadParser
//     gives the same event, or the same rejection;
//   - the two per-event readers agree: parse_event() gives the identical event or rejection
//     with the fast reader and with the reference alone, and whatever the fast reader takes
//     itself (at the default depth limit and at small ones) the reference reads the same.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_checks.hpp"
#include "tributary/models/event_parser.hpp"
#include "tributary/models/payload_parser.hpp"

namespace {

using tributary::fuzz::fail;
using tributary::fuzz::JsonVerdict;
namespace models = tributary::models;

constexpr std::size_t kPosition = 7;
constexpr std::string_view kNotValidJson = "event: not valid JSON: ";
constexpr std::string_view kBom = "\xEF\xBB\xBF";

class OneElement final : public models::EventSink {
 public:
  void on_event(models::UserEvent&& e, std::size_t position) override {
    ++count;
    if (position != 0) fail("the only element is not at position 0");
    event = std::move(e);
  }
  void on_rejection(models::Rejection&& r) override {
    ++count;
    rejection = std::move(r);
  }
  std::size_t count = 0;
  std::optional<models::UserEvent> event;
  std::optional<models::Rejection> rejection;
};

std::string_view trim_json_space(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const models::PayloadLimits limits;
  // Differential: the reference reader alone, then the fast one (the default) falling back.
  models::EventOutcome by_reference;
  {
    const tributary::fuzz::ScopedJsonReader reference(models::internal::JsonReader::kReference);
    by_reference = models::parse_event(text, kPosition);
  }
  const tributary::fuzz::ScopedJsonReader fast(models::internal::JsonReader::kFast);
  const models::EventOutcome outcome = models::parse_event(text, kPosition);
  tributary::fuzz::check_same_outcome(outcome, by_reference, "fast vs reference reader");
  tributary::fuzz::check_fast_reader(text, limits.max_depth);
  tributary::fuzz::check_fast_reader(text, 1 + size % 4);
  const JsonVerdict verdict = tributary::fuzz::json_verdict(text);

  const auto* event = std::get_if<models::UserEvent>(&outcome);
  const auto* rejection = std::get_if<models::Rejection>(&outcome);
  if (event != nullptr) {
    tributary::fuzz::check_event(*event, limits.max_depth);
  } else {
    if (rejection->position != kPosition) fail("rejection lost its position");
    if (rejection->raw_json != text)
      fail("rejection raw_json is not the text", rejection->raw_json);
    if (!tributary::fuzz::is_storable_text(rejection->reason)) {
      fail("rejection reason cannot be stored", rejection->reason);
    }
  }
  if (event != nullptr) {
    if (verdict != JsonVerdict::kOther)
      fail("an event was accepted from text that is not a JSON object");
  } else if (rejection->reason.starts_with(kNotValidJson)) {
    if (verdict != JsonVerdict::kInvalid) fail("valid JSON rejected as not valid JSON", text);
    return 0;  // `[` text `]` may be anything: several elements, a valid payload...
  } else {
    tributary::fuzz::check_rejection_reason(*rejection, limits.max_depth, limits.max_event_bytes);
    if (verdict == JsonVerdict::kInvalid)
      fail("text that is not JSON rejected by a rule", rejection->reason);
  }

  // The same text as the only element of a payload: the same outcome. A byte-order mark
  // may start a text, not an array element: it goes.
  std::string_view element = text;
  if (element.starts_with(kBom)) element.remove_prefix(kBom.size());
  std::string body = "[";
  body.append(element);
  body.append("]");
  OneElement sink;
  try {
    models::parse_payload(body, sink, limits);
  } catch (const models::PayloadError& e) {
    fail("parse_event read the text, PayloadParser refused it as a payload", e.what());
  }
  if (sink.count != 1) fail("the text became " + std::to_string(sink.count) + " payload elements");
  if (event != nullptr) {
    if (!sink.event || !(*sink.event == *event)) fail("PayloadParser gave another event");
  } else {
    if (!sink.rejection || sink.rejection->reason != rejection->reason) {
      fail("PayloadParser gave another outcome", rejection->reason);
    }
    if (sink.rejection->raw_json != trim_json_space(element)) {
      fail("PayloadParser kept other raw_json", sink.rejection->raw_json);
    }
  }
  return 0;
}
