// model_build_statuses: analytics.model_status read back as values, for `tributary models
// --status` and for library users who want to know what each model's last build did.
#include <memory>

#include "db/database.hpp"
#include "tributary/model_runner.hpp"

namespace tributary {

std::vector<ModelBuildStatus> model_build_statuses(const DatabaseSettings& database) {
  std::vector<ModelBuildStatus> out;
  internal::translate_database_errors("reading analytics.model_status", [&] {
    auto conn = internal::connect(database);
    pqxx::read_transaction tx(*conn);
    if (tx.exec1("select to_regclass('analytics.model_status') is null")[0].as<bool>()) return;
    for (const auto& row :
         tx.exec("select model, status, extract(epoch from last_built_at)::bigint, rows, "
                 "coalesce(refresh, ''), coalesce(last_error, '') from analytics.model_status "
                 "order by model")) {
      ModelBuildStatus s;
      s.model = row[0].c_str();
      s.status = row[1].c_str();
      if (!row[2].is_null()) {
        s.last_built_at = std::chrono::sys_seconds{std::chrono::seconds{row[2].as<std::int64_t>()}};
      }
      if (!row[3].is_null()) s.rows = row[3].as<std::int64_t>();
      s.refresh = row[4].c_str();
      s.last_error = row[5].c_str();
      out.push_back(std::move(s));
    }
  });
  return out;
}

}  // namespace tributary
