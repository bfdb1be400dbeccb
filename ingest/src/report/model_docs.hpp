#pragma once

// The report's model documentation: what the manifest says of each model (description,
// columns, tests, dependencies) and what analytics.model_status says of its last build.

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "tributary/report.hpp"

namespace tributary::internal {

/// Every model of the manifest found from `models_dir` (as ModelRunOptions::models_dir), in
/// build order, without its build status. Throws ConfigError for a bad manifest.
std::vector<ReportModelDoc> model_docs(const std::string& models_dir);

/// Fills each doc's last build from analytics.model_status (read through `tx`).
void add_build_statuses(pqxx::transaction_base& tx, std::vector<ReportModelDoc>& docs);

}  // namespace tributary::internal
