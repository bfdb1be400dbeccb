#include "common/text.hpp"

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace tributary::internal {
namespace {

TEST(Trim, RemovesAsciiWhitespaceAtBothEnds) {
  EXPECT_EQ(trim("  30 "), "30");
  EXPECT_EQ(trim("\t\r\n value \v\f"), "value");
  EXPECT_EQ(trim("a b"), "a b");
}

TEST(Trim, LeavesNothingOfBlankText) {
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim(" \t\r\n"), "");
}

TEST(EditDistance, CountsEditsAndSwapsIgnoringCase) {
  EXPECT_EQ(edit_distance("API_TOKN", "API_TOKEN"), 1u);    // a deletion
  EXPECT_EQ(edit_distance("DATBASE_URL", "DATABASE_URL"), 1u);
  EXPECT_EQ(edit_distance("API_TOEKN", "API_TOKEN"), 1u);   // two neighbours swapped
  EXPECT_EQ(edit_distance("api_url", "API_URL"), 0u);       // case does not count
  EXPECT_EQ(edit_distance("api.tokn", "api.token"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", ""), 0u);
}

TEST(StartsWithCi, IgnoresAsciiCase) {
  EXPECT_TRUE(starts_with_ci("HTTPS://api", "https://"));
  EXPECT_TRUE(starts_with_ci("Date", "date"));
  EXPECT_FALSE(starts_with_ci("http", "https"));
  EXPECT_FALSE(starts_with_ci("ftp://", "http://"));
}

TEST(Join, PutsTheSeparatorBetweenParts) {
  EXPECT_EQ(join(std::vector<std::string>{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join(std::vector<std::string>{"only"}, ", "), "only");
  EXPECT_EQ(join(std::vector<std::string>{}, ", "), "");
  EXPECT_EQ(join(std::array<std::string_view, 2>{"x", "y"}, "; "), "x; y");
}

TEST(Join, FormatsEachPart) {
  const std::vector<std::string> columns = {"day", "user"};
  EXPECT_EQ(join(columns, ", ", [](const std::string& c) { return "s." + c; }), "s.day, s.user");
}

}  // namespace
}  // namespace tributary::internal
