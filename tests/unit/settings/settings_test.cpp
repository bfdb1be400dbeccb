#include "tributary/settings.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "settings/dotenv.hpp"
#include "settings/environment_names.hpp"
#include "tributary/error.hpp"

namespace tributary {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// Each test runs in its own empty directory with the tributary variables cleared, so no
// .env, tributary.yaml or environment of the machine leaks in.
class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    old_cwd_ = fs::current_path();
    dir_ = fs::temp_directory_path() /
           ("tributary-settings-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    fs::current_path(dir_);
    for (const auto& [key, env] : internal::setting_environment_names()) {
      if (const char* v = std::getenv(env.c_str())) saved_[env] = v;
      ::unsetenv(env.c_str());
    }
    ::unsetenv("TRIBUTARY_PROFILE");
    // The per-user record of `make db-up` of this machine must not leak in either.
    if (const char* v = std::getenv("XDG_STATE_HOME")) saved_["XDG_STATE_HOME"] = v;
    ::setenv("XDG_STATE_HOME", (dir_ / "state").c_str(), 1);
  }
  void TearDown() override {
    fs::current_path(old_cwd_);
    fs::remove_all(dir_);
    ::unsetenv("XDG_STATE_HOME");
    for (const auto& [key, env] : internal::setting_environment_names()) ::unsetenv(env.c_str());
    for (const auto& [env, value] : saved_) ::setenv(env.c_str(), value.c_str(), 1);
  }
  static void write(const std::string& name, const std::string& text) {
    std::ofstream(name) << text;
  }

  fs::path old_cwd_;
  fs::path dir_;
  std::map<std::string, std::string> saved_;
};

TEST_F(SettingsTest, DefaultsApplyWhenNothingIsSet) {
  const auto s = load_settings({});
  EXPECT_EQ(s.parallel, 4);
  EXPECT_EQ(s.api.max_attempts, 5);
  EXPECT_TRUE(s.api.url.empty());
}

TEST_F(SettingsTest, FlagsBeatEnvironmentBeatDotenvBeatYaml) {
  write("tributary.yaml", "parallel: 2\napi:\n  url: http://yaml/events\n  max_attempts: 7\n");
  write(".env", "TRIBUTARY_PARALLEL=3\nAPI_URL=http://dotenv/events\n");
  ::setenv("API_URL", "http://env/events", 1);
  SettingsSources sources;
  sources.flags["parallel"] = "6";
  const auto s = load_settings(sources);
  EXPECT_EQ(s.parallel, 6);
  EXPECT_EQ(s.api.url, "http://env/events");
  EXPECT_EQ(s.api.max_attempts, 7);
}

TEST_F(SettingsTest, DotenvBeatsYaml) {
  write("tributary.yaml", "parallel: 2\n");
  write(".env", "# comment\nexport TRIBUTARY_PARALLEL='3'\n");
  EXPECT_EQ(load_settings({}).parallel, 3);
}

TEST_F(SettingsTest, ReadDotenvTakesCommentsExportQuotesAndTrailingComments) {
  write("x.env",
        "# comment\n\nexport A=1\n B = \"two # words\" \nC='single'\nD=plain # note\nE=\n");
  const std::map<std::string, std::string> want = {
      {"A", "1"}, {"B", "two # words"}, {"C", "single"}, {"D", "plain"}, {"E", ""}};
  EXPECT_EQ(internal::read_dotenv("x.env"), want);
  EXPECT_TRUE(internal::read_dotenv("missing.env").empty());
}

TEST_F(SettingsTest, ReadDotenvNamesTheMalformedLine) {
  write("x.env", "A=1\n=2\n");
  try {
    internal::read_dotenv("x.env");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("x.env:2: expected KEY=VALUE"));
  }
}

TEST_F(SettingsTest, EnvironmentNamesMapCanonicalKeysToTheirVariables) {
  const auto& names = internal::setting_environment_names();
  EXPECT_EQ(names.at("api.url"), "API_URL");
  EXPECT_EQ(names.at("database.password"), "POSTGRES_PASSWORD");
  EXPECT_EQ(names.at("parallel"), "TRIBUTARY_PARALLEL");
}

TEST_F(SettingsTest, DotenvKeysThatLookLikeSettingsWarnWithTheNearestName) {
  ::unsetenv("PGPASSWORD");
  write(".env",
        "API_TOKN=t0ken\napi_url=http://127.0.0.1:1/events\nDATABSE_URL=\n"
        "TRIBUTARY_PARALEL=2\nTRIBUTARY_COLOUR=blue\nPGPASSWORD=pw\n"
        // Not ours, or ours but read elsewhere: no warning.
        "COMPOSE_PROJECT_NAME=tributary\nANALYST_PASSWORD=a\nLOCAL_PG_PORT=54330\n"
        "DEMO_EVENTS_PER_DAY=10\nPOSTGRES_INITDB_ARGS=--data-checksums\nPGADMIN_DEFAULT_EMAIL=a@b\n"
        "TRIBUTARY_PROFILE=\nAPI_TOKEN=\nPOSTGRES_PORT=5433\n");
  const auto s = load_settings({});
  EXPECT_THAT(s.warnings,
              ::testing::UnorderedElementsAre(
                  ".env: unknown key 'API_TOKN' (did you mean API_TOKEN?)",
                  ".env: unknown key 'api_url' (did you mean API_URL?)",
                  ".env: unknown key 'DATABSE_URL' (did you mean DATABASE_URL?)",
                  ".env: unknown key 'TRIBUTARY_PARALEL' (did you mean TRIBUTARY_PARALLEL?)",
                  ".env: unknown key 'TRIBUTARY_COLOUR' (no setting of tributary has this name)",
                  ".env: PGPASSWORD is not read from .env (libpq takes it from the real "
                  "environment only); did you mean POSTGRES_PASSWORD?"));
  for (const auto& warning : s.warnings) {
    EXPECT_THAT(warning, ::testing::Not(HasSubstr("t0ken")));
  }
  EXPECT_TRUE(s.api.url.empty()) << "a lower-case key is not API_URL";
  EXPECT_EQ(s.database.port, 5433) << "the known keys still apply";
}

TEST_F(SettingsTest, DotenvVariablesOfTheRealEnvironmentWarnOnlyWhenNotExported) {
  write(".env", "TRIBUTARY_PROFILE=prod\nPGSSLMODE=require\n");
  EXPECT_THAT(load_settings({}).warnings,
              ::testing::ElementsAre(
                  ".env: PGSSLMODE is not read from .env (libpq takes it from the real "
                  "environment only); export it, or set it in DATABASE_URL",
                  ".env: TRIBUTARY_PROFILE is not read from .env (only from the real "
                  "environment): export it instead"));
  // `make deploy` exports .env first: then both reach whoever reads them.
  ::setenv("PGSSLMODE", "require", 1);
  ::setenv("TRIBUTARY_PROFILE", "prod", 1);
  write("tributary.yaml", "profiles:\n  prod:\n    parallel: 2\n");
  EXPECT_TRUE(load_settings({}).warnings.empty());
  ::unsetenv("PGSSLMODE");
}

TEST_F(SettingsTest, AnUnknownYamlKeyNamesTheNearestKnownKey) {
  write("tributary.yaml", "api:\n  tokn: x\nmax_attempts: 3\ndatabase:\n  colour: blue\n");
  try {
    load_settings({});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("unknown setting 'api.tokn' (did you mean api.token?)"));
    EXPECT_THAT(what,
                HasSubstr("unknown setting 'max_attempts' (did you mean api.max_attempts?)"));
    EXPECT_THAT(what, ::testing::EndsWith("unknown setting 'database.colour'"));  // no guess
  }
}

TEST_F(SettingsTest, ARealApiWithoutTokenIsAConfigurationErrorALoopbackOneIsNot) {
  const auto token_errors = [](const std::string& url, const std::string& token) {
    ::setenv("API_URL", url.c_str(), 1);
    if (token.empty()) {
      ::unsetenv("API_TOKEN");
    } else {
      ::setenv("API_TOKEN", token.c_str(), 1);
    }
    std::vector<std::string> found;
    for (const auto& e : load_settings({}).validate(true, false)) {
      if (e.find("API_TOKEN") != std::string::npos) found.push_back(e);
    }
    return found;
  };
  EXPECT_THAT(token_errors("https://user:pw@api.example.com/v1/events?key=k", ""),
              ::testing::ElementsAre(
                  "API_TOKEN is not set; the API at https://api.example.com/v1/events needs "
                  "one: set API_TOKEN in the environment or .env (only an API on this machine, "
                  "such as `tributary demo-api`, may go without)"));
  EXPECT_EQ(token_errors("http://10.0.0.7:8085/events", "").size(), 1u);
  EXPECT_EQ(token_errors("http://127.example.com/events", "").size(), 1u);
  EXPECT_TRUE(token_errors("https://api.example.com/events", "s3cret").empty());
  for (const auto* loopback : {"http://127.0.0.1:8085/events", "http://localhost:1/e",
                               "http://LOCALHOST/e", "http://[::1]:8085/events",
                               "http://127.1.2.3/e"}) {
    EXPECT_TRUE(token_errors(loopback, "").empty()) << loopback;
  }
  // Only commands that fetch need it.
  ::setenv("API_URL", "https://api.example.com/events", 1);
  ::unsetenv("API_TOKEN");
  EXPECT_TRUE(load_settings({}).validate(false, true).empty());
}

TEST_F(SettingsTest, TheLocalClusterIsFoundFromAnyDirectoryThroughTheUserRecord) {
  EXPECT_EQ(local_cluster_record_path(), (dir_ / "state/tributary/local-postgres.env").string());
  const auto checkout = dir_ / "checkout";
  fs::create_directories(checkout / ".local");
  std::ofstream(checkout / ".local/postgres.env")
      << "POSTGRES_HOST=127.0.0.1\nPOSTGRES_PORT=54777\nPOSTGRES_PASSWORD=local-secret\n";
  fs::create_directories(dir_ / "state/tributary");
  std::ofstream(dir_ / "state/tributary/local-postgres.env")
      << "# Written by db-up.sh\nLOCAL_PG_ENV=" << (checkout / ".local/postgres.env").string()
      << "\n";
  fs::create_directories("elsewhere");
  fs::current_path("elsewhere");
  auto s = load_settings({});
  EXPECT_EQ(s.database.port, 54777);
  EXPECT_EQ(s.database.password, "local-secret");
  EXPECT_FALSE(s.database.configured);
  EXPECT_EQ(s.database.local_cluster_env, (checkout / ".local/postgres.env").string());

  // Settings that do not say which database (a copy of .env.example sets some) keep it.
  ::setenv("TRIBUTARY_LOCK_TIMEOUT_MS", "30000", 1);
  ::setenv("POSTGRES_PASSWORD", "mine", 1);
  s = load_settings({});
  EXPECT_EQ(s.database.port, 54777);
  EXPECT_EQ(s.database.password, "mine");
  ::unsetenv("TRIBUTARY_LOCK_TIMEOUT_MS");
  ::unsetenv("POSTGRES_PASSWORD");

  // A checkout of the working directory comes first.
  fs::create_directories(".local");
  write(".local/postgres.env", "POSTGRES_PORT=54888\n");
  EXPECT_EQ(load_settings({}).database.port, 54888);
  fs::remove_all(".local");

  // A configured database ignores both.
  ::setenv("POSTGRES_PORT", "6000", 1);
  s = load_settings({});
  EXPECT_EQ(s.database.port, 6000);
  EXPECT_TRUE(s.database.configured);
  EXPECT_TRUE(s.database.local_cluster_env.empty());
  EXPECT_TRUE(s.database.password.empty());
  ::unsetenv("POSTGRES_PORT");

  // A record whose checkout is gone counts as none: the defaults.
  fs::remove_all(checkout);
  s = load_settings({});
  EXPECT_EQ(s.database.port, 5432);
  EXPECT_FALSE(s.database.configured);
  EXPECT_TRUE(s.database.local_cluster_env.empty());

  // Without XDG_STATE_HOME, under the home directory.
  ::unsetenv("XDG_STATE_HOME");
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') {
    EXPECT_EQ(local_cluster_record_path(),
              (fs::path(home) / ".local/state/tributary/local-postgres.env").string());
  }
}

TEST_F(SettingsTest, ProfileOverlaysTheBase) {
  write("tributary.yaml",
        "parallel: 2\nprofiles:\n  fast:\n    parallel: 8\n    api:\n      url: http://fast/e\n");
  SettingsSources sources;
  sources.profile = "fast";
  const auto s = load_settings(sources);
  EXPECT_EQ(s.parallel, 8);
  EXPECT_EQ(s.api.url, "http://fast/e");
  EXPECT_EQ(s.profile, "fast");
}

TEST_F(SettingsTest, UnknownProfileIsReportedByName) {
  write("tributary.yaml", "parallel: 2\n");
  SettingsSources sources;
  sources.profile = "nope";
  try {
    load_settings(sources);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'nope'"));
  }
}

TEST_F(SettingsTest, EveryMalformedValueIsReportedByItsName) {
  ::setenv("TRIBUTARY_PARALLEL", "many", 1);
  ::setenv("POSTGRES_PORT", "99999", 1);
  write("tributary.yaml", "api:\n  max_attempts: zero\n  colour: blue\n");
  try {
    load_settings({});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("TRIBUTARY_PARALLEL must be an integer"));
    EXPECT_THAT(what, HasSubstr("POSTGRES_PORT must be an integer from 1 to 65535"));
    EXPECT_THAT(what, HasSubstr("tributary.yaml: api.max_attempts"));
    EXPECT_THAT(what, HasSubstr("unknown setting 'api.colour'"));
  }
}

TEST_F(SettingsTest, ReadsTheAttemptDeadlineThroughputAndMirrorGuard) {
  const auto defaults = load_settings({});
  EXPECT_EQ(defaults.mirror_max_delete_percent, 50);
  EXPECT_EQ(defaults.api.attempt_timeout, std::chrono::seconds(3600));
  EXPECT_EQ(defaults.api.low_speed_limit, 1024);
  ::setenv("TRIBUTARY_MIRROR_MAX_DELETE_PERCENT", "80", 1);
  ::setenv("TRIBUTARY_ATTEMPT_TIMEOUT_SECONDS", "90", 1);
  write("tributary.yaml", "api:\n  min_bytes_per_second: 10\n");
  const auto s = load_settings({});
  EXPECT_EQ(s.mirror_max_delete_percent, 80);
  EXPECT_EQ(s.api.attempt_timeout, std::chrono::seconds(90));
  EXPECT_EQ(s.api.low_speed_limit, 10);
  ::setenv("TRIBUTARY_MIRROR_MAX_DELETE_PERCENT", "150", 1);
  ::setenv("TRIBUTARY_ATTEMPT_TIMEOUT_SECONDS", "0", 1);
  try {
    load_settings({});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_MIRROR_MAX_DELETE_PERCENT must be an integer from 0 to 100"));
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_ATTEMPT_TIMEOUT_SECONDS must be an integer from 1"));
  }
}

TEST_F(SettingsTest, SecretsAreRefusedInTheYamlFile) {
  write("tributary.yaml", "api:\n  token: hunter2\n");
  try {
    load_settings({});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("API_TOKEN"));
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("hunter2")));
  }
}

TEST_F(SettingsTest, MissingApiUrlIsNamedByValidate) {
  const auto errors = load_settings({}).validate(true, false);
  ASSERT_FALSE(errors.empty());
  EXPECT_THAT(errors.front(), HasSubstr("API_URL is not set"));
}

TEST_F(SettingsTest, LocalClusterIsUsedWhenNoDatabaseIsConfigured) {
  fs::create_directories(".local");
  write(".local/postgres.env", "POSTGRES_PORT=5555\nPOSTGRES_PASSWORD=local-secret\n");
  auto s = load_settings({});
  EXPECT_EQ(s.database.port, 5555);
  ::setenv("POSTGRES_HOST", "db.example", 1);
  s = load_settings({});
  EXPECT_EQ(s.database.host, "db.example");
  EXPECT_EQ(s.database.port, 5432);
  EXPECT_TRUE(s.database.password.empty());
}

TEST_F(SettingsTest, DescribeNeverShowsThePassword) {
  DatabaseSettings db;
  db.password = "s3cret-canary";
  EXPECT_THAT(db.describe(), ::testing::Not(HasSubstr("s3cret-canary")));
  EXPECT_THAT(db.connection_string(), HasSubstr("s3cret-canary"));
  db.url = "postgresql://alice:s3cret-canary@dbhost:6543/warehouse";
  EXPECT_EQ(db.describe(), "dbhost:6543/warehouse as alice");
}

TEST_F(SettingsTest, MalformedDotenvLineIsReportedWithItsLineNumber) {
  write(".env", "API_URL=http://x/e\nthis is not a setting\n");
  try {
    load_settings({});
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(".env:2"));
  }
}

}  // namespace
}  // namespace tributary

namespace tributary {
namespace {

// libpq's own parser is the judge: every connection string must parse and keep what the
// URL said.
std::map<std::string, std::string> parsed(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  std::map<std::string, std::string> values;
  if (options == nullptr) {
    ADD_FAILURE() << "unparseable: " << (error ? error : "");
    PQfreemem(error);
    return values;
  }
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr) values[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return values;
}

TEST(DatabaseSettingsTest, UrlWithoutPasswordSettingStaysAValidConnectionString) {
  DatabaseSettings db;
  db.url = "postgresql://alice:inline-pw@dbhost:6543/warehouse?sslmode=require";
  const auto values = parsed(db.connection_string());
  EXPECT_EQ(values.at("host"), "dbhost");
  EXPECT_EQ(values.at("port"), "6543");
  EXPECT_EQ(values.at("dbname"), "warehouse");
  EXPECT_EQ(values.at("user"), "alice");
  EXPECT_EQ(values.at("password"), "inline-pw");
  EXPECT_EQ(values.at("sslmode"), "require");
  EXPECT_EQ(values.at("connect_timeout"), "10");
  EXPECT_EQ(values.at("application_name"), "tributary");
}

TEST(DatabaseSettingsTest, PostgresPasswordOverridesTheUrlPassword) {
  DatabaseSettings db;
  db.url = "postgresql://alice:inline-pw@dbhost/warehouse?connect_timeout=3";
  db.password = "it's a \\secret";
  const auto values = parsed(db.connection_string());
  EXPECT_EQ(values.at("password"), "it's a \\secret");
  EXPECT_EQ(values.at("connect_timeout"), "3");
}

TEST(DatabaseSettingsTest, KerberosProbingIsOffUnlessTheUrlAsksForIt) {
  DatabaseSettings db;
  db.host = "dbhost";
  EXPECT_EQ(parsed(db.connection_string()).at("gssencmode"), "disable");
  db.url = "postgresql://alice@dbhost/warehouse?gssencmode=require";
  EXPECT_EQ(parsed(db.connection_string()).at("gssencmode"), "require");
}

TEST_F(SettingsTest, DailyOperationSettingsHaveDefaultsAndNameTheirSourceWhenBad) {
  const auto defaults = load_settings({});
  EXPECT_EQ(defaults.api.availability_lag, std::chrono::hours(2));
  EXPECT_EQ(defaults.sync.lookback_days, 3);
  EXPECT_FALSE(defaults.sync.start_date.has_value());

  ::setenv("TRIBUTARY_AVAILABILITY_LAG", "90m", 1);
  ::setenv("TRIBUTARY_LOOKBACK_DAYS", "7", 1);
  ::setenv("TRIBUTARY_START_DATE", "2024-03-01", 1);
  const auto set = load_settings({});
  EXPECT_EQ(set.api.availability_lag, std::chrono::minutes(90));
  EXPECT_EQ(set.sync.lookback_days, 7);
  EXPECT_EQ(set.sync.start_date, date::sys_days{date::year{2024} / 3 / 1});

  write("tributary.yaml", "api:\n  availability_lag: 1d\nsync:\n  lookback_days: 2\n");
  ::unsetenv("TRIBUTARY_AVAILABILITY_LAG");
  ::unsetenv("TRIBUTARY_LOOKBACK_DAYS");
  const auto yaml = load_settings({});
  EXPECT_EQ(yaml.api.availability_lag, std::chrono::hours(24));
  EXPECT_EQ(yaml.sync.lookback_days, 2);

  ::setenv("TRIBUTARY_AVAILABILITY_LAG", "two hours", 1);
  ::setenv("TRIBUTARY_LOOKBACK_DAYS", "-1", 1);
  ::setenv("TRIBUTARY_START_DATE", "2024-02-30", 1);
  try {
    load_settings({});
    ADD_FAILURE() << "accepted bad daily-operation settings";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_AVAILABILITY_LAG: 'two hours' is not a duration"));
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_LOOKBACK_DAYS must be an integer from 0 to 366"));
    EXPECT_THAT(e.what(), HasSubstr("TRIBUTARY_START_DATE: '2024-02-30'"));
  }
}

TEST_F(SettingsTest, ADatabaseUrlWithAPortThatIsNoNumberIsAConfigurationError) {
  ::setenv("DATABASE_URL", "postgresql://u@127.0.0.1:54x2/db", 1);
  const auto bad = load_settings({});
  EXPECT_THAT(bad.validate(false, true),
              ::testing::Contains(HasSubstr("DATABASE_URL: port '54x2' is not a number")));
  ::setenv("DATABASE_URL", "postgresql://u@127.0.0.1:5432/db", 1);
  EXPECT_TRUE(load_settings({}).validate(false, true).empty());
  ::setenv("DATABASE_URL", "host=a,b port=5432,99999 dbname=x", 1);
  EXPECT_THAT(load_settings({}).validate(false, true),
              ::testing::Contains(HasSubstr("port '99999'")));
  ::unsetenv("DATABASE_URL");
}

TEST_F(SettingsTest, RequireListsEveryMissingSettingInOneError) {
  auto s = load_settings({});
  s.database.host.clear();
  try {
    s.require(true, true);
    ADD_FAILURE() << "require accepted settings without API_URL and POSTGRES_HOST";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("invalid settings:\n  - API_URL is not set"));
    EXPECT_THAT(e.what(), HasSubstr("\n  - POSTGRES_HOST is empty"));
  }
  EXPECT_NO_THROW(s.require(false, false));
}

}  // namespace
}  // namespace tributary
