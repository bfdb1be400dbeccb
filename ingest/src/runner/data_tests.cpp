// The data tests of models.yaml, run against a freshly built relation before it is swapped
// in. Each test is a query for the rows that break it; none may come back.
#include "runner/data_tests.hpp"

#include "common/text.hpp"

namespace tributary::internal {
namespace {

constexpr std::size_t kMaxSampleChars = 300;

std::string column_list(pqxx::connection_base& conn, const std::vector<std::string>& columns) {
  return join(columns, ", ", [&](const std::string& c) { return conn.quote_name(c); });
}

std::string describe_row(const pqxx::row& row) {
  std::string out = join(row, ", ", [](const pqxx::field& field) {
    return std::string(field.name()) + "=" + (field.is_null() ? "NULL" : field.c_str());
  });
  if (out.size() > kMaxSampleChars) out = out.substr(0, kMaxSampleChars) + "...";
  return out;
}

pqxx::result exec_test_query(pqxx::transaction_base& tx, const std::string& sql,
                             const DataTest& test) {
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(test.values));
}

}  // namespace

std::string DataTestFailure::message() const {
  if (!sql_error.empty()) return "test " + test + " could not run: " + sql_error;
  std::string out = "test " + test + " failed: " + std::to_string(failing_rows) +
                    (failing_rows == 1 ? " row" : " rows");
  for (std::size_t i = 0; i < sample_rows.size(); ++i) {
    out += (i == 0 ? ", e.g. [" : "; [") + sample_rows[i] + "]";
  }
  return out;
}

std::string failing_rows_query(pqxx::connection_base& conn, const std::string& relation,
                               const DataTest& test) {
  switch (test.kind) {
    case DataTestKind::NotNull: {
      std::string condition;
      for (const auto& c : test.columns) {
        condition += (condition.empty() ? "" : " or ") + conn.quote_name(c) + " is null";
      }
      return "select * from " + relation + " where " + condition;
    }
    case DataTestKind::Unique: {
      const auto columns = column_list(conn, test.columns);
      return "select " + columns + ", count(*) as occurrences from " + relation + " group by " +
             columns + " having count(*) > 1";
    }
    case DataTestKind::AcceptedValues: {
      std::string params;
      for (std::size_t i = 1; i <= test.values.size(); ++i) {
        params += (i == 1 ? "$" : ", $") + std::to_string(i);
      }
      const auto column = conn.quote_name(test.columns.front());
      return "select * from " + relation + " where " + column + " is not null and " + column +
             "::text not in (" + params + ")";
    }
    case DataTestKind::Expression:
      return "select * from " + relation + " where not coalesce((" + test.expression + "), false)";
  }
  return {};
}

std::optional<DataTestFailure> run_data_tests(pqxx::dbtransaction& tx, const std::string& relation,
                                              const std::vector<DataTest>& tests) {
  for (const auto& test : tests) {
    const auto query = failing_rows_query(tx.conn(), relation, test);
    DataTestFailure failure;
    failure.test = test.name();
    try {
      pqxx::subtransaction attempt(tx, "data_test");
      const auto count =
          exec_test_query(attempt, "select count(*) from (" + query + ") as failing", test);
      failure.failing_rows = count[0][0].as<std::int64_t>();
      if (failure.failing_rows > 0) {
        const auto sample = exec_test_query(
            attempt,
            "select * from (" + query + ") as failing limit " + std::to_string(kSampleRows), test);
        for (const auto& row : sample) failure.sample_rows.push_back(describe_row(row));
      }
      attempt.commit();
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      failure.sql_error = e.what();
      while (!failure.sql_error.empty() && failure.sql_error.back() == '\n') {
        failure.sql_error.pop_back();
      }
    }
    if (failure.failing_rows > 0 || !failure.sql_error.empty()) return failure;
  }
  return std::nullopt;
}

}  // namespace tributary::internal
