// parse_event(): events that are accepted, and how their fields are coerced and flattened.
#include "tributary/models/event_parser.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "models_test_events.hpp"

namespace tributary::models {
namespace {

using nlohmann::ordered_json;
using test_events::accepted;
using test_events::kDesignEvent;
using test_events::with;
using test_events::with_raw;
using test_events::without;

date::sys_days ymd(int year, unsigned month, unsigned day) {
  return date::sys_days{date::year{year} / date::month{month} / date::day{day}};
}

Timestamp at(date::sys_days day, int hours, int minutes, int seconds = 0) {
  return Timestamp{day} + std::chrono::hours{hours} + std::chrono::minutes{minutes} +
         std::chrono::seconds{seconds};
}

// Every test runs with each per-event reader (Readers/EventParser.Name/fast, .../reference).
class EventParser : public test_events::EachReader {};

TEST_P(EventParser, AcceptsDesignExampleWithEveryFieldFlattened) {
  const UserEvent event = accepted(kDesignEvent);
  EXPECT_EQ(event.event_date, ymd(2024, 1, 5));
  EXPECT_EQ(event.device_id, "3f1c9a2e-8d4b-4c1e-9a7f-2b6d5e4c3a10");
  EXPECT_EQ(event.event_time, 1704445200000);
  EXPECT_EQ(event.amp_id, 987654321);
  EXPECT_EQ(event.user_id, 4711);
  EXPECT_EQ(event.server_upload_time, 1704445200123);
  EXPECT_EQ(event.server_received_time, 1704445200150);
  EXPECT_EQ(event.processed_time, 1704445200300);
  EXPECT_EQ(event.client_event_time, 1704445200000);
  EXPECT_EQ(event.client_upload_time, 1704445200100);
  EXPECT_EQ(event.event_type, "page_view");
  EXPECT_EQ(event.data_type, "event");
  EXPECT_EQ(event.country, "Spain");
  EXPECT_EQ(event.city, "Madrid");
  EXPECT_EQ(event.language, "English");
  EXPECT_EQ(event.region, "Madrid");
  EXPECT_EQ(event.data.path, "/app/home");
  EXPECT_EQ(event.data.group_first_event, R"({"company":"17"})");
  EXPECT_EQ(event.data.group_ids, R"({"company":["17"]})");
  EXPECT_EQ(event.data.user_properties_updated, false);
  const UserProperties& props = event.user_properties;
  EXPECT_EQ(props.initial_li_fat_id, std::nullopt);
  EXPECT_EQ(props.initial_rtd_cid, std::nullopt);
  EXPECT_EQ(props.user_corporate_id, 17);
  EXPECT_EQ(props.user_corporate_is_demo, false);
  EXPECT_EQ(props.user_corporate_status, "active");
  EXPECT_EQ(props.user_role, "admin");
  EXPECT_EQ(props.user_signup_date, at(ymd(2023, 11, 2), 9, 14));
  EXPECT_EQ(props.user_status, "active");
  EXPECT_EQ(event.extras, std::nullopt);
}

TEST_P(EventParser, AcceptsMinimalEventWithOptionalFieldsAbsent) {
  const UserEvent event =
      accepted(R"({"date":"2024-01-05","device_id":"d","event_time":1,"amp_id":2,"user_id":3,)"
               R"("server_upload_time":4,"server_received_time":5,"processed_time":6,)"
               R"("client_event_time":7,"client_upload_time":8,"event_type":"","data_type":"",)"
               R"("data":{"path":""},"user_properties":{}})");
  EXPECT_EQ(event.event_type, "");
  EXPECT_EQ(event.data_type, "");
  EXPECT_EQ(event.country, std::nullopt);
  EXPECT_EQ(event.language, std::nullopt);
  EXPECT_EQ(event.data.group_first_event, "{}");
  EXPECT_EQ(event.data.group_ids, "{}");
  EXPECT_EQ(event.data.user_properties_updated, std::nullopt);
  EXPECT_EQ(event.user_properties, UserProperties{});
  EXPECT_EQ(event.client_upload_time, 8);
}

TEST_P(EventParser, CoercesIntegralFloatToInteger) {
  EXPECT_EQ(accepted(with("/event_time", ordered_json::parse("5.0"))).event_time, 5);
  EXPECT_EQ(accepted(with("/amp_id", ordered_json::parse("-12.000"))).amp_id, -12);
}

TEST_P(EventParser, CoercesIntegralFloatWrittenWithFractionOfZerosExactly) {
  std::string text = with("/event_time", 0);
  text.replace(text.find("\"event_time\":0"), 14, "\"event_time\":1704445200123.000");
  EXPECT_EQ(accepted(text).event_time, 1704445200123);
}

TEST_P(EventParser, CoercesIntegralFloatWithExponent) {
  std::string text = with("/user_id", 0);
  text.replace(text.find("\"user_id\":0"), 11, "\"user_id\":1.7e3");
  EXPECT_EQ(accepted(text).user_id, 1700);
}

// An integral number is read exactly from its text in every notation, never through a
// double: around 2^53, where doubles stop telling neighbouring integers apart, each value
// is kept as written.
TEST_P(EventParser, ReadsIntegralNumbersAround2To53ExactlyInEveryNotation) {
  const auto event_time = [](const std::string& raw) {
    std::string text = with("/event_time", 0);
    text.replace(text.find("\"event_time\":0"), 14, "\"event_time\":" + raw);
    return test_events::reason(text) == "<accepted>" ? accepted(text).event_time : -1;
  };
  for (const std::int64_t value : {9007199254740991LL, 9007199254740992LL, 9007199254740993LL}) {
    const std::string digits = std::to_string(value);
    EXPECT_EQ(event_time(digits), value);
    EXPECT_EQ(event_time(digits + ".0"), value);
    EXPECT_EQ(event_time(digits + ".000"), value);
    EXPECT_EQ(event_time(digits + "e0"), value);
    EXPECT_EQ(event_time(digits + "0E-1"), value);
    EXPECT_EQ(event_time(digits.substr(0, 1) + "." + digits.substr(1) + "e15"), value);
    EXPECT_EQ(event_time("-" + digits + ".0"), -value);
  }
  EXPECT_EQ(event_time("9223372036854775807.0"), INT64_MAX);
  EXPECT_EQ(event_time("-9.223372036854775808e18"), INT64_MIN);
  EXPECT_EQ(event_time("1e18"), 1000000000000000000LL);
  EXPECT_EQ(event_time("12300e-2"), 123);
  EXPECT_EQ(event_time("0.05e2"), 5);
  EXPECT_EQ(event_time("0e999999999999"), 0);
  EXPECT_EQ(event_time("-0.0"), 0);
}

TEST_P(EventParser, CoercesDigitStringToInteger) {
  EXPECT_EQ(accepted(with("/event_time", "1704445200999")).event_time, 1704445200999);
  EXPECT_EQ(accepted(with("/user_id", "-42")).user_id, -42);
  EXPECT_EQ(accepted(with("/user_id", "007")).user_id, 7);
  EXPECT_EQ(
      accepted(with("/user_properties/user_corporate_id", "17")).user_properties.user_corporate_id,
      17);
}

TEST_P(EventParser, AcceptsInt64Extremes) {
  EXPECT_EQ(accepted(with("/amp_id", INT64_MAX)).amp_id, INT64_MAX);
  EXPECT_EQ(accepted(with("/amp_id", INT64_MIN)).amp_id, INT64_MIN);
  EXPECT_EQ(accepted(with("/amp_id", "-9223372036854775808")).amp_id, INT64_MIN);
}

TEST_P(EventParser, NullOptionalIntegerBecomesNullopt) {
  EXPECT_EQ(accepted(with("/user_properties/user_corporate_id", nullptr))
                .user_properties.user_corporate_id,
            std::nullopt);
}

TEST_P(EventParser, CoercesBooleanWordsAnyCaseTrimmed) {
  EXPECT_EQ(accepted(with("/data/user_properties_updated", "true")).data.user_properties_updated,
            true);
  EXPECT_EQ(
      accepted(with("/data/user_properties_updated", " FALSE\t")).data.user_properties_updated,
      false);
  EXPECT_EQ(accepted(with("/user_properties/user_corporate_is_demo", "True"))
                .user_properties.user_corporate_is_demo,
            true);
  EXPECT_EQ(accepted(with("/user_properties/user_corporate_is_demo", true))
                .user_properties.user_corporate_is_demo,
            true);
}

TEST_P(EventParser, NullBooleanBecomesNullopt) {
  EXPECT_EQ(accepted(with("/data/user_properties_updated", nullptr)).data.user_properties_updated,
            std::nullopt);
  EXPECT_EQ(accepted(with("/user_properties/user_corporate_is_demo", nullptr))
                .user_properties.user_corporate_is_demo,
            std::nullopt);
}

TEST_P(EventParser, NullWordCountryAndCityBecomeNulloptAnyCaseTrimmed) {
  EXPECT_EQ(accepted(with("/country", "null")).country, std::nullopt);
  EXPECT_EQ(accepted(with("/country", " NULL ")).country, std::nullopt);
  EXPECT_EQ(accepted(with("/city", "\tNull\n")).city, std::nullopt);
  EXPECT_EQ(accepted(with("/city", nullptr)).city, std::nullopt);
  EXPECT_EQ(accepted(with("/country", "nullish")).country, "nullish");
}

TEST_P(EventParser, NullWordLanguageAndRegionAreKeptAsText) {
  EXPECT_EQ(accepted(with("/language", "null")).language, "null");
  EXPECT_EQ(accepted(with("/region", nullptr)).region, std::nullopt);
  EXPECT_EQ(accepted(with("/language", nullptr)).language, std::nullopt);
}

TEST_P(EventParser, LowerCasesCorporateStatus) {
  EXPECT_EQ(accepted(with("/user_properties/user_corporate_status", "SUSPENDED"))
                .user_properties.user_corporate_status,
            "suspended");
}

TEST_P(EventParser, KeepsOptionalUserPropertyStrings) {
  const UserEvent event = accepted(with("/user_properties/initial_li_fat_id", "li-1"));
  EXPECT_EQ(event.user_properties.initial_li_fat_id, "li-1");
  EXPECT_EQ(
      accepted(with("/user_properties/initial_rtd_cid", "rtd")).user_properties.initial_rtd_cid,
      "rtd");
}

TEST_P(EventParser, NullOrMissingGroupsBecomeEmptyObjects) {
  EXPECT_EQ(accepted(with("/data/group_ids", nullptr)).data.group_ids, "{}");
  EXPECT_EQ(accepted(with("/data/group_first_event", nullptr)).data.group_first_event, "{}");
  EXPECT_EQ(accepted(without("/data/group_ids")).data.group_ids, "{}");
}

TEST_P(EventParser, KeepsGroupObjectsAsCompactJsonInOriginalOrder) {
  const UserEvent event = accepted(with(
      "/data/group_ids", ordered_json::parse(R"({ "z" : [1, 2.5, null], "a" : {"b": true} })")));
  EXPECT_EQ(event.data.group_ids, R"({"z":[1,2.5,null],"a":{"b":true}})");
}

TEST_P(EventParser, KeepsEscapesAndNonAsciiInGroupJson) {
  std::string text = with("/data/group_ids", ordered_json::object());
  text.replace(text.find(R"("group_ids":{})"), 14,
               R"("group_ids":{"k\t":"a\"b\\c\u00e9\n\ud83d\ude00"})");
  EXPECT_EQ(accepted(text).data.group_ids, "{\"k\\t\":\"a\\\"b\\\\c\xC3\xA9\\n\xF0\x9F\x98\x80\"}");
}

TEST_P(EventParser, KeysNamedOnlyAtAnotherLevelGoToExtras) {
  std::string text = with_raw(R"("device_id":"x",)", "data");
  text.insert(text.find("\"user_properties\":{") + 19, R"("path":"/p",)");
  text.insert(1, R"("user_role":"r",)");
  EXPECT_EQ(accepted(text).extras,
            R"({"user_role":"r","data":{"device_id":"x"},"user_properties":{"path":"/p"}})");
}

TEST_P(EventParser, DateWithOffsetGivesUtcDay) {
  EXPECT_EQ(accepted(with("/date", "2024-01-05T23:30:00-02:00")).event_date, ymd(2024, 1, 6));
  EXPECT_EQ(accepted(with("/date", "2024-01-05T01:00:00+02:00")).event_date, ymd(2024, 1, 4));
  EXPECT_EQ(accepted(with("/date", "2024-01-05 12:00Z")).event_date, ymd(2024, 1, 5));
  EXPECT_EQ(accepted(with("/date", "2024-01-05")).event_date, ymd(2024, 1, 5));
}

TEST_P(EventParser, SignupDateBecomesUtcTimestamp) {
  EXPECT_EQ(accepted(with("/user_properties/user_signup_date", "2023-11-02T09:14:00.250+01:00"))
                .user_properties.user_signup_date,
            at(ymd(2023, 11, 2), 8, 14) + std::chrono::milliseconds{250});
  EXPECT_EQ(accepted(with("/user_properties/user_signup_date", "2023-11-02"))
                .user_properties.user_signup_date,
            Timestamp{ymd(2023, 11, 2)});
  EXPECT_EQ(
      accepted(with("/user_properties/user_signup_date", nullptr)).user_properties.user_signup_date,
      std::nullopt);
}

TEST_P(EventParser, AcceptsDeviceIdOf36CodePointsInMoreBytes) {
  std::string id;
  for (int i = 0; i < 36; ++i) id += "\xC3\xA9";  // é: 2 bytes, 1 character
  EXPECT_EQ(accepted(with("/device_id", id)).device_id, id);
}

TEST_P(EventParser, DecodesEscapedStrings) {
  const std::string text = with_raw(R"("device_id":"tab\there\nnew\\back\"quote",)");
  std::string fixed = text;
  // The design device_id comes later and would be a duplicate: rename it to an extra.
  fixed.replace(fixed.rfind("\"device_id\""), 11, "\"device_id2\"");
  const UserEvent event = accepted(fixed);
  EXPECT_EQ(event.device_id, "tab\there\nnew\\back\"quote");
}

TEST_P(EventParser, DecodesUnicodeEscapesAndSurrogatePairs) {
  std::string text = with("/data/path", "x");
  text.replace(text.find(R"("path":"x")"), 10, R"("path":"/caf\u00e9/\ud83d\ude00/ñ")");
  EXPECT_EQ(accepted(text).data.path, "/caf\xC3\xA9/\xF0\x9F\x98\x80/\xC3\xB1");
}

TEST_P(EventParser, KeepsUnknownTopLevelKeyInExtras) {
  EXPECT_EQ(accepted(with_raw(R"("foo":1,)")).extras, R"({"foo":1})");
}

TEST_P(EventParser, KeepsUnknownDataKeyInExtrasUnderData) {
  EXPECT_EQ(accepted(with_raw(R"("x":[1,{"y":"z"}],)", "data")).extras,
            R"({"data":{"x":[1,{"y":"z"}]}})");
}

TEST_P(EventParser, KeepsUnknownUserPropertyInExtrasUnderUserProperties) {
  EXPECT_EQ(accepted(with_raw(R"("y":"v",)", "user_properties")).extras,
            R"({"user_properties":{"y":"v"}})");
}

TEST_P(EventParser, MergesExtrasFromEveryLevelInDocumentOrder) {
  std::string text = with_raw(R"("b":{"c":null},"a":true,)");
  text.insert(text.find("\"data\":{") + 8, R"("x":1.5,)");
  text.insert(text.find("\"user_properties\":{") + 19, R"("y":"v",)");
  text.insert(text.find("\"data\":{") + 8, R"("w":-1,)");
  EXPECT_EQ(accepted(text).extras,
            R"({"b":{"c":null},"a":true,"data":{"w":-1,"x":1.5},"user_properties":{"y":"v"}})");
}

TEST_P(EventParser, KeepsNumberBeyond64BitsInExtrasWithoutCrashing) {
  const UserEvent event = accepted(with_raw(R"("big":123456789012345678901234567890,)"));
  EXPECT_EQ(event.extras, R"({"big":1.2345678901234568e+29})");
}

TEST_P(EventParser, AcceptsKeysInAnyOrderAndWhitespaceAnywhere) {
  const ordered_json design = test_events::design_json();
  ordered_json reversed = ordered_json::object();
  std::vector<std::string> keys;
  for (const auto& item : design.items()) keys.push_back(item.key());
  for (auto key = keys.rbegin(); key != keys.rend(); ++key) reversed[*key] = design[*key];
  const UserEvent event = accepted(" \n" + reversed.dump(4) + "\n\t");
  EXPECT_EQ(event.device_id, "3f1c9a2e-8d4b-4c1e-9a7f-2b6d5e4c3a10");
}

INSTANTIATE_TEST_SUITE_P(Readers, EventParser, test_events::kEachReader, test_events::ReaderName());

}  // namespace
}  // namespace tributary::models
