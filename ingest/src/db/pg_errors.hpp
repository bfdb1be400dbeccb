#pragma once

// The one classification of Postgres failures: by SQLSTATE where the exception carries one,
// by libpqxx 6.4 exception class where it does not (that version throws the class-40 and
// connection classes, and insufficient_privilege, without their SQLSTATE). The loader's
// retry, the model runner's swap and translate_database_errors all decide through it.

#include <exception>
#include <string>

#include "tributary/settings.hpp"

namespace tributary::internal {

/// What a caller can do about a failed database operation.
enum class PgErrorKind {
  /// Lost a lock race: 55P03 lock_not_available (a lock timeout), 40P01 deadlock_detected.
  /// The transaction was rolled back; running it again may succeed.
  LockConflict,
  /// Rolled back for another transient reason (40000, 40001 serialization_failure, 40003):
  /// running the same transaction again may succeed.
  Retryable,
  /// The session is gone (pqxx::broken_connection, pqxx::in_doubt_error, class 08,
  /// 57P01-57P03 shutdown, 53300 too many connections): reconnect before anything else.
  ConnectionLost,
  /// Everything else: the SQL, the data, a permission, or not a database error at all.
  /// Running it again fails the same way.
  UserError,
};

/// The SQLSTATE of `e`: the one a pqxx::sql_error or a DatabaseError carries, else the one
/// its libpqxx 6.4 class stands for (pqxx::deadlock_detected: 40P01, broken_connection:
/// 08006, ...). Empty when neither tells.
std::string sqlstate_of(const std::exception& e);

/// The kind of failure `e` is.
PgErrorKind classify(const std::exception& e);

/// Whether running the rolled-back transaction again may succeed (LockConflict, Retryable).
bool is_retryable(PgErrorKind kind);

/// ` [SQLSTATE x]`, or nothing when `sqlstate` is empty.
std::string sqlstate_suffix(const std::string& sqlstate);

/// `message [SQLSTATE x]`, the message being the first line of a server error without its
/// `ERROR:` prefix.
std::string explain_pg_error(const std::exception& e);

/// The message for a connection to `settings` that failed with libpq's `reason`, on one
/// line: where (never the password), why, and a hint for that cause — a wrong or missing
/// password, nothing listening, an unknown host, database or role, pg_hba.conf, SSL — or,
/// when no database is configured, where tributary looked for one.
std::string explain_connection_failure(std::string reason, const DatabaseSettings& settings);

}  // namespace tributary::internal
