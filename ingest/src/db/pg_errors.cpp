#include "db/pg_errors.hpp"

#include <string_view>
#include <utility>

#include <libpq-fe.h>

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

bool mentions(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// libpq's reason on one line: its lines (one per host tried) joined by `; `, without the
// indented advice it adds (`\tIs the server running on that host ...?`), which the hint
// replaces.
std::string one_line_reason(const std::string& reason) {
  std::string out;
  std::size_t start = 0;
  while (start < reason.size()) {
    auto end = reason.find('\n', start);
    if (end == std::string::npos) end = reason.size();
    std::string line = reason.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    if (line.empty() || line.front() == '\t') continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

// The password in a libpq connection string or URI, if it holds one.
std::string password_in(const std::string& url) {
  std::string password;
  if (url.empty()) return password;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), nullptr);
  if (options == nullptr) return password;
  for (auto* o = options; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && std::string_view(o->keyword) == "password") password = o->val;
  }
  PQconninfoFree(options);
  return password;
}

struct ConnectionHint {
  bool reached = false;  // the server answered (the login failed), or no server was found
  std::string text;
};

ConnectionHint connection_hint(const std::string& reason, const DatabaseSettings& s) {
  const bool url = !s.url.empty();
  // With DATABASE_URL set, the POSTGRES_* parts are ignored: name the part of the URL.
  const auto either = [&](const char* part, const char* setting) {
    return url ? std::string("the ") + part + " in DATABASE_URL" : std::string(setting);
  };
  if (mentions(reason, "password authentication failed")) {
    return {true, "the password is wrong: check POSTGRES_PASSWORD" +
                      std::string(url ? " (it replaces the password in DATABASE_URL)" : "") +
                      ", or the line for this server in ~/.pgpass"};
  }
  if (mentions(reason, "no password supplied")) {
    return {true,
            "the server wants a password and none was given: set POSTGRES_PASSWORD in "
            "the environment or .env, or add a line host:port:database:user:password "
            "for this server to ~/.pgpass (mode 0600)"};
  }
  if (mentions(reason, "database \"") && mentions(reason, "does not exist")) {
    return {true, "check " + either("database", "POSTGRES_DB") +
                      ", or create it (createdb -O <user> <name>)"};
  }
  if (mentions(reason, "role \"") && mentions(reason, "does not exist")) {
    return {true, "check " + either("user", "POSTGRES_USER") +
                      ", or create the role (CREATE ROLE <name> LOGIN PASSWORD ...)"};
  }
  if (mentions(reason, "no pg_hba.conf entry")) {
    return {true, "the server's pg_hba.conf lets no such login in from this host" +
                      std::string(mentions(reason, "no encryption")
                                      ? " without SSL: try sslmode=require in DATABASE_URL (or "
                                        "PGSSLMODE=require), or ask the server's administrator"
                                      : ": ask the server's administrator")};
  }
  if (mentions(reason, "server does not support SSL")) {
    return {true,
            "the server offers no SSL but sslmode requires it: use sslmode=prefer or "
            "disable in DATABASE_URL (or PGSSLMODE), or turn ssl on in the server"};
  }
  if (mentions(reason, "SSL") || mentions(reason, "certificate")) {
    return {true,
            "an SSL problem: check sslmode, sslrootcert (default ~/.postgresql/root.crt) "
            "and the other ssl* parameters in DATABASE_URL (or PGSSL* variables), and the "
            "server's certificate"};
  }
  if (mentions(reason, "too many clients") || mentions(reason, "starting up") ||
      mentions(reason, "shutting down") || mentions(reason, "in recovery mode")) {
    return {true, "the server is busy or restarting: try again shortly"};
  }
  if (mentions(reason, "could not translate host name")) {
    return {false, "the host name is unknown: check " + either("host", "POSTGRES_HOST")};
  }
  if (mentions(reason, "Connection refused")) {
    return {false, "nothing listens there: check " +
                       either("host and port", "POSTGRES_HOST/POSTGRES_PORT") +
                       ", or start the local cluster with `make db-up`"};
  }
  if (mentions(reason, "timeout expired")) {
    return {false, "no answer within " + std::to_string(s.connect_timeout_seconds) + " s: check " +
                       either("host and port", "POSTGRES_HOST/POSTGRES_PORT") +
                       " and any firewall in between"};
  }
  return {false, "check POSTGRES_HOST/POSTGRES_PORT or DATABASE_URL, or run `make db-up`"};
}

}  // namespace

std::string explain_connection_failure(std::string reason, const DatabaseSettings& settings) {
  reason = one_line_reason(reason);
  auto hint = connection_hint(reason, settings);
  // libpq does not repeat the password; should it ever, it goes. The whole password only:
  // scrub_secret's fragments would take `password` out of `password authentication failed`
  // for a password holding that word.
  for (const auto& password : {settings.password, password_in(settings.url)}) {
    if (password.size() < 4) continue;
    for (auto at = reason.find(password); at != std::string::npos; at = reason.find(password)) {
      reason.replace(at, password.size(), "[redacted]");
    }
  }
  if (!settings.local_cluster_env.empty() && !hint.reached) {
    hint.text = "the local cluster of `make db-up` (settings in " + settings.local_cluster_env +
                ") is not running: run `make db-up` in its checkout, or configure a database "
                "(DATABASE_URL or POSTGRES_HOST ...)";
  } else if (!settings.configured) {
    const auto record = local_cluster_record_path();
    const std::string nothing =
        "no database is configured (DATABASE_URL, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_DB, "
        "POSTGRES_USER are unset) and no local cluster of `make db-up` was found (no "
        ".local/postgres.env here" +
        (record.empty() ? std::string() : ", no record in " + record) +
        "): set DATABASE_URL or POSTGRES_HOST, or run `make db-up` in the checkout";
    hint.text = hint.reached ? nothing + "; " + hint.text : nothing;
  }
  return std::string(hint.reached ? "cannot connect to the database at "
                                  : "cannot reach the database at ") +
         settings.describe() + ": " + reason + " (" + hint.text + ")";
}

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
