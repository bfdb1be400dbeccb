// read_event_fast(): what the fast reader takes itself (and then reads exactly as the
// reference, read_event(), does), and what it declines so that the reference reads it.
#include "../../../models/src/event_reader_simd.hpp"

#include <cstddef>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "models_test_events.hpp"
#include "tributary/demo/generator.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::models {
namespace {

using internal::read_event;
using internal::read_event_fast;
using internal::ReadStatus;
using test_events::kDesignEvent;
using test_events::with;
using test_events::with_raw;

constexpr std::size_t kDepth = PayloadLimits{}.max_depth;

/// Whether the fast reader takes `text`; when it does, a test failure unless the reference
/// accepts it too and reads the same event.
bool taken(std::string_view text, std::size_t max_depth = kDepth) {
  UserEvent fast;
  if (!read_event_fast(text, max_depth, fast)) {
    EXPECT_EQ(fast, UserEvent{}) << "declined, but left a half-read event: " << text;
    return false;
  }
  UserEvent reference;
  const internal::ReadResult result = read_event(text, max_depth, reference);
  EXPECT_EQ(result.status, ReadStatus::kAccepted) << result.message << "\n  text: " << text;
  EXPECT_EQ(fast, reference) << text;
  return true;
}

TEST(FastEventReader, TakesTheDesignEvent) { EXPECT_TRUE(taken(kDesignEvent)); }

TEST(FastEventReader, TakesTheCoercionsItReadsExactly) {
  EXPECT_TRUE(taken(with("/user_id", "4711")));
  EXPECT_TRUE(taken(with("/user_id", "-007")));
  std::string negative_zero = with("/amp_id", 0);
  negative_zero.replace(negative_zero.find("\"amp_id\":0"), 10, "\"amp_id\":-0");
  EXPECT_TRUE(taken(negative_zero));
  EXPECT_TRUE(taken(with_raw(R"("x":-0,)")));
  EXPECT_TRUE(taken(with("/data/user_properties_updated", " TRUE ")));
  EXPECT_TRUE(taken(with("/user_properties/user_corporate_is_demo", "false")));
  EXPECT_TRUE(taken(with("/user_properties/user_corporate_id", nullptr)));
  EXPECT_TRUE(taken(with("/user_properties/user_corporate_status", "AcTiVe")));
  EXPECT_TRUE(taken(with("/country", " nUlL\t")));
  EXPECT_TRUE(taken(with("/city", nullptr)));
  EXPECT_TRUE(taken(with("/region", "null")));
  EXPECT_TRUE(taken(with("/data/group_ids", nullptr)));
  EXPECT_TRUE(taken(with("/data/group_first_event", nlohmann::ordered_json::object())));
  EXPECT_TRUE(taken(with("/date", "2024-01-05T23:30:00-02:00")));
  EXPECT_TRUE(taken(with("/user_properties/user_signup_date", "2023-11-02 09:14:00.123456789Z")));
  EXPECT_TRUE(taken(with("/device_id", std::string(36, 'x'))));
}

TEST(FastEventReader, TakesEscapesAndNonAsciiText) {
  EXPECT_TRUE(taken(with("/data/path", "/a\"b\\c/d\n\t\x01\xC3\xA9\xF0\x9F\x98\x80")));
  std::string text = with("/event_type", "");
  text.replace(text.find("\"event_type\":\"\""), 15,
               R"("event_type":"\u00e9\/\ud83d\ude00\b\f\r")");
  EXPECT_TRUE(taken(text));
  EXPECT_TRUE(taken(with("/data/group_ids", nlohmann::ordered_json::parse(
                                                R"({"q\"\\\n\u0001\u007f":["\u00e9",1,-2]})"))));
}

TEST(FastEventReader, TakesExtrasWithTheNestingAndOrderOfTheEvent) {
  EXPECT_TRUE(taken(with_raw(R"("plan":"team","n":18446744073709551615,)")));
  EXPECT_TRUE(taken(with_raw(R"("referrer":{"a":[1,true,null,{"b":"c"}],"d":[]},)", "data")));
  EXPECT_TRUE(taken(with_raw(R"("seats":12,"tags":["x"],)", "user_properties")));
  // Event, then data (inside), then event again after data: {"a":..,"data":{..},"z":..}.
  std::string text = with_raw(R"("a":1,)");
  text.insert(text.size() - 1, R"(,"z":{"k":[]})");
  text.insert(text.find("\"data\":{") + 8, R"("inner":"x",)");
  text.insert(text.find("\"user_properties\":{") + 19, R"("up":false,)");
  EXPECT_TRUE(taken(text));
  UserEvent event;
  ASSERT_TRUE(read_event_fast(text, kDepth, event));
  ASSERT_TRUE(event.extras.has_value());
  EXPECT_EQ(event.extras->front(), '{');
  EXPECT_NE(event.extras->find(R"("inner":"x")"), std::string::npos) << *event.extras;
}

// Numbers the reference reads from their text, or nlohmann writes in its own float format.
TEST(FastEventReader, DeclinesNumbersThatAreNotPlainIntegers) {
  EXPECT_FALSE(taken(with_raw(R"("x":1.5,)")));
  std::string text = with("/amp_id", 0);
  text.replace(text.find("\"amp_id\":0"), 10, "\"amp_id\":987654321.0");
  EXPECT_FALSE(taken(text));
  text.replace(text.find("\"amp_id\":987654321.0"), 20, "\"amp_id\":9223372036854775808");
  EXPECT_FALSE(taken(text));
  EXPECT_FALSE(taken(with_raw(R"("x":123456789012345678901234567890,)")));
}

TEST(FastEventReader, DeclinesEveryRejection) {
  EXPECT_FALSE(taken(with("/device_id", "")));
  EXPECT_FALSE(taken(with("/device_id", std::string(37, 'x'))));
  EXPECT_FALSE(taken(with("/date", "2024-02-30")));
  EXPECT_FALSE(taken(with("/event_time", "12x")));
  EXPECT_FALSE(taken(with("/event_time", nullptr)));
  EXPECT_FALSE(taken(with("/data", "x")));
  EXPECT_FALSE(taken(with("/data/group_ids", nlohmann::ordered_json::array())));
  EXPECT_FALSE(taken(with("/data/user_properties_updated", "yes")));
  EXPECT_FALSE(taken(with("/city", std::string("a\0b", 3))));
  EXPECT_FALSE(taken(with_raw(R"("device_id":"d",)")));            // duplicate named key
  EXPECT_FALSE(taken(with_raw(R"("x":1,"x":2,)")));                // duplicate extra
  EXPECT_FALSE(taken(with_raw(R"("g":{"k":1,"k":2},)", "data")));  // duplicate inside
  EXPECT_FALSE(taken(with_raw(R"("a\u0000b":1,)")));               // NUL in a key
  EXPECT_FALSE(taken(with_raw(R"("x":"\ud800",)")));               // lone surrogate
  EXPECT_FALSE(taken(with_raw(R"("x":"\udc00",)")));               // lone low surrogate
  EXPECT_FALSE(taken(with_raw(R"("x":"\udfff",)")));
  EXPECT_FALSE(taken(with_raw(R"("x":"\ud800\u0041",)")));  // high, then no low
  EXPECT_FALSE(taken(with_raw(R"("\udc00":1,)")));          // in a key
  EXPECT_FALSE(taken(R"({"date":"2024-01-05"})"));          // missing fields
  EXPECT_FALSE(taken("17"));
  EXPECT_FALSE(taken("[1,2]"));
}

TEST(FastEventReader, DeclinesTextThatIsNotJsonOrNotPlainlyAnObject) {
  const std::string event(kDesignEvent);
  EXPECT_FALSE(taken(event.substr(0, event.size() - 1)));
  EXPECT_FALSE(taken(event + "x"));
  EXPECT_FALSE(taken(event + " {}"));
  EXPECT_FALSE(taken(" " + event));
  EXPECT_FALSE(taken("\xEF\xBB\xBF" + event));
  std::string broken = with("/data/path", "@");
  broken.replace(broken.find('@'), 1, "\xC3");  // a UTF-8 sequence cut short
  EXPECT_FALSE(taken(broken));
  EXPECT_FALSE(taken(with_raw(R"("x":tru,)")));
  EXPECT_FALSE(taken(with_raw("\"x\":\"a\tb\",")));  // a raw control character
  EXPECT_FALSE(taken(""));
}

TEST(FastEventReader, DeclinesWhatItsOwnBoundsLeaveToTheReference) {
  std::string deep = "1";
  for (int i = 0; i < 16; ++i) deep = "[" + deep + "]";
  EXPECT_FALSE(taken(with_raw("\"x\":" + deep + ",")));
  std::string wide = "{";
  for (int i = 0; i < 33; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  EXPECT_FALSE(taken(with_raw("\"x\":" + wide + "},")));
  EXPECT_FALSE(taken(with_raw("\"x\":\"" + std::string(70'000, 'a') + "\",")));
}

TEST(FastEventReader, AppliesTheDepthLimitAsTheReference) {
  const std::string text = with_raw(R"("x":{"y":[1]},)", "data");  // [1] is level 4
  EXPECT_TRUE(taken(text, 4));
  EXPECT_FALSE(taken(text, 3));
  EXPECT_FALSE(taken(kDesignEvent, 2));  // the group objects are level 3
  EXPECT_FALSE(taken(kDesignEvent, 1));  // `data` is level 2
  EXPECT_FALSE(taken(kDesignEvent, 0));
}

// The demo API's events, one in twenty invalid: the fast reader takes nearly all valid
// ones, and reads every one it takes as the reference does (taken() checks).
TEST(FastEventReader, TakesNearlyEveryValidDemoEventAndAgreesOnAll) {
  DemoOptions options;
  options.events_per_day = 4000;
  options.invalid_rate = 0.05;
  std::size_t elements = 0;
  std::size_t valid = 0;
  std::size_t fast = 0;
  DemoGenerator(options).generate_day(
      date::sys_days{date::year{2024} / 1 / 15}, [&](const GeneratedEvent& e) {
        ++elements;
        if (!e.expected_reason) ++valid;
        if (taken(e.json)) {
          ++fast;
          EXPECT_FALSE(e.expected_reason.has_value()) << *e.expected_reason << ": " << e.json;
        }
      });
  ASSERT_GT(elements, 3000U);
  EXPECT_GT(static_cast<double>(fast), 0.97 * static_cast<double>(valid))
      << fast << " of " << valid << " valid events";
}

TEST(FastEventReader, TheReaderSettingSwitchesParseEvent) {
  for (const auto reader : {internal::JsonReader::kReference, internal::JsonReader::kFast}) {
    const test_events::ScopedJsonReader scoped(reader);
    EXPECT_EQ(internal::json_reader(), reader);
    EXPECT_EQ(test_events::accepted(kDesignEvent).device_id,
              "3f1c9a2e-8d4b-4c1e-9a7f-2b6d5e4c3a10");
  }
}

}  // namespace
}  // namespace tributary::models
