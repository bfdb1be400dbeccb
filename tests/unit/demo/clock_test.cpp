// The demo API's clock: late uploads, and only the events uploaded by now served. A day
// long past is whole, today is served in part and grows, yesterday lacks exactly its late
// uploads until they arrive, a day after today and a day with nothing uploaded yet are 404,
// and the ETag follows the served part.

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tributary/demo/generator.hpp"
#include "tributary/demo/server.hpp"
#include "tributary/error.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary::demo_clock_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr date::sys_days kToday{date::year{2024} / 1 / 17};  // a Wednesday
constexpr date::sys_days kYesterday = kToday - date::days{1};
constexpr std::int64_t kHourMs = 3'600'000;

models::Timestamp at(const char* text) { return *models::parse_iso8601(text); }

/// Noon of kToday: the clock most tests run at.
const models::Timestamp kNoon = at("2024-01-17T12:00:00Z");

std::int64_t ms(models::Timestamp time) {
  return std::chrono::floor<std::chrono::milliseconds>(time).time_since_epoch().count();
}

DemoOptions clock_options(double late_rate = 0.02, std::size_t events_per_day = 2000) {
  DemoOptions o;
  o.seed = 21;
  o.events_per_day = events_per_day;
  o.late_rate = late_rate;
  return o;
}

std::vector<GeneratedEvent> whole_day(const DemoGenerator& generator, date::sys_days day) {
  std::vector<GeneratedEvent> events;
  generator.generate_day(day, [&](const GeneratedEvent& e) { events.push_back(e); });
  return events;
}

std::vector<GeneratedEvent> served_part(const DemoGenerator& generator, date::sys_days day,
                                        models::Timestamp now) {
  std::vector<GeneratedEvent> events;
  generator.generate_served(day, now, [&](const GeneratedEvent& e) { events.push_back(e); });
  return events;
}

std::string as_array(const std::vector<GeneratedEvent>& events) {
  std::string body = "[";
  for (const auto& e : events) {
    if (body.size() > 1) body += ',';
    body += e.json;
  }
  return body + "]";
}

/// The whole day without the elements uploaded after `now`, in payload order.
std::vector<GeneratedEvent> uploaded_by(const std::vector<GeneratedEvent>& day,
                                        models::Timestamp now) {
  std::vector<GeneratedEvent> kept;
  for (const auto& e : day) {
    if (e.server_upload_time <= ms(now)) kept.push_back(e);
  }
  return kept;
}

std::int64_t field(const json& event, const char* key) { return event.at(key).get<std::int64_t>(); }

TEST(DemoClock, ServesADayWellBeforeNowWhole) {
  const DemoGenerator generator(clock_options());
  const auto day = kToday - date::days{10};
  EXPECT_EQ(generator.served_count(day, kNoon), generator.event_count(day));
  EXPECT_EQ(as_array(served_part(generator, day, kNoon)), as_array(whole_day(generator, day)));
  EXPECT_EQ(generator.etag(day, kNoon), generator.etag(day));
}

TEST(DemoClock, ServesTodayInPartAndThePartGrowsWithNow) {
  const DemoGenerator generator(clock_options());
  const std::size_t n = generator.event_count(kToday);
  const auto whole = whole_day(generator, kToday);
  std::size_t previous = 0;
  for (const char* now : {"2024-01-17T06:00:00Z", "2024-01-17T12:00:00Z", "2024-01-17T18:00:00Z",
                          "2024-01-17T23:59:59Z"}) {
    const auto served = served_part(generator, kToday, at(now));
    EXPECT_EQ(served.size(), generator.served_count(kToday, at(now))) << now;
    EXPECT_GT(served.size(), previous) << now;
    EXPECT_LT(served.size(), n) << now;  // late uploads are still to come, even at 23:59:59
    EXPECT_EQ(as_array(served), as_array(uploaded_by(whole, at(now)))) << now;
    for (const auto& e : served) EXPECT_LE(e.server_upload_time, ms(at(now))) << e.json;
    previous = served.size();
  }
  // Events spread over the day: about half of them are in by noon.
  EXPECT_NEAR(static_cast<double>(generator.served_count(kToday, kNoon)) / static_cast<double>(n),
              0.5, 0.05);
  EXPECT_EQ(generator.served_count(kToday, at("2024-01-17T00:00:00Z")), 0u);
}

TEST(DemoClock, ServesYesterdayWithoutExactlyTheLateUploadsStillToComeThenWithThem) {
  const DemoGenerator generator(clock_options(0.05));
  const auto whole = whole_day(generator, kYesterday);
  const auto served = served_part(generator, kYesterday, kNoon);
  std::set<std::pair<std::string, std::int64_t>> late_keys;
  for (const auto& day : {whole_day(generator, kYesterday - date::days{1}), whole}) {
    for (const auto& e : day) {
      if (e.late && !e.expected_reason) late_keys.emplace(e.device_id, e.event_time);
    }
  }
  std::size_t missing = 0;
  for (const auto& e : whole) {
    if (e.server_upload_time <= ms(kNoon)) continue;
    ++missing;
    // A late upload, or a re-send of a late event's key (after the late upload).
    EXPECT_TRUE(e.late || (!e.expected_reason && late_keys.count({e.device_id, e.event_time})))
        << e.json;
  }
  EXPECT_GT(missing, 10u);
  EXPECT_EQ(served.size(), whole.size() - missing);
  EXPECT_EQ(as_array(served), as_array(uploaded_by(whole, kNoon)));

  // Tomorrow noon some more have arrived; three days on, all of them.
  const auto tomorrow = kNoon + 24h;
  EXPECT_GT(generator.served_count(kYesterday, tomorrow), served.size());
  EXPECT_LT(generator.served_count(kYesterday, tomorrow), whole.size());
  const auto later = kNoon + 72h;
  EXPECT_EQ(generator.served_count(kYesterday, later), whole.size());
  EXPECT_EQ(as_array(served_part(generator, kYesterday, later)), as_array(whole));
  EXPECT_EQ(generator.etag(kYesterday, later), generator.etag(kYesterday));
}

TEST(DemoClock, ServesNothingForADayAfterToday) {
  const DemoGenerator generator(clock_options());
  const auto just_before_midnight = at("2024-01-17T23:59:59.999Z");
  EXPECT_EQ(generator.served_count(kToday + date::days{1}, just_before_midnight), 0u);
  EXPECT_TRUE(served_part(generator, kToday + date::days{1}, just_before_midnight).empty());
  EXPECT_GT(generator.served_count(kToday + date::days{1}, just_before_midnight + 12h), 0u);
}

TEST(DemoClock, UploadsAboutLateRateOfTheEventsBetweenAnHourAndThreeDaysLate) {
  const DemoGenerator generator(clock_options(0.1, 20'000));
  std::size_t late = 0;
  std::size_t within_a_day = 0;
  std::set<std::pair<std::string, std::int64_t>> seen;
  for (const auto& e : whole_day(generator, kToday)) {
    late += e.late;
    if (e.expected_reason) continue;
    const json event = json::parse(e.json);
    const std::int64_t delay = field(event, "server_upload_time") - e.event_time;
    EXPECT_EQ(field(event, "server_upload_time"), e.server_upload_time);
    EXPECT_GT(field(event, "client_upload_time"), e.event_time) << e.json;
    EXPECT_GT(field(event, "server_upload_time"), field(event, "client_upload_time")) << e.json;
    EXPECT_GT(field(event, "server_received_time"), field(event, "server_upload_time")) << e.json;
    EXPECT_GT(field(event, "processed_time"), field(event, "server_received_time")) << e.json;
    const bool repeat = !seen.emplace(e.device_id, e.event_time).second;
    if (e.late) {
      EXPECT_GE(delay, kHourMs) << e.json;
      EXPECT_LE(delay, 72 * kHourMs) << e.json;
      within_a_day += delay <= 24 * kHourMs;
    } else if (!repeat && e.event_time >= kToday.time_since_epoch().count() * 24 * kHourMs) {
      EXPECT_LT(delay, 10'000) << e.json;  // an original of the day, uploaded seconds later
    }
  }
  EXPECT_NEAR(static_cast<double>(late) / 20'000, 0.1, 0.01);
  EXPECT_GT(within_a_day * 2, late);  // most late uploads arrive within the first day

  std::size_t none = 0;
  DemoGenerator(clock_options(0.0)).generate_day(kToday, [&](const GeneratedEvent& e) {
    none += e.late;
  });
  EXPECT_EQ(none, 0u);
}

TEST(DemoClock, LateUploadsChangeNothingElseOfTheDay) {
  const auto on_time = whole_day(DemoGenerator(clock_options(0.0)), kToday);
  const auto with_late = whole_day(DemoGenerator(clock_options(0.05)), kToday);
  ASSERT_EQ(on_time.size(), with_late.size());
  std::size_t late = 0;
  std::size_t differ = 0;
  for (std::size_t i = 0; i < on_time.size(); ++i) {
    late += with_late[i].late && !with_late[i].expected_reason;
    if (on_time[i].json == with_late[i].json) continue;
    ++differ;
    EXPECT_NE(on_time[i].server_upload_time, with_late[i].server_upload_time) << i;
    EXPECT_EQ(on_time[i].device_id, with_late[i].device_id) << i;
    EXPECT_EQ(on_time[i].event_time, with_late[i].event_time) << i;
    EXPECT_EQ(on_time[i].expected_reason, with_late[i].expected_reason) << i;
  }
  EXPECT_GT(late, 0u);
  EXPECT_GE(differ, late);
  EXPECT_LE(differ, late + on_time.size() / 100);  // and a few re-sends of late events
}

TEST(DemoClock, ResendsKeysAfterTheirLateUploadSoDuplicatesStayValid) {
  const DemoGenerator generator(clock_options(0.5, 10'000));
  std::map<std::pair<std::string, std::int64_t>, std::int64_t> uploads;
  std::size_t repeats = 0;
  for (const auto day : {kYesterday, kToday}) {
    for (const auto& e : whole_day(generator, day)) {
      if (e.expected_reason) continue;
      const auto [it, inserted] =
          uploads.emplace(std::pair{e.device_id, e.event_time}, e.server_upload_time);
      if (inserted) continue;
      ++repeats;
      EXPECT_GT(e.server_upload_time, it->second) << e.json;
      it->second = e.server_upload_time;
    }
  }
  EXPECT_GT(repeats, 50u);
}

TEST(DemoClock, TheEtagChangesExactlyWhenTheServedPartDoes) {
  const DemoGenerator generator(clock_options());
  // Two readings of the clock with no upload between them: the same part, the same tag.
  auto now = kNoon;
  while (generator.served_count(kToday, now + 1ms) != generator.served_count(kToday, now)) {
    now += 1ms;
  }
  EXPECT_EQ(generator.etag(kToday, now), generator.etag(kToday, now + 1ms));
  // The next upload changes it, and every later part has its own.
  std::set<std::string> tags;
  std::set<std::size_t> counts;
  for (auto t = kNoon; t <= kNoon + 96h; t += 6h) {
    tags.insert(generator.etag(kToday, t));
    counts.insert(generator.served_count(kToday, t));
  }
  EXPECT_EQ(tags.size(), counts.size());
  EXPECT_GT(tags.size(), 5u);
  EXPECT_EQ(generator.etag(kToday, kNoon + 96h), generator.etag(kToday));
  EXPECT_NE(generator.etag(kToday, kNoon), generator.etag(kToday));
  // The late rate is part of what the bytes depend on.
  EXPECT_NE(generator.etag(kToday - date::days{10}),
            DemoGenerator(clock_options(0.03)).etag(kToday - date::days{10}));
}

TEST(DemoClock, RejectsALateRateOutsideZeroToOne) {
  EXPECT_THROW(DemoGenerator(clock_options(1.5)), ConfigError);
  EXPECT_THROW(DemoGenerator(clock_options(-0.1)), ConfigError);
  EXPECT_NO_THROW(DemoGenerator(clock_options(1.0)));
}

// --- over HTTP ---

DemoServerOptions clocked_server(std::optional<models::Timestamp> now) {
  DemoServerOptions options;
  options.data = clock_options();
  options.data.now = now;
  return options;
}

httplib::Result get_day(const DemoServer& server, date::sys_days day,
                        const std::string& if_none_match = {}) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(30, 0);
  httplib::Headers headers{{"api-token", "demo-token"}};
  if (!if_none_match.empty()) headers.emplace("If-None-Match", if_none_match);
  return client.Get("/events?date=" + date::format("%F", day), headers);
}

TEST(DemoClockServer, ServesTheUploadedPartOfTodayWithItsEtag) {
  const auto options = clocked_server(kNoon);
  const DemoGenerator generator(options.data);
  DemoServer server(options);
  const auto res = get_day(server, kToday);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, as_array(served_part(generator, kToday, kNoon)));
  EXPECT_EQ(json::parse(res->body).size(), generator.served_count(kToday, kNoon));
  EXPECT_EQ(res->get_header_value("ETag"), generator.etag(kToday, kNoon));
  const auto again = get_day(server, kToday, res->get_header_value("ETag"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);

  const auto past = get_day(server, kToday - date::days{10});
  ASSERT_TRUE(past);
  EXPECT_EQ(past->status, 200);
  EXPECT_EQ(past->body, as_array(whole_day(generator, kToday - date::days{10})));
}

TEST(DemoClockServer, AnswersADayAfterTodayOrWithNothingUploadedYetWith404) {
  DemoServer server(clocked_server(at("2024-01-17T00:00:00Z")));
  for (const auto day : {kToday, kToday + date::days{1}}) {
    const auto res = get_day(server, day);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << date::format("%F", day);
    EXPECT_EQ(res->body, R"({"detail":"No event found for date"})");
  }
  const auto res = get_day(server, kYesterday);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(DemoClockServer, AnswersAnOldEtagWithTheGrownDay) {
  DemoServer before(clocked_server(kNoon));
  DemoServer after(clocked_server(kNoon + 24h));
  const auto first = get_day(before, kYesterday);
  ASSERT_TRUE(first);
  const auto grown = get_day(after, kYesterday, first->get_header_value("ETag"));
  ASSERT_TRUE(grown);
  EXPECT_EQ(grown->status, 200);
  EXPECT_NE(grown->get_header_value("ETag"), first->get_header_value("ETag"));
  EXPECT_GT(json::parse(grown->body).size(), json::parse(first->body).size());
}

TEST(DemoClockServer, WithoutAFixedNowReadsTheSystemClockAtEachRequest) {
  const auto system_now = [] {
    return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
  };
  const auto today = std::chrono::floor<date::days>(system_now());
  auto options = clocked_server(std::nullopt);
  options.data.from = today - date::days{3};
  options.data.to = today + date::days{1};
  const DemoGenerator generator(options.data);
  DemoServer server(options);

  const auto tomorrow = get_day(server, today + date::days{1});
  ASSERT_TRUE(tomorrow);
  EXPECT_EQ(tomorrow->status, 404);

  const std::size_t at_least = generator.served_count(today - date::days{1}, system_now());
  const auto yesterday = get_day(server, today - date::days{1});
  const std::size_t at_most = generator.served_count(today - date::days{1}, system_now());
  ASSERT_TRUE(yesterday);
  ASSERT_EQ(yesterday->status, 200);
  const std::size_t served = json::parse(yesterday->body).size();
  EXPECT_GE(served, at_least);
  EXPECT_LE(served, at_most);
  EXPECT_LT(served, generator.event_count(today - date::days{1}));  // late uploads to come
}

}  // namespace
}  // namespace tributary::demo_clock_test
