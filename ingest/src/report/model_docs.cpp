#include "report/model_docs.hpp"

#include "runner/manifest.hpp"
#include "tributary/model_runner.hpp"

namespace tributary::internal {
namespace {

// The relations outside the manifest the report draws as sources of the lineage graph.
constexpr const char* kKnownSources[] = {"public.user_events"};

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + v;
  return out;
}

// How the report lists a test on one column: `not_null`, `unique`, `accepted_values: 1, 2`.
std::string column_test_name(const DataTest& test) {
  switch (test.kind) {
    case DataTestKind::NotNull:
      return "not_null";
    case DataTestKind::Unique:
      return "unique";
    case DataTestKind::AcceptedValues:
      return "accepted_values: " + joined(test.values);
    case DataTestKind::Expression:
      break;
  }
  return test.name();
}

}  // namespace

std::vector<ReportModelDoc> model_docs(const std::string& models_dir) {
  ModelRunOptions options;
  options.models_dir = models_dir;
  const auto manifest = load_manifest(models_manifest_path(options));
  std::vector<ReportModelDoc> docs;
  for (const auto& spec : manifest.models) {
    ReportModelDoc doc;
    doc.name = spec.name;
    doc.relation = manifest.schema + "." + spec.name;
    doc.materialized = to_string(spec.materialized);
    if (spec.incremental) {
      doc.materialized += spec.incremental->grain == PartitionGrain::Day ? ", incremental (day)"
                                                                         : ", incremental (week)";
    }
    doc.description = spec.description;
    doc.depends_on = spec.depends_on;
    for (const char* source : kKnownSources) {
      if (spec.sql.find(source) != std::string::npos) doc.sources.emplace_back(source);
    }
    std::vector<bool> placed(spec.tests.size(), false);
    for (const auto& column : spec.columns) {
      ReportColumnDoc c{column.name, column.description, {}};
      for (std::size_t i = 0; i < spec.tests.size(); ++i) {
        const auto& test = spec.tests[i];
        if (test.kind != DataTestKind::Expression && test.columns.size() == 1 &&
            test.columns.front() == column.name) {
          c.tests.push_back(column_test_name(test));
          placed[i] = true;
        }
      }
      doc.columns.push_back(std::move(c));
    }
    for (std::size_t i = 0; i < spec.tests.size(); ++i) {
      if (!placed[i]) doc.tests.push_back(spec.tests[i].name());
    }
    docs.push_back(std::move(doc));
  }
  return docs;
}

void add_build_statuses(pqxx::transaction_base& tx, std::vector<ReportModelDoc>& docs) {
  const auto rows = tx.exec(
      "select model, status, floor(extract(epoch from last_built_at))::bigint, rows, "
      "coalesce(refresh, ''), coalesce(last_error, '') from analytics.model_status");
  for (auto& doc : docs) {
    for (const auto& row : rows) {
      if (doc.name != row[0].c_str()) continue;
      doc.status = row[1].c_str();
      if (!row[2].is_null()) {
        doc.last_built_at =
            std::chrono::sys_seconds{std::chrono::seconds{row[2].as<std::int64_t>()}};
      }
      if (!row[3].is_null()) doc.rows = row[3].as<std::int64_t>();
      doc.refresh = row[4].c_str();
      doc.last_error = row[5].c_str();
    }
  }
}

}  // namespace tributary::internal
