#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "runner/manifest.hpp"

namespace tributary::internal {

/// What a failed data test found: a value, for the model's report.
struct DataTestFailure {
  std::string test;                      ///< DataTest::name()
  std::int64_t failing_rows = 0;         ///< rows (or duplicate groups) that broke it
  std::vector<std::string> sample_rows;  ///< up to kSampleRows of them, `column=value, ...`
  std::string sql_error;                 ///< set when the test's query itself failed

  /// `test not_null(user_id) failed: 2 rows, e.g. [user_id=NULL, events=3]; [...]`.
  std::string message() const;
};

/// How many offending rows a failure shows.
inline constexpr int kSampleRows = 5;

/// Runs `tests` in order against `relation` (already quoted, `"schema"."name"`) and returns
/// the first that fails, or nothing when all pass. A test whose query fails (an unknown
/// column, a bad expression) counts as failed, with the database's message.
std::optional<DataTestFailure> run_data_tests(pqxx::dbtransaction& tx, const std::string& relation,
                                              const std::vector<DataTest>& tests);

/// The query selecting the rows that break `test` on `relation`; `$1..$n` are
/// `test.values` (accepted_values), which travel as parameters.
std::string failing_rows_query(pqxx::connection_base& conn, const std::string& relation,
                               const DataTest& test);

}  // namespace tributary::internal
