// `--select`: dbt's graph operators over the manifest's dependencies. Pure code: manifests
// built in memory (and the shipped one), no database.
#include "runner/selection.hpp"

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// raw -> staged -> daily -> weekly -> report, lookup -> weekly, lookup -> other; listed in
// build order, as load_manifest leaves them.
Manifest selection_graph() {
  Manifest m;
  m.file = "/models/models.yaml";
  const auto add = [&m](const std::string& name, std::vector<std::string> deps) {
    ModelSpec spec;
    spec.name = name;
    spec.depends_on = std::move(deps);
    m.models.push_back(std::move(spec));
  };
  add("raw", {});
  add("lookup", {});
  add("staged", {"raw"});
  add("daily", {"staged"});
  add("weekly", {"daily", "lookup"});
  add("report", {"weekly"});
  add("other", {"lookup"});
  return m;
}

// The ConfigError message of selecting `selectors`, or "" when it selects.
std::string selection_error(const std::vector<std::string>& selectors) {
  try {
    select_models(selection_graph(), selectors);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(ModelSelectionTest, NoSelectorSelectsEveryModelInBuildOrder) {
  EXPECT_THAT(select_models(selection_graph(), {}),
              ElementsAre("raw", "lookup", "staged", "daily", "weekly", "report", "other"));
}

TEST(ModelSelectionTest, ANameSelectsJustThatModel) {
  EXPECT_THAT(select_models(selection_graph(), {"weekly"}), ElementsAre("weekly"));
}

TEST(ModelSelectionTest, TrailingPlusAddsEveryDescendant) {
  EXPECT_THAT(select_models(selection_graph(), {"staged+"}),
              ElementsAre("staged", "daily", "weekly", "report"));
  EXPECT_THAT(select_models(selection_graph(), {"lookup+"}),
              ElementsAre("lookup", "weekly", "report", "other"));
}

TEST(ModelSelectionTest, LeadingPlusAddsEveryAncestor) {
  EXPECT_THAT(select_models(selection_graph(), {"+weekly"}),
              ElementsAre("raw", "lookup", "staged", "daily", "weekly"));
  EXPECT_THAT(select_models(selection_graph(), {"+raw"}), ElementsAre("raw"));
}

TEST(ModelSelectionTest, PlusOnBothSidesAddsAncestorsAndDescendants) {
  EXPECT_THAT(select_models(selection_graph(), {"+daily+"}),
              ElementsAre("raw", "staged", "daily", "weekly", "report"));
}

TEST(ModelSelectionTest, ADepthLimitsTheLevelsTaken) {
  EXPECT_THAT(select_models(selection_graph(), {"1+weekly"}),
              ElementsAre("lookup", "daily", "weekly"));
  EXPECT_THAT(select_models(selection_graph(), {"2+weekly"}),
              ElementsAre("lookup", "staged", "daily", "weekly"));
  EXPECT_THAT(select_models(selection_graph(), {"raw+1"}), ElementsAre("raw", "staged"));
  EXPECT_THAT(select_models(selection_graph(), {"raw+2"}), ElementsAre("raw", "staged", "daily"));
  EXPECT_THAT(select_models(selection_graph(), {"1+daily+1"}),
              ElementsAre("staged", "daily", "weekly"));
  EXPECT_THAT(select_models(selection_graph(), {"0+daily+0"}), ElementsAre("daily"));
}

TEST(ModelSelectionTest, AtAddsDescendantsAndAllTheirAncestors) {
  // daily's descendants weekly and report need lookup too; other does not come along.
  EXPECT_THAT(select_models(selection_graph(), {"@daily"}),
              ElementsAre("raw", "lookup", "staged", "daily", "weekly", "report"));
}

TEST(ModelSelectionTest, SeveralSelectorsAreAUnionInBuildOrder) {
  const auto expected = ElementsAre("staged", "daily", "report", "other");
  EXPECT_THAT(select_models(selection_graph(), {"other", "report", "staged+1"}), expected);
  EXPECT_THAT(select_models(selection_graph(), {"other report staged+1"}), expected);
  EXPECT_THAT(select_models(selection_graph(), {" other\treport ", "staged+1 report"}), expected);
}

TEST(ModelSelectionTest, AnUnknownModelIsNamedWithTheNearestKnownName) {
  const auto error = selection_error({"weekyl"});
  EXPECT_THAT(error, StartsWith("unknown model 'weekyl' (did you mean weekly?)"));
  EXPECT_THAT(error, HasSubstr("the models of /models/models.yaml are raw, lookup, staged"));
}

TEST(ModelSelectionTest, AnUnknownModelInsideOperatorsNamesTheSelector) {
  EXPECT_THAT(selection_error({"+reprot+"}),
              StartsWith("unknown model 'reprot' (did you mean report?) in --select '+reprot+'"));
}

TEST(ModelSelectionTest, AFarNameGetsNoSuggestion) {
  const auto error = selection_error({"zzzzzz"});
  EXPECT_THAT(error, StartsWith("unknown model 'zzzzzz';"));
  EXPECT_THAT(error, Not(HasSubstr("did you mean")));
}

TEST(ModelSelectionTest, EveryUnknownModelIsNamed) {
  const auto error = selection_error({"raw weeklyy", "dayly+"});
  EXPECT_THAT(error, HasSubstr("unknown model 'weeklyy' (did you mean weekly?)"));
  EXPECT_THAT(error, HasSubstr("unknown model 'dayly' (did you mean daily?)"));
}

TEST(ModelSelectionTest, SuggestsTheModelOfAnotherCaseOrAUniquePart) {
  const auto m = selection_graph();
  EXPECT_EQ(nearest_model_name(m, "Weekly"), "weekly");
  EXPECT_EQ(nearest_model_name(m, "wee"), "weekly");  // a part only weekly has
  EXPECT_EQ(nearest_model_name(m, "o"), "");          // too short to mean anything
  EXPECT_EQ(nearest_model_name(m, "nothing_like_it"), "");
}

TEST(ModelSelectionTest, RejectsMalformedSelectorsSayingWhichFormsExist) {
  for (const std::string bad : {"+", "++weekly", "weekly++", "weekly+x", "@", "2weekly+"}) {
    const auto error = selection_error({bad});
    EXPECT_THAT(error, HasSubstr("--select '" + bad + "'")) << bad;
    EXPECT_THAT(error, HasSubstr("forms: NAME, +NAME")) << bad;
  }
  EXPECT_THAT(selection_error({""}), HasSubstr("--select needs a model name"));
  EXPECT_THAT(selection_error({"  "}), HasSubstr("--select needs a model name"));
}

TEST(ModelSelectionTest, RejectsDbtFormsTributaryDoesNotHave) {
  EXPECT_THAT(selection_error({"raw,weekly"}), HasSubstr("intersections (a,b) are not supported"));
  EXPECT_THAT(selection_error({"tag:daily"}), HasSubstr("selector methods"));
  EXPECT_THAT(selection_error({"week*"}), HasSubstr("wildcards are not supported"));
  EXPECT_THAT(selection_error({"@weekly+"}), HasSubstr("@ cannot be combined with +"));
  EXPECT_THAT(selection_error({"99999999999999999999999+weekly"}),
              HasSubstr("is not a number of levels"));
}

TEST(ModelSelectionTest, ParsesTheOperatorsAroundTheName) {
  const auto both = parse_selector("+weekly+");
  EXPECT_EQ(both.name, "weekly");
  EXPECT_EQ(both.ancestors, kEveryLevel);
  EXPECT_EQ(both.descendants, kEveryLevel);
  EXPECT_FALSE(both.at);
  const auto limited = parse_selector("3+model_2+1");
  EXPECT_EQ(limited.name, "model_2");
  EXPECT_EQ(limited.ancestors, 3U);
  EXPECT_EQ(limited.descendants, 1U);
  const auto plain = parse_selector("model_2");
  EXPECT_EQ(plain.name, "model_2");
  EXPECT_EQ(plain.ancestors, 0U);
  EXPECT_EQ(plain.descendants, 0U);
  EXPECT_TRUE(parse_selector("@weekly").at);
  EXPECT_THAT(parse_selectors({"a b+", "+c"}).size(), 3U);
}

TEST(ModelSelectionTest, TheShippedWeeklySummaryNeedsOnlyTheIntermediate) {
  const auto m =
      load_manifest(std::filesystem::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql" / "models.yaml");
  EXPECT_THAT(select_models(m, {"+weekly_summary"}),
              ElementsAre("user_daily_events", "weekly_summary"));
  EXPECT_THAT(select_models(m, {"user_daily_events+"}),
              ElementsAre("user_daily_events", "daily_active_users", "weekly_engagement",
                          "weekly_active_corporations", "weekly_summary"));
  EXPECT_EQ(nearest_model_name(m, "summary"), "weekly_summary");
  EXPECT_EQ(nearest_model_name(m, "weekly"), "");  // several models have it
}

}  // namespace
}  // namespace tributary::internal
