// COPY text encoding of an event row: one field per column, escapes, NULLs.
#include "tributary/models/copy_row.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace tributary::models {
namespace {

using namespace date::literals;

std::vector<std::string> fields_of(const std::string& row) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream in(row);
  while (std::getline(in, field, '\t')) fields.push_back(field);
  if (!row.empty() && row.back() == '\t') fields.emplace_back();
  return fields;
}

UserEvent sample() {
  UserEvent e;
  e.event_date = date::sys_days{2024_y / 1 / 5};
  e.device_id = "dev-1";
  e.event_time = 1704412800000;
  e.amp_id = 2;
  e.user_id = 3;
  e.server_upload_time = 4;
  e.server_received_time = 5;
  e.processed_time = 6;
  e.client_event_time = 7;
  e.client_upload_time = -8;
  e.event_type = "page_view";
  e.data_type = "event";
  e.city = "Madrid";
  e.data.path = "/app";
  e.user_properties.user_corporate_id = 17;
  e.user_properties.user_corporate_is_demo = false;
  e.user_properties.user_signup_date =
      Timestamp{date::sys_days{2023_y / 11 / 2}} + std::chrono::hours(9) +
      std::chrono::minutes(14) + std::chrono::microseconds(5);
  return e;
}

TEST(CopyRow, WritesOneFieldPerColumnInColumnOrder) {
  std::string row;
  append_copy_fields(sample(), row);
  const auto fields = fields_of(row);
  ASSERT_EQ(fields.size(), kUserEventColumns.size());
  const auto field = [&](std::string_view column) {
    for (std::size_t i = 0; i < kUserEventColumns.size(); ++i) {
      if (kUserEventColumns[i] == column) return fields[i];
    }
    ADD_FAILURE() << "no column " << column;
    return std::string{};
  };
  EXPECT_EQ(field("device_id"), "dev-1");
  EXPECT_EQ(field("event_time"), "1704412800000");
  EXPECT_EQ(field("event_date"), "2024-01-05");
  EXPECT_EQ(field("client_upload_time"), "-8");
  EXPECT_EQ(field("city"), "Madrid");
  EXPECT_EQ(field("country"), "\\N");
  EXPECT_EQ(field("group_ids"), "{}");
  EXPECT_EQ(field("user_properties_updated"), "\\N");
  EXPECT_EQ(field("user_corporate_id"), "17");
  EXPECT_EQ(field("user_corporate_is_demo"), "f");
  EXPECT_EQ(field("user_signup_date"), "2023-11-02 09:14:00.000005+00");
  EXPECT_EQ(field("extras"), "\\N");
  EXPECT_EQ(row.find('\n'), std::string::npos);  // the caller ends the row
}

TEST(CopyRow, EscapesTheCharactersCopyTextGivesMeaning) {
  std::string out;
  append_copy_text("a\tb\nc\rd\\e", out);
  EXPECT_EQ(out, "a\\tb\\nc\\rd\\\\e");
  out.clear();
  append_copy_text("plain \"text\" ü €", out);
  EXPECT_EQ(out, "plain \"text\" ü €");
}

TEST(CopyRow, EscapesInsideTextFieldsSoTheRowKeepsItsShape) {
  auto e = sample();
  e.device_id = "tab\there";
  e.data.path = "/new\nline";
  e.extras = R"({"k":"back\\slash"})";
  std::string row;
  append_copy_fields(e, row);
  const auto fields = fields_of(row);
  ASSERT_EQ(fields.size(), kUserEventColumns.size());
  EXPECT_EQ(fields[0], "tab\\there");
  EXPECT_EQ(fields.back(), R"({"k":"back\\\\slash"})");
  EXPECT_EQ(row.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace tributary::models
