// The two ways a day's rows reach user_events: a plain INSERT for a day never loaded before
// (its keys most likely new), and the merge when a key exists after all. Whatever the path,
// the winner rule and load-order independence hold.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>

#include "integration/environment.hpp"
#include "support/test_http_server.hpp"
#include "tributary/day_range.hpp"
#include "tributary/pipeline.hpp"

namespace tributary::testing {
namespace {

// A valid event of `date` with the given key and upload time.
std::string keyed_event(const std::string& date, const std::string& device, std::int64_t time,
                        std::int64_t upload, const std::string& path = "/a") {
  return R"({"date":")" + date + R"(T00:00:00","device_id":")" + device + R"(","event_time":)" +
         std::to_string(time) +
         R"(,"amp_id":1,"user_id":7,)"
         R"("server_upload_time":)" +
         std::to_string(upload) +
         R"(,"server_received_time":1,"processed_time":1,"client_event_time":1,)"
         R"("client_upload_time":1,"event_type":"page_view","data_type":"event",)"
         R"("data":{"path":")" +
         path + R"("},"user_properties":{}})";
}

// Serves a fixed body per day (the `date` parameter); other days have no events.
class DayBodies {
 public:
  void set(const std::string& day, std::string body) {
    std::lock_guard lock(mutex_);
    bodies_[day] = std::move(body);
  }
  testkit::TestHttpServer::Handler handler() {
    return [this](const httplib::Request& req, httplib::Response& res, int) {
      std::lock_guard lock(mutex_);
      const auto found = bodies_.find(req.get_param_value("date"));
      if (found == bodies_.end()) {
        res.status = 404;
        res.set_content(R"({"detail":"No event found"})", testkit::kJsonType);
        return;
      }
      res.set_content(found->second, testkit::kJsonType);
    };
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> bodies_;
};

std::string row_of(const DatabaseSettings& db, const std::string& device, std::int64_t time) {
  return query_value(db,
                     "select server_upload_time || ' ' || event_date || ' ' || "
                     "path from public.user_events where device_id = '" +
                         device + "' and event_time = " + std::to_string(time));
}

TEST(MergePaths, AKeyOfAnotherDayIsMergedByTheWinnerRuleInEitherLoadOrder) {
  DayBodies bodies;
  // 2024-01-21 holds dev-a's key again with a later upload: it wins wherever it comes from.
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10, "/old") + "," +
                               keyed_event("2024-01-20", "dev-b", 2000, 10) + "]");
  bodies.set("2024-01-21", "[" + keyed_event("2024-01-21", "dev-a", 1000, 20, "/new") + "," +
                               keyed_event("2024-01-21", "dev-c", 3000, 10) + "]");
  testkit::TestHttpServer server(bodies.handler());
  const auto forward = cluster().create_database("t_merge_paths_forward");
  const auto backward = cluster().create_database("t_merge_paths_backward");

  const auto first = request_day(fast_api_settings(forward, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(first.ok());
  const auto second =
      request_day(fast_api_settings(forward, server.url()), parse_day("2024-01-21"));
  ASSERT_TRUE(second.ok()) << second.days.at(0).error;
  EXPECT_EQ(second.days.at(0).events_loaded, 2u);
  EXPECT_EQ(second.days.at(0).rows_written, 2u) << "dev-a's row changed, dev-c's is new";

  ASSERT_TRUE(request_day(fast_api_settings(backward, server.url()), parse_day("2024-01-21")).ok());
  const auto late = request_day(fast_api_settings(backward, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(late.ok()) << late.days.at(0).error;
  EXPECT_EQ(late.days.at(0).events_loaded, 2u);
  EXPECT_EQ(late.days.at(0).rows_written, 1u) << "dev-a's older upload loses; only dev-b is new";

  for (const auto& db : {forward, backward}) {
    EXPECT_EQ(row_of(db, "dev-a", 1000), "20 2024-01-21 /new");
    EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "3");
  }
  EXPECT_EQ(user_events_checksum(forward), user_events_checksum(backward));
}

TEST(MergePaths, DuplicatesInsideANewDayKeepTheWinnerAndCountTheRest) {
  DayBodies bodies;
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 30, "/winner") + "," +
                               keyed_event("2024-01-20", "dev-a", 1000, 10, "/older") + "," +
                               keyed_event("2024-01-20", "dev-a", 1000, 30, "/later-position") +
                               "," + keyed_event("2024-01-20", "dev-b", 2000, 10) + "]");
  testkit::TestHttpServer server(bodies.handler());
  const auto db = fresh_database();
  const auto run = request_day(fast_api_settings(db, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(run.ok());
  const auto& day = run.days.at(0);
  EXPECT_EQ(day.events_loaded, 2u);
  EXPECT_EQ(day.events_duplicate, 2u);
  EXPECT_EQ(day.rows_written, 2u);
  // Equal upload time and date: the later element of the payload wins.
  EXPECT_EQ(row_of(db, "dev-a", 1000), "30 2024-01-20 /later-position");
}

// A new day is copied straight into user_events, except the keys another day's payload wrote
// already dated this day: those are merged, every row of theirs counted once — here the
// first row loses to the stored one and a later row wins, which the merge must still count
// as the one row written. Loaded in the other order, the same table.
TEST(MergePaths, ANewDayMergesTheKeysAnotherDayWroteAlreadyAndCopiesTheRest) {
  DayBodies bodies;
  bodies.set("2024-01-21", "[" + keyed_event("2024-01-20", "dev-a", 1000, 15, "/from-21") + "," +
                               keyed_event("2024-01-21", "dev-x", 5000, 10) + "]");
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10, "/first") + "," +
                               keyed_event("2024-01-20", "dev-b", 2000, 10) + "," +
                               keyed_event("2024-01-20", "dev-a", 1000, 20, "/later-wins") +
                               "," + keyed_event("2024-01-20", "dev-c", 3000, 10) + "]");
  testkit::TestHttpServer server(bodies.handler());
  const auto late = cluster().create_database("t_merge_paths_late");
  const auto in_order = cluster().create_database("t_merge_paths_in_order");

  ASSERT_TRUE(request_day(fast_api_settings(late, server.url()), parse_day("2024-01-21")).ok());
  const auto run = request_day(fast_api_settings(late, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(run.ok()) << run.days.at(0).error;
  const auto& day = run.days.at(0);
  EXPECT_EQ(day.events_loaded, 3u);
  EXPECT_EQ(day.events_duplicate, 1u);
  EXPECT_EQ(day.rows_written, 3u) << "dev-a changed once, dev-b and dev-c are new";
  EXPECT_EQ(row_of(late, "dev-a", 1000), "20 2024-01-20 /later-wins");

  const auto first = request_day(fast_api_settings(in_order, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.days.at(0).rows_written, 3u);
  const auto second =
      request_day(fast_api_settings(in_order, server.url()), parse_day("2024-01-21"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.days.at(0).rows_written, 1u) << "dev-a's upload 15 loses; dev-x is new";
  EXPECT_EQ(user_events_checksum(late), user_events_checksum(in_order));
  EXPECT_EQ(query_value(late, "select count(*) from public.user_events"), "4");
}

// Eight new days that share most of their keys, loaded eight at a time: they take turns
// writing, each copying what is new and merging what another wrote first, in whatever order
// their turns come — never a deadlock or a failed day, and the table equals the
// one-at-a-time load.
TEST(MergePaths, NewDaysSharingKeysLoadedConcurrentlyGiveTheSequentialTable) {
  DayBodies bodies;
  const auto month = date::year{2024} / date::January;
  for (int d = 1; d <= 8; ++d) {
    const auto day = format_day(date::sys_days{month / d});
    std::string body = "[";
    for (int k = 0; k < 400; ++k) {
      if (k > 0) body += ',';
      // Keys 0..299 are shared by every day (upload time = the day: the last day wins);
      // 300..399 are the day's own.
      const auto key = k < 300 ? k : d * 1000 + k;
      body += keyed_event(day, "dev-" + std::to_string(key % 37), 1000 + key, d * 10,
                          "/" + std::to_string(d));
    }
    bodies.set(day, body + "]");
  }
  testkit::TestHttpServer server(bodies.handler());
  const auto one = cluster().create_database("t_merge_paths_one");
  const auto eight = cluster().create_database("t_merge_paths_eight");
  RunOptions sequential;
  sequential.parallel = 1;
  RunOptions concurrent;
  concurrent.parallel = 8;
  const auto range_end = parse_day("2024-01-08");
  const auto a = backfill_range(fast_api_settings(one, server.url()), parse_day("2024-01-01"),
                                range_end, sequential);
  const auto b = backfill_range(fast_api_settings(eight, server.url()), parse_day("2024-01-01"),
                                range_end, concurrent);
  ASSERT_TRUE(a.ok());
  for (const auto& day : b.days) EXPECT_EQ(day.error, "") << format_day(day.day);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.count(DayStatus::Loaded), 8u);
  EXPECT_EQ(query_value(eight, "select count(*) from public.user_events"),
            std::to_string(300 + 8 * 100));
  EXPECT_EQ(query_value(eight,
                        "select count(*) from public.user_events where event_time < 1300 "
                        "and server_upload_time <> 80"),
            "0")
      << "every shared key holds the last day's row";
  EXPECT_EQ(user_events_checksum(one), user_events_checksum(eight));
}

// A day loaded before is only digested; a body that changed is fetched again to be parsed,
// and one that is not JSON is still a transient failure of that request, retried.
TEST(MergePaths, AChangedBodyIsFetchedAgainAndLoadedAndOneThatIsNotJsonIsRetried) {
  DayBodies bodies;
  const std::string first = "[" + keyed_event("2024-01-20", "dev-a", 1000, 10, "/one") + "]";
  bodies.set("2024-01-20", first);
  std::atomic<int> broken{0};
  testkit::TestHttpServer server([&](const httplib::Request& req, httplib::Response& res, int i) {
    if (broken > 0) {
      --broken;
      res.set_content("[" + keyed_event("2024-01-20", "dev-a", 1000, 10, "/cut"),
                      testkit::kJsonType);
      return;
    }
    bodies.handler()(req, res, i);
  });
  const auto db = fresh_database();
  const auto day = parse_day("2024-01-20");
  ASSERT_TRUE(request_day(fast_api_settings(db, server.url()), day).ok());

  const auto same = request_day(fast_api_settings(db, server.url()), day);
  EXPECT_EQ(same.days.at(0).status, DayStatus::Unchanged) << "same digest, no ETag";

  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 20, "/two") + "," +
                               keyed_event("2024-01-20", "dev-b", 2000, 10) + "]");
  broken = 2;  // the digest's request, then the first attempt of the one that parses
  const auto changed = request_day(fast_api_settings(db, server.url()), day);
  ASSERT_TRUE(changed.ok()) << changed.days.at(0).error;
  EXPECT_EQ(changed.days.at(0).status, DayStatus::Loaded);
  EXPECT_EQ(changed.days.at(0).attempts, 3) << "digested, then fetched again: cut, retried";
  EXPECT_EQ(changed.days.at(0).events_loaded, 2u);
  EXPECT_EQ(changed.days.at(0).rows_written, 2u);
  EXPECT_EQ(row_of(db, "dev-a", 1000), "20 2024-01-20 /two");
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "2");
}

// The dates each write logged into ingest.changed_event_dates, as "date,date|date,...": one
// group per writing transaction, in commit order.
std::string logged_dates(const DatabaseSettings& db) {
  return query_value(db,
                     "select coalesce(string_agg(dates, '|' order by first), '') from ("
                     " select string_agg(coalesce(event_date::text, 'all'), ',' order by "
                     " event_date) as dates, min(changed_at) as first"
                     " from ingest.changed_event_dates group by changed_by) g");
}

// No trigger logs the writes: the loader records, in each day's transaction, the dates its
// rows had and have — a row moved to another day logs both — and nothing when it wrote none.
TEST(MergePaths, EachDayLogsTheEventDatesItChangedOldAndNewAndNothingElse) {
  DayBodies bodies;
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10) + "," +
                               keyed_event("2024-01-19", "dev-b", 2000, 10) + "," +
                               keyed_event("2024-01-20", "dev-c", 3000, 10) + "]");
  testkit::TestHttpServer server(bodies.handler());
  const auto db = fresh_database();
  const auto day = parse_day("2024-01-20");
  ASSERT_TRUE(request_day(fast_api_settings(db, server.url()), day).ok());
  EXPECT_EQ(query_value(db,
                        "select count(*) from pg_trigger where tgrelid = "
                        "'public.user_events'::regclass and not tgisinternal"),
            "0");
  EXPECT_EQ(logged_dates(db), "2024-01-19,2024-01-20") << "the first load: the plain INSERT";

  ASSERT_TRUE(request_day(fast_api_settings(db, server.url()), day).ok());
  EXPECT_EQ(logged_dates(db), "2024-01-19,2024-01-20") << "unchanged: nothing written or logged";

  // dev-b's event moves from 2024-01-19 to 2024-01-22; dev-a and dev-c stay as they were.
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10) + "," +
                               keyed_event("2024-01-22", "dev-b", 2000, 20) + "," +
                               keyed_event("2024-01-20", "dev-c", 3000, 10) + "]");
  const auto moved = request_day(fast_api_settings(db, server.url()), day);
  ASSERT_TRUE(moved.ok()) << moved.days.at(0).error;
  EXPECT_EQ(moved.days.at(0).rows_written, 1u);
  EXPECT_EQ(logged_dates(db), "2024-01-19,2024-01-20|2024-01-19,2024-01-22") << "the merge";

  // The mirror drops dev-c (dated 2024-01-20): that day is logged, once.
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10) + "," +
                               keyed_event("2024-01-22", "dev-b", 2000, 20) + "]");
  RunOptions mirror;
  mirror.load.mirror = true;
  const auto mirrored = request_day(fast_api_settings(db, server.url()), day, mirror);
  ASSERT_TRUE(mirrored.ok()) << mirrored.days.at(0).error;
  EXPECT_EQ(mirrored.days.at(0).rows_written, 1u);
  EXPECT_EQ(logged_dates(db), "2024-01-19,2024-01-20|2024-01-19,2024-01-22|2024-01-20");
}

// The direct copy sends binary tuples, which carry no types: a user_events whose column type
// was changed by hand must not take their bytes as its own type. Such a warehouse is staged
// and merged in the text format instead, and gets the values sent.
TEST(MergePaths, AColumnTypeChangedByHandIsLoadedThroughTheMergeWithItsValues) {
  DayBodies bodies;
  bodies.set("2024-01-20", "[" + keyed_event("2024-01-20", "dev-a", 1000, 10) + "," +
                               keyed_event("2024-01-20", "dev-b", 2000, 10) + "]");
  testkit::TestHttpServer server(bodies.handler());
  const auto db = fresh_database();
  ASSERT_EQ(run_cli({"migrate"}, database_env(db)).exit_code, 0);
  ASSERT_EQ(sql_outcome(db, "alter table public.user_events alter column user_id type numeric"),
            "ok");
  const auto run = request_day(fast_api_settings(db, server.url()), parse_day("2024-01-20"));
  ASSERT_TRUE(run.ok()) << run.days.at(0).error;
  EXPECT_EQ(run.days.at(0).events_loaded, 2u);
  // A bigint's 8 bytes read as a numeric would be another number (or fail the COPY).
  EXPECT_EQ(query_value(db, "select string_agg(user_id::text, ',' order by device_id) "
                            "from public.user_events"),
            "7,7");
}

// An attempt cut short leaves its staging COPY open; when the retry then answers "no events"
// the day is empty, not failed on that open COPY.
TEST(MergePaths, ABodyCutShortThenNoEventsIsAnEmptyDay) {
  const std::string events = "[" + keyed_event("2024-01-20", "dev-a", 1000, 10) + "," +
                             keyed_event("2024-01-20", "dev-b", 2000, 10) + ",";
  testkit::TestHttpServer server([&](const httplib::Request&, httplib::Response& res, int index) {
    if (index == 0) {
      res.set_content_provider(events.size() + 1000, testkit::kJsonType,
                               [&](std::size_t, std::size_t, httplib::DataSink& sink) {
                                 sink.write(events.data(), events.size());
                                 return false;  // httplib closes the connection
                               });
      return;
    }
    res.status = 404;
    res.set_content(R"({"detail":"No event found"})", testkit::kJsonType);
  });
  const auto db = fresh_database();
  // --mirror stages a day's rows as they arrive (a new day without it is held in memory).
  RunOptions mirror;
  mirror.load.mirror = true;
  const auto run =
      request_day(fast_api_settings(db, server.url()), parse_day("2024-01-20"), mirror);
  ASSERT_TRUE(run.ok()) << run.days.at(0).error;
  EXPECT_EQ(run.days.at(0).status, DayStatus::Empty);
  EXPECT_EQ(run.days.at(0).attempts, 2);
  EXPECT_EQ(query_value(db, "select count(*) from public.user_events"), "0");
}

}  // namespace
}  // namespace tributary::testing
