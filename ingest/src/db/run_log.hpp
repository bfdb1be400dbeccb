#pragma once

#include <cstdint>
#include <string>

#include <pqxx/pqxx>

#include "tributary/day_result.hpp"
#include "tributary/settings.hpp"

namespace tributary::internal {

/// Inserts the `ingest.runs` row of a run that starts now (status `running`; a run killed
/// before `finish_run` stays recognisable by that status and its NULL finished_at).
std::int64_t start_run(const DatabaseSettings& database, const std::string& command,
                       const std::string& arguments_json);
/// The same on a connection the caller already has.
std::int64_t start_run(pqxx::connection& conn, const std::string& command,
                       const std::string& arguments_json);

/// Closes the run's row: `succeeded`, `partial` (some days failed) or `failed` (`error`).
void finish_run(const DatabaseSettings& database, std::int64_t run_id, const RunResult& result,
                const std::string& error);

}  // namespace tributary::internal
