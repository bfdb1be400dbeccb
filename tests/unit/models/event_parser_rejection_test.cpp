// parse_event(): events that break a rule, each with exactly one `<dotted.path>: <rule>`.
#include "tributary/models/event_parser.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <variant>

#include <gtest/gtest.h>

#include "models_test_events.hpp"

namespace tributary::models {
namespace {

using nlohmann::ordered_json;
using test_events::reason;
using test_events::with;
using test_events::with_raw;
using test_events::without;

/// `"event_time":<raw>` in place of the design value, for numbers JSON libraries rewrite.
std::string with_raw_value(const std::string& key, std::string_view raw) {
  std::string text = with("/" + key, 0);
  const std::string member = '"' + key + "\":0";
  text.replace(text.find(member), member.size(), '"' + key + "\":" + std::string(raw));
  return text;
}

std::string nested(std::size_t levels) {
  return std::string(levels, '[') + std::string(levels, ']');
}

// Every test runs with each per-event reader (Readers/EventParserRejection.Name/fast, ...).
class EventParserRejection : public test_events::EachReader {};

class EventParserRequiredField
    : public ::testing::TestWithParam<std::tuple<internal::JsonReader, const char*>> {
 protected:
  const char* field() const { return std::get<1>(GetParam()); }

 private:
  test_events::ScopedJsonReader reader_{std::get<0>(GetParam())};
};

TEST_P(EventParserRequiredField, RejectsEventWithoutIt) {
  std::string pointer = std::string("/") + field();
  if (pointer == "/data.path") pointer = "/data/path";
  EXPECT_EQ(reason(without(pointer)), std::string(field()) + ": missing");
}

INSTANTIATE_TEST_SUITE_P(
    EventParser, EventParserRequiredField,
    ::testing::Combine(test_events::kEachReader,
                       ::testing::Values("date", "device_id", "event_time", "amp_id", "user_id",
                                         "server_upload_time", "server_received_time",
                                         "processed_time", "client_event_time",
                                         "client_upload_time", "event_type", "data_type", "data",
                                         "data.path", "user_properties")),
    [](const auto& info) {
      std::string name = std::get<1>(info.param);
      std::replace(name.begin(), name.end(), '.', '_');
      return name + "_" + test_events::reader_name(std::get<0>(info.param));
    });

TEST_P(EventParserRejection, ReportsMissingFieldsInFixedOrder) {
  EXPECT_EQ(reason(R"({"user_properties":{},"event_type":"x"})"), "date: missing");
  EXPECT_EQ(reason(R"({"date":"2024-01-05","device_id":"d"})"), "event_time: missing");
  EXPECT_EQ(reason(R"({})"), "date: missing");
}

TEST_P(EventParserRejection, ReportsFirstViolationInDocumentOrder) {
  EXPECT_EQ(reason(with_raw(R"("user_id":"x","device_id":"",)")), "user_id: not an integer");
  // A violation met while reading wins over a field found missing at the end.
  EXPECT_EQ(reason(R"({"device_id":""})"), "device_id: empty");
}

TEST_P(EventParserRejection, RejectsNonStringForStringFields) {
  EXPECT_EQ(reason(with("/device_id", 5)), "device_id: not a string");
  EXPECT_EQ(reason(with("/event_type", nullptr)), "event_type: not a string");
  EXPECT_EQ(reason(with("/data_type", ordered_json::array())), "data_type: not a string");
  EXPECT_EQ(reason(with("/country", 1)), "country: not a string");
  EXPECT_EQ(reason(with("/city", ordered_json::object())), "city: not a string");
  EXPECT_EQ(reason(with("/language", true)), "language: not a string");
  EXPECT_EQ(reason(with("/region", 2.5)), "region: not a string");
  EXPECT_EQ(reason(with("/data/path", nullptr)), "data.path: not a string");
  EXPECT_EQ(reason(with("/user_properties/user_role", 5)),
            "user_properties.user_role: not a string");
  EXPECT_EQ(reason(with("/user_properties/user_corporate_status", false)),
            "user_properties.user_corporate_status: not a string");
  EXPECT_EQ(reason(with("/date", 20240105)), "date: not a string");
  EXPECT_EQ(reason(with("/user_properties/user_signup_date", 1)),
            "user_properties.user_signup_date: not a string");
}

TEST_P(EventParserRejection, RejectsNonIntegerForEachIntegerField) {
  for (const char* field :
       {"event_time", "amp_id", "user_id", "server_upload_time", "server_received_time",
        "processed_time", "client_event_time", "client_upload_time"}) {
    const std::string expected = std::string(field) + ": not an integer";
    const std::string pointer = std::string("/") + field;
    EXPECT_EQ(reason(with(pointer, "12x")), expected);
    EXPECT_EQ(reason(with(pointer, 5.5)), expected);
    EXPECT_EQ(reason(with(pointer, true)), expected);
    EXPECT_EQ(reason(with(pointer, nullptr)), expected);
    EXPECT_EQ(reason(with(pointer, ordered_json::object())), expected);
  }
}

TEST_P(EventParserRejection, RejectsDigitStringsThatAreNotPlainIntegers) {
  for (const char* text : {"", "-", "+5", " 5", "5 ", "1e3", "5.0", "0x10", "--1"}) {
    EXPECT_EQ(reason(with("/amp_id", text)), "amp_id: not an integer") << text;
  }
}

TEST_P(EventParserRejection, RejectsNonIntegralNumbersWithExponent) {
  EXPECT_EQ(reason(with_raw_value("amp_id", "1.25e1")), "amp_id: not an integer");
  EXPECT_EQ(reason(with_raw_value("amp_id", "5.01")), "amp_id: not an integer");
  // Read exactly, not through a double: these would round to an integer.
  EXPECT_EQ(reason(with_raw_value("amp_id", "1e-400")), "amp_id: not an integer");
  EXPECT_EQ(reason(with_raw_value("amp_id", "9007199254740993.5")), "amp_id: not an integer");
  EXPECT_EQ(reason(with_raw_value("amp_id", "9.0071992547409935e15")), "amp_id: not an integer");
  EXPECT_EQ(reason(with_raw_value("amp_id", "123e-1")), "amp_id: not an integer");
}

TEST_P(EventParserRejection, RejectsNonIntegerCorporateId) {
  EXPECT_EQ(reason(with("/user_properties/user_corporate_id", "abc")),
            "user_properties.user_corporate_id: not an integer");
  EXPECT_EQ(reason(with("/user_properties/user_corporate_id", false)),
            "user_properties.user_corporate_id: not an integer");
}

TEST_P(EventParserRejection, RejectsIntegersBeyondInt64AsOutOfRange) {
  EXPECT_EQ(reason(with_raw_value("event_time", "9223372036854775808")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "-9223372036854775809")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "123456789012345678901234567890")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "99999999999999999999.0")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "1e19")), "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "9223372036854775808.0")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "-9.223372036854775809e18")),
            "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "1e300")), "event_time: out of range");
  EXPECT_EQ(reason(with_raw_value("event_time", "1e999")), "event_time: out of range");
  EXPECT_EQ(reason(with("/event_time", "99999999999999999999")), "event_time: out of range");
  EXPECT_EQ(reason(with("/user_properties/user_corporate_id", "-99999999999999999999")),
            "user_properties.user_corporate_id: out of range");
}

TEST_P(EventParserRejection, RejectsNonBooleans) {
  EXPECT_EQ(reason(with("/data/user_properties_updated", "yes")),
            "data.user_properties_updated: not a boolean");
  EXPECT_EQ(reason(with("/data/user_properties_updated", 1)),
            "data.user_properties_updated: not a boolean");
  EXPECT_EQ(reason(with("/user_properties/user_corporate_is_demo", "maybe")),
            "user_properties.user_corporate_is_demo: not a boolean");
  EXPECT_EQ(reason(with("/user_properties/user_corporate_is_demo", ordered_json::array())),
            "user_properties.user_corporate_is_demo: not a boolean");
}

TEST_P(EventParserRejection, RejectsNonObjects) {
  EXPECT_EQ(reason(with("/data", "x")), "data: not an object");
  EXPECT_EQ(reason(with("/data", ordered_json::array())), "data: not an object");
  EXPECT_EQ(reason(with("/data", nullptr)), "data: not an object");
  EXPECT_EQ(reason(with("/user_properties", 5)), "user_properties: not an object");
  EXPECT_EQ(reason(with("/data/group_ids", ordered_json::array())),
            "data.group_ids: not an object");
  EXPECT_EQ(reason(with("/data/group_ids", "17")), "data.group_ids: not an object");
  EXPECT_EQ(reason(with("/data/group_first_event", 0)), "data.group_first_event: not an object");
}

TEST_P(EventParserRejection, RejectsInvalidDates) {
  for (const char* text : {"2024-02-30", "2023-02-29", "2024-01-05T24:00:00", "2024-01-05T12:60",
                           "yesterday", "", "05/01/2024", "2024-01-05T00:00:00+25:00"}) {
    EXPECT_EQ(reason(with("/date", text)), "date: not a valid date") << text;
  }
  EXPECT_EQ(reason(with("/user_properties/user_signup_date", "2023-13-01")),
            "user_properties.user_signup_date: not a valid date");
}

TEST_P(EventParserRejection, RejectsEmptyDeviceId) {
  EXPECT_EQ(reason(with("/device_id", "")), "device_id: empty");
}

TEST_P(EventParserRejection, RejectsDeviceIdLongerThan36Chars) {
  EXPECT_EQ(reason(with("/device_id", std::string(37, 'a'))),
            "device_id: longer than 36 characters");
  std::string id;
  for (int i = 0; i < 37; ++i) id += "\xC3\xA9";
  EXPECT_EQ(reason(with("/device_id", id)), "device_id: longer than 36 characters");
}

TEST_P(EventParserRejection, RejectsNulInAnyStringValue) {
  EXPECT_EQ(reason(with("/city", std::string("Mad\0rid", 7))), "city: contains a NUL character");
  EXPECT_EQ(reason(with("/device_id", std::string("\0", 1))),
            "device_id: contains a NUL character");
  EXPECT_EQ(reason(with("/event_time", std::string("12\0", 3))),
            "event_time: contains a NUL character");
  EXPECT_EQ(reason(with("/user_properties/user_role", std::string("a\0", 2))),
            "user_properties.user_role: contains a NUL character");
}

TEST_P(EventParserRejection, RejectsNulInsideExtrasAndGroups) {
  EXPECT_EQ(reason(with_raw(R"("foo":{"bar":["a","b\u0000"]},)")),
            "foo.bar[1]: contains a NUL character");
  EXPECT_EQ(reason(with("/data/group_ids", ordered_json::parse(R"({"company":["17","\u0000"]})"))),
            "data.group_ids.company[1]: contains a NUL character");
  EXPECT_EQ(reason(with_raw(R"("x":"\u0000",)", "data")), "data.x: contains a NUL character");
}

TEST_P(EventParserRejection, RejectsNulInAKey) {
  EXPECT_EQ(reason(with_raw(R"("fo\u0000o":1,)")), R"(fo\u0000o: contains a NUL character)");
  EXPECT_EQ(reason(with_raw(R"("a\u0000":1,)", "user_properties")),
            R"(user_properties.a\u0000: contains a NUL character)");
  EXPECT_EQ(reason(with("/data/group_first_event", ordered_json::parse(R"({"c\u0000":1})"))),
            R"(data.group_first_event.c\u0000: contains a NUL character)");
}

TEST_P(EventParserRejection, RejectsDuplicateKeyAtItsPath) {
  EXPECT_EQ(reason(with_raw(R"("device_id":"x",)")), "device_id: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("foo":1,"foo":2,)")), "foo: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("path":"/x",)", "data")), "data.path: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("q":1,"q":1,)", "data")), "data.q: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("user_role":"x",)", "user_properties")),
            "user_properties.user_role: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("company":"1",)", "group_ids")),
            "data.group_ids.company: duplicate key");
  EXPECT_EQ(reason(with_raw(R"("n":{"k":1,"k":2},)")), "n.k: duplicate key");
}

TEST_P(EventParserRejection, RejectsElementThatIsNotAnObject) {
  for (const char* text : {"5", R"("x")", "[]", "null", "true", "[{}]", "1e999"}) {
    const EventOutcome outcome = parse_event(text, 3);
    ASSERT_TRUE(std::holds_alternative<Rejection>(outcome)) << text;
    EXPECT_EQ(std::get<Rejection>(outcome), (Rejection{3, "event: not an object", text}));
  }
}

TEST_P(EventParserRejection, RejectsNestingDeeperThanLimit) {
  std::string within = with_raw(R"("deep":)" + nested(63) + ",");  // the event is level 1
  EXPECT_EQ(reason(within), "<accepted>");
  EXPECT_EQ(reason(with_raw(R"("deep":)" + nested(64) + ",")),
            "event: nested deeper than 64 levels");
}

TEST_P(EventParserRejection, Rejects10000LevelNestingWithoutCrashing) {
  EXPECT_EQ(reason(with_raw(R"("deep":)" + nested(10000) + ",")),
            "event: nested deeper than 64 levels");
  EXPECT_EQ(reason(nested(10000)), "event: not an object");
  std::string objects;
  for (int i = 0; i < 10000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(10000, '}');
  EXPECT_EQ(reason(objects), "event: nested deeper than 64 levels");
}

TEST_P(EventParserRejection, ReadsOnPastANumberBeyondADoubleToTellTextThatIsNotJson) {
  for (const char* text :
       {R"({"x":1e999}})", R"({"x":1e999, "y": })", R"({"x":[1e999, 2e999 3]})"}) {
    const EventOutcome outcome = parse_event(text, 0);
    ASSERT_TRUE(std::holds_alternative<Rejection>(outcome)) << text;
    EXPECT_EQ(std::get<Rejection>(outcome).reason.rfind("event: not valid JSON: ", 0), 0U)
        << text << ": " << std::get<Rejection>(outcome).reason;
  }
  EXPECT_EQ(reason(with_raw_value("event_time", "1e999")), "event_time: out of range");
  EXPECT_EQ(reason(with_raw(R"("big":[1e999, -1e999],)")), "big[0]: out of range");
}

TEST_P(EventParserRejection, RejectsTextThatIsNotJsonWithItsOriginalBytes) {
  const std::string text = R"({"date": tru})";
  const EventOutcome outcome = parse_event(text, 7);
  ASSERT_TRUE(std::holds_alternative<Rejection>(outcome));
  const auto& rejection = std::get<Rejection>(outcome);
  EXPECT_EQ(rejection.position, 7U);
  EXPECT_EQ(rejection.raw_json, text);
  EXPECT_EQ(rejection.reason.rfind("event: not valid JSON: ", 0), 0U) << rejection.reason;
}

TEST_P(EventParserRejection, RejectsInvalidUtf8AsNotValidJson) {
  const std::string reason_text = reason(with_raw("\"k\":\"\xC3\x28\","));
  EXPECT_EQ(reason_text.rfind("event: not valid JSON: ", 0), 0U) << reason_text;
  for (const char c : reason_text) EXPECT_LT(static_cast<unsigned char>(c), 0x80U);
}

TEST_P(EventParserRejection, NotValidJsonWinsOverAnEarlierRuleViolation) {
  const std::string text = with("/device_id", "") + " garbage";
  EXPECT_EQ(reason(text).rfind("event: not valid JSON: ", 0), 0U);
  EXPECT_EQ(reason("").rfind("event: not valid JSON: ", 0), 0U);
}

TEST_P(EventParserRejection, KeepsRawJsonByteForByte) {
  const std::string text = " {\"device_id\" : \"\" ,\n\t\"x\":\"\\u00e9\"} ";
  const EventOutcome outcome = parse_event(text, 0);
  ASSERT_TRUE(std::holds_alternative<Rejection>(outcome));
  EXPECT_EQ(std::get<Rejection>(outcome), (Rejection{0, "device_id: empty", text}));
}

// `\uD800`..`\uDFFF` escapes that are not a surrogate pair: valid JSON grammar, but no
// Unicode text, so Postgres could not store the value. Only that event is rejected.
TEST_P(EventParserRejection, RejectsALoneSurrogateEscapeInAValueWithItsPath) {
  constexpr const char* kReason = "city: invalid Unicode escape";
  EXPECT_EQ(reason(with_raw_value("city", R"("\ud800")")), kReason);
  EXPECT_EQ(reason(with_raw_value("city", R"("a\uDBFF\u0041b")")), kReason);  // high, not low
  EXPECT_EQ(reason(with_raw_value("city", R"("\ud800\ud800")")), kReason);    // high, high
  EXPECT_EQ(reason(with_raw_value("city", R"("\ud800\n")")), kReason);        // high, other escape
  EXPECT_EQ(reason(with_raw_value("city", R"("x\udc00")")), kReason);         // a lone low
  EXPECT_EQ(reason(with_raw_value("city", R"("\ud83d\ude00\udfff")")), kReason);
  EXPECT_EQ(reason(with_raw_value("event_time", R"("\ud800")")),
            "event_time: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("region_code":"\ud800",)")), "region_code: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("event_properties":{"foo":["ok","\udc00"]},)")),
            "event_properties.foo[1]: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("extra":"\ud800",)", "user_properties")),
            "user_properties.extra: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("team":["x","\udc00"],)", "group_ids")),
            "data.group_ids.team[1]: invalid Unicode escape");
  EXPECT_EQ(reason(R"(["\ud800"])"), "event: not an object");
  // nlohmann's message quotes the input: its words there do not count.
  EXPECT_EQ(reason(with_raw_value("city", R"("while parsing object key - \ud800")")), kReason);
}

TEST_P(EventParserRejection, RejectsALoneSurrogateEscapeInAKeyWithThePathOfItsObject) {
  EXPECT_EQ(reason(with_raw(R"("\ud800":1,)")), "event: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("k\udfff":1,)", "user_properties")),
            "user_properties: invalid Unicode escape");
  EXPECT_EQ(reason(with_raw(R"("nested":{"ok":[1,{"a\ud800b":2}]},)")),
            "nested.ok[1]: invalid Unicode escape");
}

TEST_P(EventParserRejection, AcceptsAValidSurrogatePair) {
  const UserEvent event = test_events::accepted(with_raw_value("city", R"("\ud83d\ude00")"));
  EXPECT_EQ(event.city, std::optional<std::string>("\xF0\x9F\x98\x80"));
  const UserEvent extra = test_events::accepted(with_raw(R"("\uD83D\uDE00":"\uDBFF\uDFFF",)"));
  EXPECT_EQ(extra.extras,
            std::optional<std::string>("{\"\xF0\x9F\x98\x80\":\"\xF4\x8F\xBF\xBF\"}"));
}

TEST_P(EventParserRejection, KeepsTheFirstViolationBeforeALoneSurrogate) {
  EXPECT_EQ(reason(with_raw(R"("user_id":"x","foo":"\ud800",)")), "user_id: not an integer");
  EXPECT_EQ(reason(with_raw(R"("foo":"\ud800","bar":1e999,)")), "foo: invalid Unicode escape");
}

TEST_P(EventParserRejection, TextThatIsNotJsonAfterALoneSurrogateIsStillNotJson) {
  for (const char* text :
       {R"({"city":"\ud800", junk})", R"({"city":"\ud800\x"})", R"({"city":"\ud800\u12"})",
        R"({"city":"\ud800)", R"({"a":"\udc00","b":tru})", "{\"a\":\"\\ud800\",\"b\":\"\xff\"}",
        R"({"a":{"- invalid string: surrogate U+]}})", "{\"a\":\"\\ud800\x17\"}"}) {
    EXPECT_EQ(reason(text).rfind("event: not valid JSON: ", 0), 0u) << text << ": " << reason(text);
  }
}

INSTANTIATE_TEST_SUITE_P(Readers, EventParserRejection, test_events::kEachReader,
                         test_events::ReaderName());

}  // namespace
}  // namespace tributary::models
