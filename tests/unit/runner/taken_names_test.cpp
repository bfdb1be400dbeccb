// Names a model cannot take because the migrations made a relation of that name:
// analytics.load_status and analytics.model_status, the analysts' status views.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runner/manifest.hpp"

namespace tributary::internal {
namespace {

using ::testing::HasSubstr;

TEST(TakenModelNames, RefusesTheStatusViewNamesInTheAnalyticsSchema) {
  EXPECT_THAT(taken_name_problem("analytics", "load_status"),
              HasSubstr("analytics.load_status is tributary's own status view"));
  EXPECT_THAT(taken_name_problem("analytics", "model_status"),
              HasSubstr("analytics.model_status is tributary's own status view"));
  EXPECT_THAT(taken_name_problem("analytics", "rejection_reasons"),
              HasSubstr("analytics.rejection_reasons is tributary's own status view"));
}

TEST(TakenModelNames, LeavesOtherNamesAndOtherSchemasAlone) {
  EXPECT_EQ(taken_name_problem("analytics", "weekly_summary"), "");
  EXPECT_EQ(taken_name_problem("analytics", "load_status_by_week"), "");
  EXPECT_EQ(taken_name_problem("marts", "load_status"), "");
}

}  // namespace
}  // namespace tributary::internal
