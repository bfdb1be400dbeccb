// The split of a day's rows for the direct copy (load/direct_rows, load/key_set): which rows
// go straight into user_events, in what order, and what the merge gets instead.
#include "load/direct_rows.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "load/key_set.hpp"
#include "tributary/day_range.hpp"
#include "tributary/models/copy_row.hpp"

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

std::int64_t big_endian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (const char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  // Sign-extended from the field's width.
  const unsigned bits = static_cast<unsigned>(bytes.size() * 8);
  if (bits < 64 && (value >> (bits - 1)) != 0) value |= ~std::uint64_t{0} << bits;
  return static_cast<std::int64_t>(value);
}

// A binary COPY tuple's fields; NULL as nullopt.
using Tuple = std::vector<std::optional<std::string>>;

// Every tuple `which` sends, decoded field by field: a batch holds whole tuples only.
std::vector<Tuple> rows_of(DirectRows& rows, DirectRows::Rows which) {
  std::vector<Tuple> out;
  rows.send(which, [&](std::string& batch) {
    std::string_view rest = batch;
    while (!rest.empty()) {
      EXPECT_GE(rest.size(), 2u) << "a batch ends where a tuple does";
      if (rest.size() < 2) break;
      const auto count = big_endian(rest.substr(0, 2));
      rest.remove_prefix(2);
      Tuple tuple;
      for (std::int64_t i = 0; i < count; ++i) {
        const auto length = big_endian(rest.substr(0, 4));
        rest.remove_prefix(4);
        if (length < 0) {
          tuple.emplace_back(std::nullopt);
          continue;
        }
        EXPECT_LE(static_cast<std::size_t>(length), rest.size()) << "a batch ends where a tuple does";
        tuple.emplace_back(std::string(rest.substr(0, static_cast<std::size_t>(length))));
        rest.remove_prefix(static_cast<std::size_t>(length));
      }
      out.push_back(std::move(tuple));
    }
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

constexpr std::size_t kContentFields = models::kUserEventColumns.size();

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
  for (const auto& row : direct) {
    ASSERT_EQ(row.size(), kContentFields + 1) << "the content columns and run_id";
    EXPECT_EQ(big_endian(*row.back()), 42) << "the run_id column";
  }
  EXPECT_EQ(direct[0][0], "dev-a");
  EXPECT_EQ(big_endian(*direct[0][1]), 10) << "then by event_time";
  EXPECT_EQ(direct[1][0], "dev-a");
  EXPECT_EQ(big_endian(*direct[1][1]), 20);
  EXPECT_EQ(direct[2][0], "dev-c");

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
  EXPECT_EQ(direct[0][0], "dev-a");
  const auto demoted = rows_of(rows, DirectRows::Rows::DemotedAsStaged);
  ASSERT_EQ(demoted.size(), 1u);
  ASSERT_EQ(demoted[0].size(), kContentFields + 4);
  EXPECT_EQ(demoted[0][0], "dev-b");
  // ... content columns, then position 1, reason and raw_json NULL, direct_key false.
  EXPECT_EQ(big_endian(*demoted[0][kContentFields]), 1);
  EXPECT_EQ(demoted[0][kContentFields]->size(), 4u) << "position is an integer column";
  EXPECT_EQ(demoted[0][kContentFields + 1], std::nullopt);
  EXPECT_EQ(demoted[0][kContentFields + 2], std::nullopt);
  EXPECT_EQ(demoted[0][kContentFields + 3], std::string(1, '\0'));
  const auto whole = rows_of(rows, DirectRows::Rows::DirectAsStaged);
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(Tuple(direct[0].begin(), direct[0].begin() + kContentFields),
            Tuple(whole[0].begin(), whole[0].begin() + kContentFields))
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
    if (*direct[i][0] < *direct[i - 1][0]) ++runs;
  }
  EXPECT_GE(runs, 2) << "more than one run";
  EXPECT_LE(runs, 4);
  for (const auto& row : direct) EXPECT_EQ(row[16], std::string(400, 'p')) << "path, whole";
  const auto staged = rows_of(rows, DirectRows::Rows::DirectAsStaged);
  ASSERT_EQ(staged.size(), static_cast<std::size_t>(kEvents));
  std::vector<bool> seen(kEvents, false);
  for (const auto& row : staged) {
    ASSERT_EQ(row.size(), kContentFields + 4);
    const auto position = big_endian(*row[kContentFields]);
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
