#pragma once

#include <string>

#include <pqxx/pqxx>

#include "tributary/migrations.hpp"

namespace tributary::internal {

/// tributary::migrate on a connection the caller already has (one login less: each costs
/// a SCRAM exchange, ~10 ms); `where` names the database in errors.
MigrationReport migrate(pqxx::connection& conn, const std::string& where);

}  // namespace tributary::internal
