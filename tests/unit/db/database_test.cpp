#include "db/database.hpp"

#include <gtest/gtest.h>
#include <pqxx/except>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

// The DatabaseError `work` becomes, or nothing when it passes through.
template <typename Throw>
DatabaseError translated(Throw&& work) {
  try {
    translate_database_errors("loading 2024-01-05", work);
  } catch (const DatabaseError& e) {
    return e;
  }
  ADD_FAILURE() << "no DatabaseError";
  return DatabaseError("none");
}

TEST(TranslateDatabaseErrors, NamesTheContextAndTheSqlstate) {
  const auto e = translated(
      [] { throw pqxx::sql_error("ERROR:  relation \"x\" does not exist\n", "select", "42P01"); });
  EXPECT_STREQ(e.what(),
               "loading 2024-01-05: ERROR:  relation \"x\" does not exist [SQLSTATE 42P01]");
  EXPECT_EQ(e.sqlstate(), "42P01");
}

TEST(TranslateDatabaseErrors, TakesTheSqlstateOfALibpqxxClassThatCarriesNone) {
  const auto e =
      translated([] { throw pqxx::insufficient_privilege("ERROR:  permission denied", "q"); });
  EXPECT_STREQ(e.what(), "loading 2024-01-05: ERROR:  permission denied [SQLSTATE 42501]");
  EXPECT_EQ(e.sqlstate(), "42501");
}

TEST(TranslateDatabaseErrors, NeverPrintsAnEmptySqlstate) {
  const auto e = translated([] { throw pqxx::sql_error("ERROR:  something odd"); });
  EXPECT_STREQ(e.what(), "loading 2024-01-05: ERROR:  something odd");
  EXPECT_EQ(e.sqlstate(), "");
}

TEST(TranslateDatabaseErrors, SaysWhenTheConnectionWasLost) {
  const auto e = translated([] { throw pqxx::broken_connection("server closed the connection"); });
  EXPECT_STREQ(e.what(),
               "loading 2024-01-05: lost the database connection: server closed the connection");
  EXPECT_EQ(e.sqlstate(), "08006");
}

TEST(TranslateDatabaseErrors, SaysWhenTheCommitOutcomeIsUnknown) {
  const auto e = translated([] { throw pqxx::in_doubt_error("connection lost during commit"); });
  EXPECT_STREQ(e.what(),
               "loading 2024-01-05: commit outcome unknown: connection lost during commit");
  EXPECT_EQ(e.sqlstate(), "08007");
}

TEST(TranslateDatabaseErrors, LetsOtherExceptionsThrough) {
  EXPECT_THROW(translate_database_errors("x", [] { throw pqxx::deadlock_detected("deadlock"); }),
               pqxx::deadlock_detected);
  EXPECT_THROW(translate_database_errors("x", [] { throw std::runtime_error("other"); }),
               std::runtime_error);
}

}  // namespace
}  // namespace tributary::internal
