// The binary COPY of the direct copy (db/binary_copy, models::append_copy_binary_fields)
// against a real server: the same events give the same rows as the text format, and its
// failures are the server's errors, after which the transaction goes on from a savepoint.
#include <gtest/gtest.h>

#include <limits>

#include <pqxx/tablewriter>

#include "db/binary_copy.hpp"
#include "db/database.hpp"
#include "db/migrate.hpp"
#include "integration/environment.hpp"
#include "tributary/day_range.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::testing {
namespace {

using models::Timestamp;

models::UserEvent base_event(const std::string& device, std::int64_t time) {
  models::UserEvent e;
  e.device_id = device;
  e.event_time = time;
  e.event_date = parse_day("2024-01-20");
  e.event_type = "page_view";
  e.data_type = "event";
  e.user_id = 7;
  e.amp_id = 8;
  e.server_upload_time = 9;
  e.server_received_time = 10;
  e.processed_time = 11;
  e.client_event_time = 12;
  e.client_upload_time = 13;
  e.data.path = "/a";
  e.data.group_first_event = "{}";
  e.data.group_ids = "{}";
  return e;
}

// Events at the edges of every column's type: NULLs and values, dates and times either side
// of Postgres's epoch (2000-01-01) and at the ends of the accepted years, negative and extreme
// integers, text that the text format must escape, empty and non-ASCII text, nested JSON.
std::vector<models::UserEvent> edge_events() {
  std::vector<models::UserEvent> events;
  events.push_back(base_event("plain", 1));
  auto e = base_event("every-optional\tset\\with\nescapes\r", -5);
  e.event_date = parse_day("1999-12-31");
  e.user_id = std::numeric_limits<std::int64_t>::min();
  e.amp_id = std::numeric_limits<std::int64_t>::max();
  e.server_upload_time = -1;
  e.country = "Côte d'Ivoire";
  e.city = "";
  e.language = "日本語";
  e.region = "a\\b";
  e.data.path = "/tab\there";
  e.data.group_first_event = R"({"company": {"nested": [1, 2.5, "x\ty", null, true]}})";
  e.data.group_ids = R"({"company": ["31", "32"]})";
  e.data.user_properties_updated = false;
  e.user_properties.initial_li_fat_id = "li";
  e.user_properties.initial_rtd_cid = "rtd";
  e.user_properties.user_corporate_id = -42;
  e.user_properties.user_corporate_is_demo = true;
  e.user_properties.user_corporate_status = "active";
  e.user_properties.user_signup_date =
      Timestamp{date::sys_days{date::year{1999} / 12 / 31}} + std::chrono::hours{23} +
      std::chrono::microseconds{59 * 60'000'000LL + 59'999'999};
  e.user_properties.user_role = "member";
  e.user_properties.user_status = "active";
  e.extras = R"({"top": 1, "data": {"k": "v"}, "user_properties": {"deep": {"a": [{}]}}})";
  events.push_back(e);
  e = base_event("first-year", 2);
  e.event_date = parse_day("0001-01-01");
  e.user_properties.user_signup_date = Timestamp{date::sys_days{date::year{1} / 1 / 1}};
  e.data.user_properties_updated = true;
  events.push_back(e);
  e = base_event("last-year", 3);
  e.event_date = parse_day("9999-12-31");
  e.user_properties.user_signup_date =
      Timestamp{date::sys_days{date::year{9999} / 12 / 31}} + std::chrono::microseconds{1};
  e.user_properties.user_corporate_is_demo = false;
  events.push_back(e);
  e = base_event("epoch", 0);
  e.event_date = parse_day("2000-01-01");
  e.user_properties.user_signup_date = Timestamp{date::sys_days{date::year{2000} / 1 / 1}};
  e.extras = "{}";
  events.push_back(e);
  return events;
}

std::string binary_tuples(const std::vector<models::UserEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    models::append_binary_field_count(static_cast<std::uint16_t>(models::kUserEventColumns.size()),
                                      out);
    models::append_copy_binary_fields(e, out);
  }
  return out;
}

std::string columns() {
  std::string out;
  for (const auto c : models::kUserEventColumns) {
    if (!out.empty()) out += ", ";
    out += c;
  }
  return out;
}

class BinaryCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = fresh_database();
    conn_ = internal::connect(db_);
    internal::migrate(*conn_, "the test database");
    pqxx::work tx(*conn_);
    tx.exec("create table as_text (like public.user_events including all)");
    tx.exec("create table as_binary (like public.user_events including all)");
    tx.commit();
  }
  DatabaseSettings db_;
  std::unique_ptr<pqxx::connection> conn_;
};

TEST_F(BinaryCopyTest, GivesExactlyTheRowsOfTheTextFormatForEveryColumn) {
  const auto events = edge_events();
  pqxx::work tx(*conn_);
  {
    std::string text;
    for (const auto& e : events) {
      models::append_copy_fields(e, text);
      text += '\n';
    }
    text.pop_back();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    const std::vector<std::string> cols(models::kUserEventColumns.begin(),
                                        models::kUserEventColumns.end());
    pqxx::tablewriter writer(tx, "as_text", cols.begin(), cols.end());
#pragma GCC diagnostic pop
    writer.write_raw_line(text);
    writer.complete();
  }
  internal::BinaryCopy copy(tx, "as_binary", columns());
  copy.write(binary_tuples(events));
  EXPECT_EQ(copy.complete(), events.size());
  const std::string content = columns();
  EXPECT_EQ(tx.exec1("select count(*) from as_binary")[0].as<std::size_t>(), events.size());
  EXPECT_EQ(tx.exec1("select count(*) from (select " + content + " from as_binary except all " +
                     "select " + content + " from as_text) d")[0]
                .as<int>(),
            0);
  EXPECT_EQ(tx.exec1("select count(*) from (select " + content + " from as_text except all " +
                     "select " + content + " from as_binary) d")[0]
                .as<int>(),
            0);
  // A few values read back as text, to see that both formats mean what was intended.
  const auto row = tx.exec1(
      "select event_date::text, user_signup_date at time zone 'UTC', user_id, language, "
      "group_first_event->'company'->'nested'->>2 from as_binary where event_time = -5");
  EXPECT_EQ(row[0].as<std::string>(), "1999-12-31");
  EXPECT_EQ(row[1].as<std::string>(), "1999-12-31 23:59:59.999999");
  EXPECT_EQ(row[2].as<std::int64_t>(), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(row[3].as<std::string>(), "日本語");
  EXPECT_EQ(row[4].as<std::string>(), "x\ty");
  EXPECT_EQ(tx.exec1("select device_id from as_binary where event_time = -5")[0].as<std::string>(),
            "every-optional\tset\\with\nescapes\r");
}

TEST_F(BinaryCopyTest, AUniqueViolationIsTheServersErrorAndASavepointRecoversTheTransaction) {
  pqxx::work tx(*conn_);
  tx.exec("savepoint before_copy");
  const auto one = binary_tuples({base_event("dup", 1)});
  try {
    internal::BinaryCopy copy(tx, "as_binary", columns());
    copy.write(one);
    copy.write(one);
    copy.complete();
    FAIL() << "a key twice must fail the COPY";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "23505") << e.what();
  }
  tx.exec("rollback to savepoint before_copy");
  EXPECT_EQ(tx.exec1("select count(*) from as_binary")[0].as<int>(), 0);
  internal::BinaryCopy again(tx, "as_binary", columns());
  again.write(one);
  EXPECT_EQ(again.complete(), 1u);
  tx.commit();
  EXPECT_EQ(query_value(db_, "select count(*) from as_binary"), "1");
}

TEST_F(BinaryCopyTest, AColumnOfAnotherTypeFailsWithInvalidBinaryRepresentation) {
  pqxx::work tx(*conn_);
  tx.exec("alter table as_binary alter column user_id type integer");
  tx.exec("savepoint before_copy");
  try {
    internal::BinaryCopy copy(tx, "as_binary", columns());
    copy.write(binary_tuples({base_event("x", 1)}));
    copy.complete();
    FAIL() << "an int8 field into an int4 column must fail";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "22P03") << e.what();
  }
  tx.exec("rollback to savepoint before_copy");
  EXPECT_EQ(tx.exec1("select 1")[0].as<int>(), 1) << "the connection is usable again";
}

TEST_F(BinaryCopyTest, AnAbandonedCopyWritesNothingAndAStartThatFailsSaysWhy) {
  pqxx::work tx(*conn_);
  tx.exec("savepoint before_copy");
  {
    internal::BinaryCopy copy(tx, "as_binary", columns());
    copy.write(binary_tuples({base_event("gone", 1)}));
    copy.abandon();
  }
  tx.exec("rollback to savepoint before_copy");
  EXPECT_EQ(tx.exec1("select count(*) from as_binary")[0].as<int>(), 0);
  try {
    internal::BinaryCopy copy(tx, "no_such_table", columns());
    FAIL() << "COPY into a missing table";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "42P01") << e.what();
  }
  tx.exec("rollback to savepoint before_copy");
  EXPECT_EQ(tx.exec1("select 1")[0].as<int>(), 1);
}

}  // namespace
}  // namespace tributary::testing
