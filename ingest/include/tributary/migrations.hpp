#pragma once

#include <string>
#include <vector>

#include "tributary/settings.hpp"

namespace tributary {

/// What `migrate` did.
struct MigrationReport {
  std::vector<std::string> applied;  ///< files applied by this call, in order
  std::vector<std::string> present;  ///< files that were already applied
};

/// Applies db/migrations/*.sql (compiled into the binary) in name order, each in its own
/// transaction, recording them in `ingest.schema_migrations`. Safe to call twice and from
/// two processes at once (a session advisory lock serialises them). Throws DatabaseError.
MigrationReport migrate(const DatabaseSettings& database);

}  // namespace tributary
