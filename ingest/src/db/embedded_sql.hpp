#pragma once

#include <string_view>
#include <vector>

namespace tributary::internal {

/// One SQL file compiled into the binary.
struct EmbeddedSql {
  std::string_view name;  ///< file name, e.g. `0001_init.sql`
  std::string_view sql;
};

/// db/migrations/*.sql in name order (generated at build time).
const std::vector<EmbeddedSql>& embedded_migrations();

}  // namespace tributary::internal
