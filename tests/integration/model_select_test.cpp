// `run-models --select` in dbt's forms against a real Postgres: `+NAME` builds exactly the
// model and its ancestors, several selectors union, an ancestor left out is not rebuilt,
// and a bad selector builds nothing. `models` / `run-models --list` list without a database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/fixtures/model_fixtures.hpp"

namespace tributary::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

const fs::path& shipped_models_for_select() {
  static const auto dir = fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql";
  return dir;
}

ProcessResult run_selected_models(const DatabaseSettings& db, std::vector<std::string> extra) {
  std::vector<std::string> args = {"run-models", "--models-dir",
                                   shipped_models_for_select().string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_cli(args, database_env(db));
}

// The models the last run built, in the order it built them.
std::vector<std::string> models_of_last_run(const DatabaseSettings& db) {
  pqxx::connection conn(db.connection_string());
  pqxx::nontransaction tx(conn);
  std::vector<std::string> out;
  for (const auto& row : tx.exec("select model || ' ' || status from ingest.model_runs "
                                 "where run_id = (select max(id) from ingest.runs) order by id")) {
    out.emplace_back(row[0].c_str());
  }
  return out;
}

TEST(ModelSelectTest, PlusNameBuildsExactlyTheModelAndItsAncestorsInOrder) {
  const auto db = fixture_database();
  const auto run = run_selected_models(db, {"--select", "+weekly_summary"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(run.out, HasSubstr("succeeded 2 / failed 0 / skipped 0"));
  EXPECT_THAT(models_of_last_run(db),
              ::testing::ElementsAre("user_daily_events succeeded", "weekly_summary succeeded"));
  EXPECT_EQ(query_value(db,
                        "select string_agg(model || '=' || status, ',' order by model) "
                        "from analytics.model_status"),
            "user_daily_events=succeeded,weekly_summary=succeeded");
  EXPECT_EQ(query_value(db, "select to_regclass('analytics.weekly_engagement') is null"), "t");
  EXPECT_NE(query_value(db, "select count(*) from analytics.weekly_summary"), "0");
  // The run's arguments keep the selectors as given.
  EXPECT_EQ(query_value(db,
                        "select arguments->>'select' from ingest.runs order by id desc "
                        "limit 1"),
            "[\"+weekly_summary\"]");
}

TEST(ModelSelectTest, SeveralSelectorsUnionAndAnAncestorLeftOutIsNotRebuilt) {
  const auto db = fixture_database();
  ASSERT_EQ(run_selected_models(db, {}).exit_code, 0);
  const auto before =
      query_value(db, "select max(id) from ingest.model_runs where model = 'user_daily_events'");

  // dbt's space-separated union and a repeated --select, together.
  const auto run = run_selected_models(
      db, {"--select", "daily_active_users weekly_summary", "--select", "weekly_engagement"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_THAT(models_of_last_run(db),
              ::testing::ElementsAre("daily_active_users succeeded", "weekly_engagement succeeded",
                                     "weekly_summary succeeded"));
  EXPECT_THAT(run.out, Not(HasSubstr("user_daily_events")));
  EXPECT_EQ(query_value(db,
                        "select max(id) from ingest.model_runs where model = "
                        "'user_daily_events'"),
            before);

  // NAME+1: the model and its direct dependants, here every other model.
  const auto children = run_selected_models(db, {"--select", "user_daily_events+1"});
  ASSERT_EQ(children.exit_code, 0) << children.out << children.err;
  EXPECT_EQ(models_of_last_run(db).size(), 5U);
}

TEST(ModelSelectTest, AnUnknownModelExitsTwoWithTheNearestNameAndBuildsNothing) {
  const auto db = fixture_database();
  const auto run = run_selected_models(db, {"--select", "+weekly_sumary daily_active_users"});
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("error: unknown model 'weekly_sumary' (did you mean "
                                 "weekly_summary?) in --select '+weekly_sumary'"));
  EXPECT_EQ(query_value(db, "select count(*) from ingest.model_runs"), "0");
  EXPECT_EQ(query_value(db, "select count(*) from ingest.runs"), "0");

  const auto bad = run_selected_models(db, {"--select", "daily_active_users,weekly_summary"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_THAT(bad.err, HasSubstr("intersections (a,b) are not supported"));
}

TEST(ModelSelectTest, ListingNeedsNoDatabaseAndShowsWhatWouldBeBuilt) {
  // A database that cannot be reached, and none at all: the listing never connects.
  const std::map<std::string, std::string> unreachable = {
      {"DATABASE_URL", "postgresql://nobody:secret@127.0.0.1:1/nowhere"}};
  const auto listed =
      run_cli({"models", "--models-dir", shipped_models_for_select().string()}, unreachable);
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_THAT(listed.out, HasSubstr("5 models of "));
  EXPECT_THAT(listed.out, ContainsRegex("model +materialized +depends on +description"));
  EXPECT_THAT(listed.out, ContainsRegex("user_daily_events +incremental \\(day\\) +- +Events "
                                        "per user per day"));
  EXPECT_THAT(listed.out, ContainsRegex("weekly_summary +incremental \\(week\\) +"
                                        "user_daily_events +Events per active user"));

  const auto selected = run_cli({"run-models", "--list", "--select", "+weekly_summary",
                                 "--models-dir", shipped_models_for_select().string()},
                                {});
  ASSERT_EQ(selected.exit_code, 0) << selected.out << selected.err;
  EXPECT_THAT(selected.out, HasSubstr("2 of 5 models of "));
  EXPECT_THAT(selected.out, ContainsRegex("model[^\n]*\nuser_daily_events [^\n]*\n"
                                          "weekly_summary [^\n]*\n$"));

  const auto json = run_cli({"models", "--json", "--select", "weekly_engagement+", "--models-dir",
                             shipped_models_for_select().string()},
                            {});
  ASSERT_EQ(json.exit_code, 0) << json.out << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  EXPECT_EQ(doc.at("schema"), "analytics");
  EXPECT_EQ(doc.at("total"), 5);
  ASSERT_EQ(doc.at("models").size(), 1U);
  const auto& model = doc.at("models").at(0);
  EXPECT_EQ(model.at("name"), "weekly_engagement");
  EXPECT_EQ(model.at("relation"), "analytics.weekly_engagement");
  EXPECT_EQ(model.at("materialized"), "table");
  EXPECT_EQ(model.at("incremental").at("grain"), "week");
  EXPECT_EQ(model.at("incremental").at("column"), "week_start");
  EXPECT_EQ(model.at("depends_on"), nlohmann::json::array({"user_daily_events"}));
  EXPECT_THAT(model.at("tests").dump(), HasSubstr("unique(week_start)"));

  const auto unknown = run_cli(
      {"models", "--select", "weekly_sumary", "--models-dir", shipped_models_for_select().string()},
      {});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("error: unknown model 'weekly_sumary' (did you mean "
                                     "weekly_summary?)"));
  EXPECT_THAT(unknown.err, Not(HasSubstr("secret")));
}

TEST(ModelSelectTest, ListingWithADatabaseWritesNothingToIt) {
  const auto db = fixture_database();
  const auto listed = run_selected_models(db, {"--list"});
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_EQ(query_value(db, "select count(*) from ingest.runs"), "0");
  const auto json_alone = run_selected_models(db, {"--json"});
  EXPECT_EQ(json_alone.exit_code, 2);
  EXPECT_THAT(json_alone.err, HasSubstr("error: --json requires --list"));
}

TEST(ModelSelectTest, StatusAddsEachModelsLastBuildFromTheDatabase) {
  const auto db = fixture_database();
  ASSERT_EQ(run_selected_models(db, {"--select", "+weekly_summary"}).exit_code, 0);
  const std::vector<std::string> models_dir = {"--models-dir",
                                               shipped_models_for_select().string()};
  auto args = std::vector<std::string>{"models", "--status"};
  args.insert(args.end(), models_dir.begin(), models_dir.end());
  const auto listed = run_cli(args, database_env(db));
  ASSERT_EQ(listed.exit_code, 0) << listed.out << listed.err;
  EXPECT_THAT(listed.out, ContainsRegex("last status +last built \\(UTC\\) +description"));
  EXPECT_THAT(listed.out, ContainsRegex("weekly_summary +[^\n]*user_daily_events +succeeded +"
                                        "20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:]+Z +Events"));
  EXPECT_THAT(listed.out, ContainsRegex("daily_active_users +[^\n]* never built +- +Distinct"));

  args.emplace_back("--json");
  const auto json = run_cli(args, database_env(db));
  ASSERT_EQ(json.exit_code, 0) << json.out << json.err;
  const auto doc = nlohmann::json::parse(json.out);
  const auto& models = doc.at("models");
  ASSERT_EQ(models.size(), 5U);
  const auto& summary = models.at(4);
  ASSERT_EQ(summary.at("name"), "weekly_summary");
  EXPECT_EQ(summary.at("last_build").at("status"), "succeeded");
  EXPECT_EQ(summary.at("last_build").at("refresh"), "full");
  EXPECT_EQ(summary.at("last_build").at("rows").dump(),
            query_value(db, "select count(*) from analytics.weekly_summary"));
  EXPECT_TRUE(models.at(1).at("last_build").is_null()) << models.at(1).dump();

  // --status needs the database: unreachable is exit 4, the password never shown.
  args.pop_back();
  const auto down = run_cli(args, {{"DATABASE_URL", "postgresql://nobody:s3cret@127.0.0.1:1/x"}});
  EXPECT_EQ(down.exit_code, 4) << down.out << down.err;
  EXPECT_THAT(down.err, Not(HasSubstr("s3cret")));
}

}  // namespace
}  // namespace tributary::testing
