#pragma once

#include <functional>
#include <memory>
#include <string>

#include <pqxx/pqxx>

#include "tributary/settings.hpp"

namespace tributary::internal {

/// Opens a connection to the warehouse. Throws DatabaseError naming host, port and database
/// (never the password) when it cannot be reached or refuses the login.
std::unique_ptr<pqxx::connection> connect(const DatabaseSettings& settings);

/// Runs `work`, turning a libpq/libpqxx failure into DatabaseError with its SQLSTATE and
/// `context` (the day, the table, ...) in the message. Other exceptions pass through.
void translate_database_errors(const std::string& context, const std::function<void()>& work);

/// `schema.name` with each part quoted for SQL.
std::string quote_qualified(pqxx::connection_base& conn, const std::string& schema,
                            const std::string& name);

}  // namespace tributary::internal
