#include "db/database.hpp"

#include "db/pg_errors.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {

std::unique_ptr<pqxx::connection> connect(const DatabaseSettings& settings) {
  try {
    return std::make_unique<pqxx::connection>(settings.connection_string());
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseError(explain_connection_failure(e.what(), settings));
  }
}

void translate_database_errors(const std::string& context, const std::function<void()>& work) {
  try {
    work();
  } catch (const pqxx::broken_connection& e) {
    throw DatabaseError(context + ": lost the database connection: " + e.what(), sqlstate_of(e));
  } catch (const pqxx::sql_error& e) {
    std::string message = e.what();
    while (!message.empty() && message.back() == '\n') message.pop_back();
    const auto state = sqlstate_of(e);
    throw DatabaseError(context + ": " + message + sqlstate_suffix(state), state);
  } catch (const pqxx::in_doubt_error& e) {
    throw DatabaseError(context + ": commit outcome unknown: " + e.what(), sqlstate_of(e));
  }
}

std::string quote_qualified(pqxx::connection_base& conn, const std::string& schema,
                            const std::string& name) {
  return conn.quote_name(schema) + "." + conn.quote_name(name);
}

}  // namespace tributary::internal
