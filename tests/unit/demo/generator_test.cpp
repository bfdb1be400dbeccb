// DemoGenerator: determinism, volumes, invalid events with their exact reasons, duplicate
// keys within and across days, null variants, and speed.

#include "tributary/demo/generator.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/error.hpp"
#include "tributary/models/event_parser.hpp"

namespace tributary {
namespace {

using nlohmann::json;

constexpr date::sys_days kFriday{date::year{2024} / 1 / 5};
constexpr date::sys_days kSaturday{date::year{2024} / 1 / 6};
constexpr std::int64_t kMsPerDay = 86'400'000;

DemoOptions options(std::uint64_t seed = 42, std::size_t events_per_day = 2000,
                    double invalid_rate = 0.01) {
  DemoOptions o;
  o.seed = seed;
  o.events_per_day = events_per_day;
  o.invalid_rate = invalid_rate;
  return o;
}

std::vector<GeneratedEvent> day_events(const DemoGenerator& generator, date::sys_days day) {
  std::vector<GeneratedEvent> events;
  generator.generate_day(day, [&](const GeneratedEvent& e) { events.push_back(e); });
  return events;
}

std::string day_text(const DemoGenerator& generator, date::sys_days day) {
  std::string text;
  generator.generate_day(day, [&](const GeneratedEvent& e) { text += e.json + '\n'; });
  return text;
}

std::int64_t day_start_ms(date::sys_days day) {
  return static_cast<std::int64_t>(day.time_since_epoch().count()) * kMsPerDay;
}

/// `"null"` in any case, surrounded by spaces or not.
bool is_null_word(const json& value) {
  if (!value.is_string()) return false;
  std::string text = value.get<std::string>();
  text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text == "null";
}

TEST(DemoGenerator, SameOptionsGiveByteIdenticalDays) {
  const DemoGenerator a(options());
  const DemoGenerator b(options());
  EXPECT_EQ(day_text(a, kFriday), day_text(b, kFriday));
  EXPECT_EQ(day_text(a, kSaturday), day_text(a, kSaturday));
}

TEST(DemoGenerator, DifferentSeedsOrDaysGiveDifferentEvents) {
  const DemoGenerator a(options(1));
  const DemoGenerator b(options(2));
  EXPECT_NE(day_text(a, kFriday), day_text(b, kFriday));
  EXPECT_NE(day_text(a, kFriday), day_text(a, kFriday + date::days{7}));
}

TEST(DemoGenerator, EmitsExactlyEventCountElements) {
  const DemoGenerator generator(options(7, 1234));
  for (auto day = kFriday - date::days{10}; day <= kFriday + date::days{30}; day += date::days{1}) {
    std::size_t emitted = 0;
    generator.generate_day(day, [&](const GeneratedEvent&) { ++emitted; });
    EXPECT_EQ(emitted, generator.event_count(day)) << date::format("%F", day);
  }
}

TEST(DemoGenerator, WeekdaysHaveEventsPerDayAndWeekendsAboutSixtyPercent) {
  const DemoGenerator generator(options(42, 1000));
  EXPECT_EQ(generator.event_count(kFriday), 1000u);
  EXPECT_EQ(generator.event_count(kSaturday), 600u);
  EXPECT_EQ(generator.event_count(kSaturday + date::days{1}), 600u);
  EXPECT_EQ(generator.event_count(kSaturday + date::days{2}), 1000u);
}

TEST(DemoGenerator, ServesOnlyTheConfiguredRange) {
  const DemoGenerator generator(options());  // all of January 2024
  EXPECT_TRUE(generator.serves(date::sys_days{date::year{2024} / 1 / 1}));
  EXPECT_TRUE(generator.serves(date::sys_days{date::year{2024} / 1 / 31}));
  EXPECT_FALSE(generator.serves(date::sys_days{date::year{2023} / 12 / 31}));
  EXPECT_FALSE(generator.serves(date::sys_days{date::year{2024} / 2 / 1}));
  EXPECT_EQ(generator.event_count(date::sys_days{date::year{2024} / 2 / 1}), 0u);
  EXPECT_TRUE(day_events(generator, date::sys_days{date::year{2024} / 2 / 1}).empty());
}

TEST(DemoGenerator, InvalidFractionFollowsInvalidRateAndEachHasAReason) {
  const DemoGenerator generator(options(3, 20'000, 0.05));
  std::size_t invalid = 0;
  generator.generate_day(kFriday, [&](const GeneratedEvent& e) {
    if (!e.expected_reason) return;
    ++invalid;
    EXPECT_FALSE(e.expected_reason->empty());
    EXPECT_NE(e.expected_reason->find(": "), std::string::npos) << *e.expected_reason;
  });
  EXPECT_NEAR(static_cast<double>(invalid) / 20'000, 0.05, 0.01);
  std::size_t none = 0;
  DemoGenerator(options(3, 5000, 0.0)).generate_day(kFriday, [&](const GeneratedEvent& e) {
    none += e.expected_reason.has_value();
  });
  EXPECT_EQ(none, 0u);
}

TEST(DemoGenerator, EveryInvalidKindAppearsWithItsExactReason) {
  const std::set<std::string> expected{
      "event: not an object",
      "device_id: longer than 36 characters",
      "device_id: empty",
      "date: not a valid date",
      "event_time: not an integer",
      "amp_id: missing",
      "event_type: not a string",
      "data: not an object",
      "data.path: missing",
      "data.user_properties_updated: not a boolean",
      "city: contains a NUL character",
      "user_properties: missing",
      "user_properties.user_corporate_id: not an integer",
      "user_properties.user_signup_date: not a valid date",
  };
  std::set<std::string> seen;
  DemoGenerator(options(5, 3000, 0.5)).generate_day(kFriday, [&](const GeneratedEvent& e) {
    if (e.expected_reason) seen.insert(*e.expected_reason);
  });
  EXPECT_EQ(seen, expected);
}

TEST(DemoGenerator, ExpectedOutcomesAreWhatTheValidatorDecides) {
  const DemoGenerator generator(options(11, 5000, 0.2));
  std::size_t position = 0;
  generator.generate_day(kFriday, [&](const GeneratedEvent& e) {
    const auto outcome = models::parse_event(e.json, position++);
    if (e.expected_reason) {
      const auto* rejection = std::get_if<models::Rejection>(&outcome);
      ASSERT_NE(rejection, nullptr) << e.json;
      EXPECT_EQ(rejection->reason, *e.expected_reason) << e.json;
    } else {
      const auto* event = std::get_if<models::UserEvent>(&outcome);
      ASSERT_NE(event, nullptr) << std::get<models::Rejection>(outcome).reason << "\n" << e.json;
      EXPECT_EQ(event->device_id, e.device_id);
      EXPECT_EQ(event->event_time, e.event_time);
    }
  });
}

TEST(DemoGenerator, ValidEventsAreObjectsWithEveryRequiredField) {
  const DemoGenerator generator(options(9, 4000, 0.02));
  std::size_t valid = 0;
  generator.generate_day(kFriday, [&](const GeneratedEvent& e) {
    if (e.expected_reason) return;
    ++valid;
    const json event = json::parse(e.json);
    ASSERT_TRUE(event.is_object()) << e.json;
    for (const char* key : {"date", "device_id", "event_type", "data_type"}) {
      ASSERT_TRUE(event.contains(key) && event[key].is_string()) << key << ": " << e.json;
    }
    for (const char* key :
         {"event_time", "amp_id", "user_id", "server_upload_time", "server_received_time",
          "processed_time", "client_event_time", "client_upload_time"}) {
      ASSERT_TRUE(event.contains(key)) << key << ": " << e.json;
    }
    ASSERT_TRUE(event["data"].is_object() && event["data"]["path"].is_string()) << e.json;
    ASSERT_TRUE(event["user_properties"].is_object()) << e.json;
    EXPECT_EQ(event["device_id"].get<std::string>(), e.device_id);
    EXPECT_EQ(e.device_id.size(), 36u);
    EXPECT_EQ(event["event_time"].get<std::int64_t>(), e.event_time);
    const auto date = event["date"].get<std::string>();
    EXPECT_EQ(date.size(), 19u) << date;
    const std::int64_t upload = event["server_upload_time"].get<std::int64_t>();
    EXPECT_GT(upload, event["client_upload_time"].get<std::int64_t>());
    EXPECT_GT(event["client_upload_time"].get<std::int64_t>(),
              event["client_event_time"].get<std::int64_t>());
    EXPECT_GT(event["server_received_time"].get<std::int64_t>(), upload);
    EXPECT_GT(event["processed_time"].get<std::int64_t>(),
              event["server_received_time"].get<std::int64_t>());
  });
  EXPECT_GT(valid, 3800u);
}

TEST(DemoGenerator, EventTimesLieInTheirDayAndAreRoughlySorted) {
  const DemoGenerator generator(options(4, 5000));
  std::int64_t previous = 0;
  std::size_t increasing = 0;
  std::size_t pairs = 0;
  for (const auto& e : day_events(generator, kFriday)) {
    if (e.expected_reason) continue;
    const json event = json::parse(e.json);
    const auto date = event["date"].get<std::string>().substr(0, 10);
    const auto day = date == "2024-01-05" ? kFriday : kFriday - date::days{1};
    EXPECT_TRUE(date == "2024-01-05" || date == "2024-01-04") << date;
    EXPECT_GE(e.event_time, day_start_ms(day));
    EXPECT_LT(e.event_time, day_start_ms(day) + kMsPerDay);
    if (previous != 0) {
      ++pairs;
      increasing += e.event_time > previous;
    }
    previous = e.event_time;
  }
  EXPECT_GT(static_cast<double>(increasing) / static_cast<double>(pairs), 0.98);
}

TEST(DemoGenerator, RepeatsKeysWithinADayWithALaterUploadTime) {
  const DemoGenerator generator(options(6, 10'000));
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> first_upload;
  std::size_t repeats = 0;
  for (const auto& e : day_events(generator, kFriday)) {
    if (e.expected_reason) continue;
    const auto upload = json::parse(e.json)["server_upload_time"].get<std::int64_t>();
    const auto [it, inserted] = first_upload.emplace(std::pair{e.device_id, e.event_time}, upload);
    if (inserted) continue;
    ++repeats;
    EXPECT_GT(upload, it->second);
  }
  // 0.5% of 10,000 re-send a key of the same day; 0.3% one of the day before.
  EXPECT_GT(repeats, 20u);
  EXPECT_LT(repeats, 100u);
}

TEST(DemoGenerator, ResendsKeysOfThePreviousDayWithItsDateAndALaterUploadTime) {
  const DemoGenerator generator(options(8, 10'000));
  const auto previous_day = kFriday - date::days{1};
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> previous;
  for (const auto& e : day_events(generator, previous_day)) {
    if (e.expected_reason) continue;
    previous.emplace(std::pair{e.device_id, e.event_time},
                     json::parse(e.json)["server_upload_time"].get<std::int64_t>());
  }
  std::size_t resent = 0;
  for (const auto& e : day_events(generator, kFriday)) {
    if (e.expected_reason || e.event_time >= day_start_ms(kFriday)) continue;
    const json event = json::parse(e.json);
    EXPECT_EQ(event["date"].get<std::string>().substr(0, 10), "2024-01-04");
    const auto it = previous.find({e.device_id, e.event_time});
    ASSERT_NE(it, previous.end()) << e.json;
    EXPECT_GT(event["server_upload_time"].get<std::int64_t>(), it->second);
    ++resent;
  }
  EXPECT_GT(resent, 10u);
  EXPECT_LT(resent, 60u);
}

TEST(DemoGenerator, TheFirstDayServedResendsNoKeysOfTheDayBefore) {
  const DemoGenerator generator(options(8, 10'000));
  const date::sys_days first{date::year{2024} / 1 / 1};
  for (const auto& e : day_events(generator, first)) {
    if (e.expected_reason) continue;
    EXPECT_GE(e.event_time, day_start_ms(first)) << e.json;
    EXPECT_EQ(json::parse(e.json)["date"].get<std::string>().substr(0, 10), "2024-01-01");
  }
  DemoOptions later = options(8, 10'000);
  later.from = first - date::days{1};
  EXPECT_NE(generator.etag(first), DemoGenerator(later).etag(first));
  EXPECT_EQ(generator.etag(kFriday), DemoGenerator(later).etag(kFriday));
}

TEST(DemoGenerator, OptionalFieldsComeAsValuesNullsNullWordsOrAbsent) {
  std::map<std::string, std::size_t> counts;
  std::set<std::string> statuses;
  DemoGenerator(options(12, 10'000, 0.0)).generate_day(kFriday, [&](const GeneratedEvent& e) {
    const json event = json::parse(e.json);
    for (const char* key : {"country", "city"}) {
      const std::string k = key;
      if (!event.contains(key))
        ++counts[k + " absent"];
      else if (event[key].is_null())
        ++counts[k + " null"];
      else if (is_null_word(event[key]))
        ++counts[k + " null word"];
      if (event.contains(key) && event[key] == " Null ") ++counts[k + " spaced Null"];
    }
    if (event["data"].contains("group_ids") && event["data"]["group_ids"].is_null())
      ++counts["group_ids null"];
    if (event["data"].contains("group_first_event") &&
        event["data"]["group_first_event"].is_null()) {
      ++counts["group_first_event null"];
    }
    if (event.contains("session_id") || event["data"].contains("referrer") ||
        event["user_properties"].contains("plan")) {
      ++counts["extras"];
    }
    if (event["user_properties"].contains("user_corporate_status") &&
        event["user_properties"]["user_corporate_status"].is_string()) {
      statuses.insert(event["user_properties"]["user_corporate_status"].get<std::string>());
    }
  });
  for (const char* what :
       {"country absent", "country null", "country null word", "country spaced Null", "city absent",
        "city null", "city null word", "city spaced Null", "group_ids null",
        "group_first_event null", "extras"}) {
    EXPECT_GT(counts[what], 0u) << what;
  }
  EXPECT_TRUE(statuses.count("Active") && statuses.count("ACTIVE") && statuses.count("active"));
}

TEST(DemoGenerator, AFewHeavyUsersProduceManyEvents) {
  std::map<std::int64_t, std::size_t> per_user;
  DemoGenerator(options(13, 20'000, 0.0)).generate_day(kFriday, [&](const GeneratedEvent& e) {
    const json user = json::parse(e.json)["user_id"];
    per_user[user.is_string() ? std::stoll(user.get<std::string>()) : user.get<std::int64_t>()]++;
  });
  std::size_t busiest = 0;
  for (const auto& [user, count] : per_user) busiest = std::max(busiest, count);
  const double average = 20'000.0 / static_cast<double>(per_user.size());
  EXPECT_GT(static_cast<double>(busiest), 5 * average);
  EXPECT_LT(per_user.size(), 1000u);  // 1,000 users, not all active on one day
}

TEST(DemoGenerator, EtagIsStrongQuotedAndFollowsTheOptions) {
  const DemoGenerator generator(options());
  const std::string etag = generator.etag(kFriday);
  ASSERT_GE(etag.size(), 3u);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_EQ(etag, DemoGenerator(options()).etag(kFriday));
  EXPECT_NE(etag, generator.etag(kSaturday));
  EXPECT_NE(etag, DemoGenerator(options(43)).etag(kFriday));
  EXPECT_NE(etag, DemoGenerator(options(42, 2001)).etag(kFriday));
  EXPECT_NE(etag, DemoGenerator(options(42, 2000, 0.02)).etag(kFriday));
}

TEST(DemoGenerator, RejectsAnInvalidRateOutsideZeroToOne) {
  EXPECT_THROW(DemoGenerator(options(1, 10, 1.5)), ConfigError);
  EXPECT_THROW(DemoGenerator(options(1, 10, -0.1)), ConfigError);
  DemoOptions reversed = options();
  std::swap(reversed.from, reversed.to);
  EXPECT_THROW((DemoGenerator{reversed}), ConfigError);
}

TEST(DemoGenerator, GeneratesAHundredThousandEventsADayFast) {
  const DemoGenerator generator(options(42, 100'000));
  std::size_t bytes = 0;
  std::size_t events = 0;
  const auto start = std::chrono::steady_clock::now();
  generator.generate_day(kFriday, [&](const GeneratedEvent& e) {
    bytes += e.json.size() + 1;
    ++events;
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(events, 100'000u);
  std::printf("[ demo     ] generated %zu events, %.1f MB in %.3f s: %.0f MB/s\n", events,
              static_cast<double>(bytes) / 1e6, seconds,
              static_cast<double>(bytes) / 1e6 / seconds);
}

}  // namespace
}  // namespace tributary
