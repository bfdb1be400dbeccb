#include "db/pg_errors.hpp"

#include <string_view>

#include <pqxx/except>

#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

template <typename T>
bool is(const std::exception& e) {
  return dynamic_cast<const T*>(&e) != nullptr;
}

// The SQLSTATE a libpqxx 6.4 class stands for, for the classes that are thrown without
// one (or are precise enough to name one). Most derived classes first.
std::string sqlstate_of_class(const std::exception& e) {
  if (is<pqxx::too_many_connections>(e)) return "53300";
  if (is<pqxx::broken_connection>(e)) return "08006";  // connection_failure
  if (is<pqxx::in_doubt_error>(e)) return "08007";     // transaction_resolution_unknown
  if (is<pqxx::serialization_failure>(e)) return "40001";
  if (is<pqxx::deadlock_detected>(e)) return "40P01";
  if (is<pqxx::statement_completion_unknown>(e)) return "40003";
  if (is<pqxx::transaction_rollback>(e)) return "40000";
  if (is<pqxx::insufficient_privilege>(e)) return "42501";
  if (is<pqxx::undefined_table>(e)) return "42P01";
  if (is<pqxx::undefined_column>(e)) return "42703";
  if (is<pqxx::undefined_function>(e)) return "42883";
  if (is<pqxx::syntax_error>(e)) return "42601";
  if (is<pqxx::unique_violation>(e)) return "23505";
  if (is<pqxx::foreign_key_violation>(e)) return "23503";
  if (is<pqxx::not_null_violation>(e)) return "23502";
  if (is<pqxx::check_violation>(e)) return "23514";
  if (is<pqxx::restrict_violation>(e)) return "23001";
  if (is<pqxx::disk_full>(e)) return "53100";
  if (is<pqxx::out_of_memory>(e)) return "53200";
  if (is<pqxx::plpgsql_raise>(e)) return "P0001";
  if (is<pqxx::plpgsql_no_data_found>(e)) return "P0002";
  if (is<pqxx::plpgsql_too_many_rows>(e)) return "P0003";
  if (is<pqxx::feature_not_supported>(e)) return "0A000";
  if (is<pqxx::invalid_cursor_state>(e)) return "24000";
  if (is<pqxx::invalid_sql_statement_name>(e)) return "26000";
  if (is<pqxx::invalid_cursor_name>(e)) return "34000";
  return {};
}

bool one_of(const std::string& state, std::initializer_list<std::string_view> codes) {
  for (const auto code : codes) {
    if (state == code) return true;
  }
  return false;
}

}  // namespace

std::string sqlstate_of(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e); sql && !sql->sqlstate().empty()) {
    return sql->sqlstate();
  }
  if (const auto* db = dynamic_cast<const DatabaseError*>(&e)) return db->sqlstate();
  return sqlstate_of_class(e);
}

PgErrorKind classify(const std::exception& e) {
  const auto state = sqlstate_of(e);
  if (one_of(state, {"55P03", "40P01"})) return PgErrorKind::LockConflict;
  if (one_of(state, {"40000", "40001", "40003"})) return PgErrorKind::Retryable;
  if (state.rfind("08", 0) == 0 || one_of(state, {"57P01", "57P02", "57P03", "53300"})) {
    return PgErrorKind::ConnectionLost;
  }
  // Only an sql_error that carries no SQLSTATE at all (libpqxx built the exception itself)
  // is read by its text: the server's own words for the two lock races.
  if (state.empty() && is<pqxx::sql_error>(e)) {
    const std::string_view what = e.what();
    if (what.find("lock timeout") != std::string_view::npos ||
        what.find("deadlock detected") != std::string_view::npos) {
      return PgErrorKind::LockConflict;
    }
  }
  return PgErrorKind::UserError;
}

bool is_retryable(PgErrorKind kind) {
  return kind == PgErrorKind::LockConflict || kind == PgErrorKind::Retryable;
}

std::string sqlstate_suffix(const std::string& sqlstate) {
  return sqlstate.empty() ? std::string{} : " [SQLSTATE " + sqlstate + "]";
}

std::string explain_pg_error(const std::exception& e) {
  const std::string message = e.what();
  std::string line = message.substr(0, message.find('\n'));
  for (const std::string_view prefix : {"ERROR:  ", "ERROR: "}) {
    if (line.rfind(prefix, 0) == 0) line = line.substr(prefix.size());
  }
  return line + sqlstate_suffix(sqlstate_of(e));
}

}  // namespace tributary::internal
