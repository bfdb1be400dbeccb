#include "db/pg_errors.hpp"

#include <stdexcept>

#include <gtest/gtest.h>
#include <pqxx/except>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

pqxx::sql_error server_error(const char* sqlstate, const std::string& message = "ERROR:  x") {
  return pqxx::sql_error(message, "select 1", sqlstate);
}

TEST(PgErrorSqlstate, IsTheOneTheExceptionCarries) {
  EXPECT_EQ(sqlstate_of(server_error("22P02")), "22P02");
  EXPECT_EQ(sqlstate_of(pqxx::data_exception("bad", "q", "22012")), "22012");
  EXPECT_EQ(sqlstate_of(DatabaseError("lost", "08006")), "08006");
}

TEST(PgErrorSqlstate, ComesFromTheLibpqxxClassWhenTheExceptionCarriesNone) {
  EXPECT_EQ(sqlstate_of(pqxx::deadlock_detected("deadlock detected")), "40P01");
  EXPECT_EQ(sqlstate_of(pqxx::serialization_failure("could not serialize")), "40001");
  EXPECT_EQ(sqlstate_of(pqxx::statement_completion_unknown("?")), "40003");
  EXPECT_EQ(sqlstate_of(pqxx::transaction_rollback("rolled back")), "40000");
  EXPECT_EQ(sqlstate_of(pqxx::broken_connection("server closed the connection")), "08006");
  EXPECT_EQ(sqlstate_of(pqxx::too_many_connections("too many clients")), "53300");
  EXPECT_EQ(sqlstate_of(pqxx::in_doubt_error("commit?")), "08007");
  EXPECT_EQ(sqlstate_of(pqxx::insufficient_privilege("permission denied", "q")), "42501");
  EXPECT_EQ(sqlstate_of(pqxx::undefined_table("no such table")), "42P01");
  EXPECT_EQ(sqlstate_of(pqxx::undefined_column("no such column")), "42703");
  EXPECT_EQ(sqlstate_of(pqxx::unique_violation("duplicate key")), "23505");
}

TEST(PgErrorSqlstate, IsEmptyWhenNothingTells) {
  EXPECT_EQ(sqlstate_of(pqxx::sql_error("something")), "");
  EXPECT_EQ(sqlstate_of(pqxx::data_exception("some data problem")), "");
  EXPECT_EQ(sqlstate_of(pqxx::failure("write to table failed")), "");
  EXPECT_EQ(sqlstate_of(DatabaseError("cannot reach the database")), "");
  EXPECT_EQ(sqlstate_of(std::runtime_error("not a database error")), "");
}

TEST(PgErrorClassify, LockTimeoutAndDeadlockAreLockConflicts) {
  EXPECT_EQ(classify(server_error("55P03", "canceling statement due to lock timeout")),
            PgErrorKind::LockConflict);
  EXPECT_EQ(classify(server_error("40P01")), PgErrorKind::LockConflict);
  EXPECT_EQ(classify(pqxx::deadlock_detected("deadlock detected")), PgErrorKind::LockConflict);
  EXPECT_EQ(classify(DatabaseError("ctx: lock", "55P03")), PgErrorKind::LockConflict);
}

TEST(PgErrorClassify, OtherRollbacksAreRetryable) {
  EXPECT_EQ(classify(server_error("40001")), PgErrorKind::Retryable);
  EXPECT_EQ(classify(pqxx::serialization_failure("could not serialize")), PgErrorKind::Retryable);
  EXPECT_EQ(classify(pqxx::statement_completion_unknown("?")), PgErrorKind::Retryable);
  EXPECT_EQ(classify(pqxx::transaction_rollback("rolled back")), PgErrorKind::Retryable);
}

TEST(PgErrorClassify, RetryableMeansLockConflictOrRetryable) {
  EXPECT_TRUE(is_retryable(PgErrorKind::LockConflict));
  EXPECT_TRUE(is_retryable(PgErrorKind::Retryable));
  EXPECT_FALSE(is_retryable(PgErrorKind::ConnectionLost));
  EXPECT_FALSE(is_retryable(PgErrorKind::UserError));
}

TEST(PgErrorClassify, ALostSessionIsConnectionLost) {
  EXPECT_EQ(classify(pqxx::broken_connection("server closed the connection unexpectedly")),
            PgErrorKind::ConnectionLost);
  EXPECT_EQ(classify(pqxx::too_many_connections("sorry, too many clients already")),
            PgErrorKind::ConnectionLost);
  EXPECT_EQ(classify(pqxx::in_doubt_error("commit outcome unknown")), PgErrorKind::ConnectionLost);
  for (const char* state : {"08000", "08003", "08006", "08P01", "57P01", "57P02", "57P03"}) {
    EXPECT_EQ(classify(server_error(state)), PgErrorKind::ConnectionLost) << state;
  }
  EXPECT_EQ(classify(DatabaseError("ctx: lost the database connection", "08006")),
            PgErrorKind::ConnectionLost);
}

TEST(PgErrorClassify, EverythingElseIsAUserError) {
  for (const char* state : {"42601", "42P01", "22P02", "23505", "40002", "53100", "XX000"}) {
    EXPECT_EQ(classify(server_error(state)), PgErrorKind::UserError) << state;
  }
  EXPECT_EQ(classify(pqxx::insufficient_privilege("permission denied", "q")),
            PgErrorKind::UserError);
  EXPECT_EQ(classify(pqxx::failure("write to table failed")), PgErrorKind::UserError);
  EXPECT_EQ(classify(DatabaseError("cannot reach the database")), PgErrorKind::UserError);
  EXPECT_EQ(classify(ApiError("HTTP 500", 500)), PgErrorKind::UserError);
  EXPECT_EQ(classify(std::runtime_error("lock timeout")), PgErrorKind::UserError);
}

TEST(PgErrorClassify, ReadsTheTextOnlyOfAnSqlErrorWithoutSqlstate) {
  EXPECT_EQ(classify(pqxx::sql_error("ERROR:  canceling statement due to lock timeout")),
            PgErrorKind::LockConflict);
  EXPECT_EQ(classify(pqxx::sql_error("ERROR:  deadlock detected")), PgErrorKind::LockConflict);
  // A SQLSTATE decides over the text.
  EXPECT_EQ(classify(server_error("XX000", "ERROR:  deadlock detected in a comment")),
            PgErrorKind::UserError);
}

TEST(PgErrorExplain, IsTheFirstLineWithTheSqlstate) {
  EXPECT_EQ(explain_pg_error(server_error("42703", "ERROR:  column \"x\" does not exist\nLINE 1")),
            "column \"x\" does not exist [SQLSTATE 42703]");
  EXPECT_EQ(explain_pg_error(pqxx::insufficient_privilege("ERROR: permission denied", "q")),
            "permission denied [SQLSTATE 42501]");
}

TEST(PgErrorExplain, LeavesOutAnUnknownSqlstate) {
  EXPECT_EQ(explain_pg_error(pqxx::sql_error("ERROR:  something\nDETAIL: more")), "something");
  EXPECT_EQ(sqlstate_suffix(""), "");
  EXPECT_EQ(sqlstate_suffix("40P01"), " [SQLSTATE 40P01]");
}

}  // namespace
}  // namespace tributary::internal
