// The merge of a staged day into public.user_events, as SQL text: what it must say.
#include "load/merge_sql.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MergeSql, KeepsOneRowPerKeyByTheWinnerRuleInByteWiseKeyOrder) {
  const auto sql = merge_sql(false);
  EXPECT_THAT(sql, HasSubstr("select distinct on (device_id collate \"C\", event_time)"));
  EXPECT_THAT(sql, HasSubstr("order by device_id collate \"C\", event_time, server_upload_time "
                             "desc, event_date desc, position desc"));
  EXPECT_THAT(sql, HasSubstr("where reason is null"));  // rejections are never merged
  EXPECT_THAT(sql, HasSubstr("on conflict (device_id, event_time) do update set"));
}

TEST(MergeSql, UpdatesEveryContentColumnButNeverTheKey) {
  const auto sql = merge_sql(false);
  for (const auto column : models::kUserEventColumns) {
    const std::string c(column);
    const std::string set = c + " = excluded." + c;
    if (c == "device_id" || c == "event_time") {
      EXPECT_THAT(sql, Not(HasSubstr(" " + set))) << c;
    } else {
      EXPECT_THAT(sql, HasSubstr(set)) << c;
    }
  }
  EXPECT_THAT(sql, HasSubstr("run_id = excluded.run_id"));
  EXPECT_THAT(sql, HasSubstr("$1"));  // the run id
}

TEST(MergeSql, WritesARowOnlyWhenTheIncomingOneWinsAndDiffersUnlessForced) {
  const auto normal = merge_sql(false);
  const auto forced = merge_sql(true);
  const std::string wins =
      "where (excluded.server_upload_time, excluded.event_date) >= "
      "(user_events.server_upload_time, user_events.event_date)";
  EXPECT_THAT(normal, HasSubstr(wins));
  EXPECT_THAT(forced, HasSubstr(wins));
  EXPECT_THAT(normal, HasSubstr("is distinct from"));
  EXPECT_THAT(forced, Not(HasSubstr("is distinct from")));
}

TEST(MergeSql, ReturnsTheKeysKeptAndTheRowsWritten) {
  EXPECT_THAT(merge_sql(false), HasSubstr("select (select count(*) from winners), (select count(*) "
                                          "from written)"));
}

TEST(MergeSql, EveryWritingStatementLogsTheDatesItChangesInTheSameStatement) {
  for (const auto& sql :
       {merge_sql(false), merge_sql(true), insert_new_sql(), mirror_delete_sql()}) {
    EXPECT_THAT(sql, HasSubstr("insert into ingest.changed_event_dates (event_date)")) << sql;
  }
  // A row that moves to another day logs the date it had too, read from the snapshot.
  EXPECT_THAT(merge_sql(false), HasSubstr("union select was from written where was is not null"));
}

TEST(MirrorDeleteSql, DeletesOnlyRowsOfTheDayThePayloadNoLongerHolds) {
  const auto sql = mirror_delete_sql();
  EXPECT_THAT(sql, HasSubstr("delete from public.user_events u where u.event_date = $1"));
  EXPECT_THAT(sql, HasSubstr("select $1::date where exists (select 1 from gone)"));
  EXPECT_THAT(sql, HasSubstr("not exists"));
  EXPECT_THAT(sql, HasSubstr("s.reason is null and s.device_id = u.device_id and "
                             "s.event_time = u.event_time"));
}

}  // namespace
}  // namespace tributary::internal
