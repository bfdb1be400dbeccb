// The split of a day's rows for the direct copy (load/direct_rows, load/key_set): which rows
// go straight into user_events, in what order, and what the merge gets instead.
#include "load/direct_rows.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "load/key_set.hpp"
#include "tributary/day_range.hpp"

namespace tributary::internal {
namespace {

const date::sys_days kDay = parse_day("2024-01-20");

models::UserEvent event(const std::string& device, std::int64_t time,
                        date::sys_days day = kDay) {
  models::UserEvent e;
  e.event_date = day;
  e.device_id = device;
  e.event_time = time;
  e.event_type = "page_view";
  e.data_type = "event";
  e.data.path = "/a";
  return e;
}

// Every row `which` sends, one string per row (without its newline).
std::vector<std::string> rows_of(DirectRows& rows, DirectRows::Rows which) {
  std::vector<std::string> out;
  rows.send(which, [&](std::string& batch) {
    std::size_t start = 0;
    for (auto end = batch.find('\n'); end != std::string::npos; end = batch.find('\n', start)) {
      out.push_back(batch.substr(start, end - start));
      start = end + 1;
    }
    EXPECT_EQ(start, batch.size()) << "a batch ends where a row does";
    batch.clear();
  });
  return out;
}

std::vector<std::string> staged_of(DirectRows& rows) {
  std::vector<std::string> out;
  rows.send_staged([&](std::string& batch) {
    std::size_t start = 0;
    for (auto end = batch.find('\n'); end != std::string::npos; end = batch.find('\n', start)) {
      out.push_back(batch.substr(start, end - start));
      start = end + 1;
    }
    batch.clear();
  });
  return out;
}

std::string first_field(const std::string& row) { return row.substr(0, row.find('\t')); }
std::string last_field(const std::string& row) { return row.substr(row.rfind('\t') + 1); }

TEST(KeySet, FindsExactlyTheKeysAddedAndKeepsTheirRouteThroughGrowth) {
  KeySet keys;
  for (int i = 0; i < 5000; ++i) {
    const auto found = keys.find_or_add("device-" + std::to_string(i), i,
                                        i % 2 == 0 ? KeySet::Route::Direct : KeySet::Route::Staged);
    EXPECT_TRUE(found.added);
  }
  EXPECT_EQ(keys.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    const auto found = keys.find_or_add("device-" + std::to_string(i), i, KeySet::Route::Staged);
    EXPECT_FALSE(found.added);
    EXPECT_EQ(found.route, i % 2 == 0 ? KeySet::Route::Direct : KeySet::Route::Staged) << i;
  }
  // Same device, other time; same time, other device; a prefix of a device id: other keys.
  EXPECT_FALSE(keys.find("device-1", 2));
  EXPECT_FALSE(keys.find("device-2", 1));
  EXPECT_FALSE(keys.find("device-", 1));
  const auto ref = keys.find("device-4", 4);
  ASSERT_TRUE(ref);
  keys.set_route(*ref, KeySet::Route::Staged);
  EXPECT_EQ(keys.route_at(*ref), KeySet::Route::Staged);
  keys.clear();
  EXPECT_FALSE(keys.find("device-4", 4));
  EXPECT_EQ(keys.size(), 0u);
}

TEST(DirectRows, CopiesEachKeysFirstRowDatedTheDayInKeyOrderAndStagesTheRest) {
  DirectRows rows(kDay, 42, "\tf\n");
  rows.add_event(event("dev-c", 30), 0);
  rows.add_event(event("dev-a", 20), 1);
  rows.add_event(event("dev-a", 10), 2);
  rows.add_event(event("dev-c", 30), 3);                            // a later row of dev-c/30
  rows.add_event(event("dev-b", 5, kDay - date::days{1}), 4);       // dated the day before
  rows.add_event(event("dev-b", 5), 5);                             // its key's later row
  rows.add_staged_row("a rejection\n");
  rows.finish();

  EXPECT_EQ(rows.direct_rows(), 3u);
  EXPECT_EQ(rows.staged_events(), 3u);
  EXPECT_EQ(rows.staged_direct_keys(), 1u);
  const auto direct = rows_of(rows, DirectRows::Rows::Direct);
  ASSERT_EQ(direct.size(), 3u);
  EXPECT_EQ(first_field(direct[0]), "dev-a");
  EXPECT_EQ(direct[0].substr(6, 2), "10") << "then by event_time";
  EXPECT_EQ(first_field(direct[1]), "dev-a");
  EXPECT_EQ(first_field(direct[2]), "dev-c");
  for (const auto& row : direct) EXPECT_EQ(last_field(row), "42") << "the run_id column";

  const auto staged = staged_of(rows);
  ASSERT_EQ(staged.size(), 4u);
  EXPECT_EQ(first_field(staged[0]), "dev-c");
  EXPECT_EQ(last_field(staged[0]), "t") << "a later row of a copied key is flagged direct_key";
  EXPECT_EQ(first_field(staged[1]), "dev-b");
  EXPECT_EQ(last_field(staged[1]), "f") << "dated another day: merged, counted";
  EXPECT_EQ(last_field(staged[2]), "f") << "a later row of a key first seen dated otherwise";
  EXPECT_EQ(staged[3], "a rejection");
  EXPECT_TRUE(rows_of(rows, DirectRows::Rows::DemotedAsStaged).empty());
}

TEST(DirectRows, ADemotedKeyLeavesTheCopyAndReachesTheStagingTableWithItsPosition) {
  DirectRows rows(kDay, 7, "\tf\n");
  rows.add_event(event("dev-a", 1), 0);
  rows.add_event(event("dev-b", 2), 1);
  rows.finish();
  EXPECT_TRUE(rows.demote("dev-b", 2));
  EXPECT_FALSE(rows.demote("dev-b", 2)) << "once";
  EXPECT_FALSE(rows.demote("dev-z", 9)) << "not in the payload";
  EXPECT_EQ(rows.direct_rows(), 1u);
  EXPECT_EQ(rows.demoted(), 1u);
  EXPECT_TRUE(rows.has_staged_rows());

  const auto direct = rows_of(rows, DirectRows::Rows::Direct);
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(first_field(direct[0]), "dev-a");
  const auto demoted = rows_of(rows, DirectRows::Rows::DemotedAsStaged);
  ASSERT_EQ(demoted.size(), 1u);
  EXPECT_EQ(first_field(demoted[0]), "dev-b");
  // ... content columns, then position 1, reason and raw_json NULL, direct_key false.
  EXPECT_NE(demoted[0].find("\t1\t\\N\t\\N\tf"), std::string::npos) << demoted[0];
  EXPECT_EQ(direct[0].substr(0, direct[0].rfind('\t')),
            rows_of(rows, DirectRows::Rows::DirectAsStaged)[0].substr(
                0, direct[0].rfind('\t')))
      << "the same content columns either way";
}

// Past 16 MB of rows the runs go to a temporary file: each run sorted, every row sent once,
// and a day staged whole after all gets every row with its own position.
TEST(DirectRows, ADayLargerThanARunIsSentWholeInSortedRunsFromItsFile) {
  DirectRows rows(kDay, 1, "\tf\n");
  models::UserEvent e = event("", 0);
  e.data.path = std::string(400, 'p');  // ~500-byte rows: 16 MB is ~33,000 of them
  constexpr int kEvents = 80'000;
  for (int i = 0; i < kEvents; ++i) {
    e.device_id = "dev-" + std::to_string((i * 7919) % kEvents);
    e.event_time = i;
    rows.add_event(e, static_cast<std::size_t>(i));
  }
  rows.finish();
  EXPECT_EQ(rows.direct_rows(), static_cast<std::uint64_t>(kEvents));
  const auto direct = rows_of(rows, DirectRows::Rows::Direct);
  ASSERT_EQ(direct.size(), static_cast<std::size_t>(kEvents));
  int runs = 1;
  for (std::size_t i = 1; i < direct.size(); ++i) {
    if (first_field(direct[i]) < first_field(direct[i - 1])) ++runs;
  }
  EXPECT_GE(runs, 2) << "more than one run";
  EXPECT_LE(runs, 4);
  const auto staged = rows_of(rows, DirectRows::Rows::DirectAsStaged);
  ASSERT_EQ(staged.size(), static_cast<std::size_t>(kEvents));
  std::vector<bool> seen(kEvents, false);
  for (const auto& row : staged) {
    // position, reason, raw_json, direct_key: the position is the fourth field from the end.
    std::string rest = row;
    for (int k = 0; k < 3; ++k) rest = rest.substr(0, rest.rfind('\t'));
    const int position = std::stoi(rest.substr(rest.rfind('\t') + 1));
    ASSERT_GE(position, 0);
    ASSERT_LT(position, kEvents);
    EXPECT_FALSE(seen[static_cast<std::size_t>(position)]);
    seen[static_cast<std::size_t>(position)] = true;
  }
}

TEST(DirectRows, ResetForgetsTheAttemptBefore) {
  DirectRows rows(kDay, 1, "\tf\n");
  rows.add_event(event("dev-a", 1), 0);
  rows.add_staged_row("r\n");
  rows.reset();
  rows.add_event(event("dev-a", 1), 0);
  rows.finish();
  EXPECT_EQ(rows.direct_rows(), 1u) << "the key is new again";
  EXPECT_EQ(rows.staged_events(), 0u);
  EXPECT_FALSE(rows.has_staged_rows());
}

}  // namespace
}  // namespace tributary::internal
