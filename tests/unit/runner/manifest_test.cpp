// models.yaml parsing, validation and ordering: pure code, temporary files, no database.
#include "runner/manifest.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ModelManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tributary-manifest-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  // Writes models.yaml and one `select 1;` file per name in `sql_files`.
  fs::path manifest(const std::string& yaml, const std::vector<std::string>& sql_files) {
    for (const auto& f : sql_files) write(f, "select 1 as x;\n\n");
    write("models.yaml", yaml);
    return dir_ / "models.yaml";
  }
  // The ConfigError message of loading `yaml`, or "" when it loads.
  std::string error_of(const std::string& yaml, const std::vector<std::string>& sql_files) {
    try {
      load_manifest(manifest(yaml, sql_files));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return {};
  }

  fs::path dir_;
};

std::vector<std::string> names(const Manifest& m) {
  std::vector<std::string> out;
  for (const auto& model : m.models) out.push_back(model.name);
  return out;
}

TEST_F(ModelManifestTest, ParsesEveryFieldOfAModel) {
  const auto m = load_manifest(manifest(R"(
schema: marts
models:
  - name: base
    sql: base.sql
    materialized: table
    description: The base.
    indexes: [[day, user_id], day]
    columns:
      - name: day
        description: The day.
        tests: [not_null, unique, {accepted_values: [1, two]}, {expression: "day > 0"}]
      - name: user_id
    tests:
      - unique: [day, user_id]
      - expression: "x = 1"
  - name: top
    sql: top.sql
    materialized: view
    depends_on: [base]
)",
                                        {"base.sql", "top.sql"}));
  EXPECT_EQ(m.schema, "marts");
  ASSERT_EQ(m.models.size(), 2u);
  const auto& base = m.models[0];
  EXPECT_EQ(base.sql, "select 1 as x");  // trailing `;` and blank lines removed
  EXPECT_EQ(base.materialized, Materialization::Table);
  EXPECT_EQ(base.description, "The base.");
  ASSERT_EQ(base.indexes.size(), 2u);
  EXPECT_THAT(base.indexes[0], ElementsAre("day", "user_id"));
  EXPECT_THAT(base.indexes[1], ElementsAre("day"));
  ASSERT_EQ(base.columns.size(), 2u);
  EXPECT_EQ(base.columns[0].description, "The day.");
  std::vector<std::string> tests;
  for (const auto& t : base.tests) tests.push_back(t.name());
  EXPECT_THAT(tests,
              ElementsAre("not_null(day)", "unique(day)", "accepted_values(day)",
                          "expression(day > 0)", "unique(day, user_id)", "expression(x = 1)"));
  EXPECT_THAT(base.tests[2].values, ElementsAre("1", "two"));
  EXPECT_EQ(m.models[1].materialized, Materialization::View);
  EXPECT_THAT(m.models[1].depends_on, ElementsAre("base"));
}

TEST_F(ModelManifestTest, OrdersDependenciesFirstAndKeepsManifestOrderAmongReadyModels) {
  const auto m = load_manifest(manifest(R"(
models:
  - {name: summary, sql: s.sql, depends_on: [weekly, daily]}
  - {name: weekly, sql: s.sql, depends_on: [base]}
  - {name: daily, sql: s.sql, depends_on: [base]}
  - {name: base, sql: s.sql}
  - {name: other, sql: s.sql}
)",
                                        {"s.sql"}));
  EXPECT_THAT(names(m), ElementsAre("base", "weekly", "daily", "summary", "other"));
}

TEST_F(ModelManifestTest, RejectsAnUnknownDependencyNamingIt) {
  const auto error = error_of(R"(
models:
  - {name: weekly, sql: s.sql, depends_on: [dialy]}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("model 'weekly' depends on unknown model 'dialy'"));
}

TEST_F(ModelManifestTest, RejectsACycleNamingItsModels) {
  const auto error = error_of(R"(
models:
  - {name: base, sql: s.sql}
  - {name: a, sql: s.sql, depends_on: [base, c]}
  - {name: b, sql: s.sql, depends_on: [a]}
  - {name: c, sql: s.sql, depends_on: [b]}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("dependency cycle: a -> c -> b -> a"));
}

TEST_F(ModelManifestTest, RejectsAModelDependingOnItself) {
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, depends_on: [a]}\n", {"s.sql"}),
              HasSubstr("dependency cycle: a -> a"));
}

TEST_F(ModelManifestTest, RejectsAMissingSqlFileNamingIt) {
  const auto error = error_of("models:\n  - {name: weekly, sql: weekly.sql}\n", {});
  EXPECT_THAT(error, HasSubstr("model 'weekly'"));
  EXPECT_THAT(error, HasSubstr("weekly.sql not found"));
}

TEST_F(ModelManifestTest, RejectsADuplicateNameNamingIt) {
  const auto error = error_of(R"(
models:
  - {name: weekly, sql: s.sql}
  - {name: daily, sql: s.sql}
  - {name: weekly, sql: s.sql}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("model 'weekly': duplicate name (models #1 and #3)"));
}

TEST_F(ModelManifestTest, RejectsAnUnknownTestKindNamingIt) {
  const auto error = error_of(R"(
models:
  - name: weekly
    sql: s.sql
    columns:
      - {name: x, tests: [not_nul]}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("model 'weekly'"));
  EXPECT_THAT(error, HasSubstr("column 'x'"));
  EXPECT_THAT(error, HasSubstr("unknown test kind 'not_nul'"));
}

TEST_F(ModelManifestTest, RejectsABadMaterialization) {
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, materialized: matview}\n", {"s.sql"}),
              HasSubstr("materialized must be 'table' or 'view', not 'matview'"));
}

TEST_F(ModelManifestTest, ReadsTheIncrementalSettingsOfATable) {
  const auto m = load_manifest(manifest(R"(
models:
  - name: daily
    sql: s.sql
    incremental: {column: day, grain: day}
    columns: [{name: day, tests: [not_null]}]
  - name: weekly
    sql: s.sql
    depends_on: [daily]
    incremental: {column: week_start, grain: week}
    columns: [{name: week_start, tests: [not_null]}]
  - {name: plain, sql: s.sql}
)",
                                        {"s.sql"}));
  ASSERT_TRUE(m.find("daily")->incremental.has_value());
  EXPECT_EQ(m.find("daily")->incremental->column, "day");
  EXPECT_EQ(m.find("daily")->incremental->grain, PartitionGrain::Day);
  EXPECT_EQ(m.find("weekly")->incremental->grain, PartitionGrain::Week);
  EXPECT_FALSE(m.find("plain")->incremental.has_value());
}

TEST_F(ModelManifestTest, RejectsIncrementalSettingsThatCannotWorkNamingTheModel) {
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, "
                       "columns: [{name: d, tests: [not_null]}], "
                       "incremental: {column: d, grain: month}}\n",
                       {"s.sql"}),
              HasSubstr("model 'a' (line 2), incremental: grain must be 'day' or 'week', not "
                        "'month'"));
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, columns: [{name: d}], "
                       "incremental: {column: e, grain: day}}\n",
                       {"s.sql"}),
              HasSubstr("column 'e' is not among the model's columns"));
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, columns: [{name: d}], "
                       "incremental: {column: d, grain: day}}\n",
                       {"s.sql"}),
              HasSubstr("column 'd' needs a not_null test"));
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, materialized: view, "
                       "columns: [{name: d}], incremental: {column: d, grain: day}}\n",
                       {"s.sql"}),
              HasSubstr("only a table can be incremental"));
  EXPECT_THAT(error_of(R"(
models:
  - {name: base, sql: s.sql}
  - name: a
    sql: s.sql
    depends_on: [base]
    columns: [{name: d, tests: [not_null]}]
    incremental: {column: d, grain: day}
)",
                       {"s.sql"}),
              HasSubstr("its dependency base must be incremental too"));
}

TEST_F(ModelManifestTest, RejectsASchemaOrNameThatIsNotAPlainIdentifier) {
  EXPECT_THAT(error_of("schema: 'a\"; drop'\nmodels:\n  - {name: a, sql: s.sql}\n", {"s.sql"}),
              HasSubstr("is not a lower-case SQL identifier"));
  EXPECT_THAT(error_of("models:\n  - {name: Weekly-X, sql: s.sql}\n", {"s.sql"}),
              HasSubstr("name must be a lower-case SQL identifier"));
}

TEST_F(ModelManifestTest, RejectsTheSchemasHoldingTheProjectsAndPostgresOwnTables) {
  for (const char* schema :
       {"public", "ingest", "information_schema", "pg_catalog", "pg_toast", "pg_temp_3", "pg_mine",
        "PUBLIC", "Ingest", "PG_CATALOG", "Information_Schema"}) {
    const auto error = error_of(
        std::string("schema: ") + schema + "\nmodels:\n  - {name: user_events, sql: s.sql}\n",
        {"s.sql"});
    EXPECT_THAT(error, HasSubstr(std::string("manifest: schema '") + schema + "' is reserved"))
        << schema;
    EXPECT_THAT(error, HasSubstr("never replace")) << schema;
  }
}

TEST_F(ModelManifestTest, AcceptsASchemaThatOnlyLooksLikeAReservedOne) {
  for (const char* schema : {"analytics", "public_marts", "my_ingest", "pgx", "pg"}) {
    EXPECT_EQ(error_of(std::string("schema: ") + schema + "\nmodels:\n  - {name: a, sql: s.sql}\n",
                       {"s.sql"}),
              "")
        << schema;
  }
}

TEST_F(ModelManifestTest, RejectsAModelNameEndingInAReservedSuffixNamingTheModel) {
  const auto error = error_of(R"(
models:
  - {name: x, sql: s.sql}
  - {name: x__building, sql: s.sql}
  - {name: y__previous, sql: s.sql}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("model 'x__building' (line 4): name 'x__building' ends in "
                               "'__building', a suffix reserved"));
  EXPECT_THAT(error, HasSubstr("model 'y__previous' (line 5): name 'y__previous' ends in "
                               "'__previous', a suffix reserved"));
  // Only as a suffix: the words inside a name are fine.
  EXPECT_EQ(error_of("models:\n  - {name: x__building_log, sql: s.sql}\n", {"s.sql"}), "");
}

TEST_F(ModelManifestTest, RejectsAnUnknownKeySoThatTyposDoNotPassSilently) {
  EXPECT_THAT(error_of("models:\n  - {name: a, sql: s.sql, depend_on: [b]}\n", {"s.sql"}),
              HasSubstr("model 'a' (line 2): unknown key 'depend_on'"));
}

TEST_F(ModelManifestTest, ReportsEveryProblemAtOnce) {
  const auto error = error_of(R"(
models:
  - {name: a, sql: missing.sql}
  - {name: b, sql: s.sql, materialized: nope}
)",
                              {"s.sql"});
  EXPECT_THAT(error, HasSubstr("missing.sql not found"));
  EXPECT_THAT(error, HasSubstr("not 'nope'"));
}

TEST_F(ModelManifestTest, RejectsAMissingManifestWithAHint) {
  try {
    load_manifest(dir_ / "nowhere" / "models.yaml");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not found"));
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_MODELS_DIR"));
  }
}

TEST_F(ModelManifestTest, TheShippedManifestIsValidAndBuildsTheIntermediateFirst) {
  const auto m = load_manifest(fs::path(TRIBUTARY_SOURCE_DIR) / "analysis_sql" / "models.yaml");
  EXPECT_EQ(m.schema, "analytics");
  EXPECT_THAT(names(m), ElementsAre("user_daily_events", "daily_active_users", "weekly_engagement",
                                    "weekly_active_corporations", "weekly_summary"));
}

}  // namespace
}  // namespace tributary::internal
