// models.yaml: parsing (yaml-cpp) and validation. Every problem is collected and reported
// at once, each naming the model and what is wrong; ordering lives in model_order.cpp.
#include "runner/manifest.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/text.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

namespace fs = std::filesystem;

// Collects the problems of one manifest, each prefixed with where it is.
class Problems {
 public:
  void add(const std::string& where, const std::string& what) {
    list_.push_back(where.empty() ? what : where + ": " + what);
  }
  bool empty() const { return list_.empty(); }
  [[noreturn]] void raise(const fs::path& file) const {
    std::string message = "models manifest " + file.string() + " is invalid:";
    for (const auto& p : list_) message += "\n  - " + p;
    throw ConfigError(message);
  }

 private:
  std::vector<std::string> list_;
};

std::string where_of(const std::string& model, const YAML::Node& node) {
  std::string where = model.empty() ? std::string("manifest") : "model '" + model + "'";
  if (node.Mark().line >= 0) where += " (line " + std::to_string(node.Mark().line + 1) + ")";
  return where;
}

void check_keys(const YAML::Node& map, const std::set<std::string>& known, const std::string& where,
                Problems& problems) {
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>();
    if (!known.contains(key)) problems.add(where, "unknown key '" + key + "'");
  }
}

// A scalar or a sequence of scalars, as strings.
std::vector<std::string> string_list(const YAML::Node& node, const std::string& where,
                                     const std::string& field, Problems& problems) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) return out;
  if (node.IsScalar()) return {node.as<std::string>()};
  if (!node.IsSequence()) {
    problems.add(where, "'" + field + "' must be a name or a list of names");
    return out;
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      problems.add(where, "'" + field + "' must list plain names");
      continue;
    }
    out.push_back(item.as<std::string>());
  }
  return out;
}

void check_columns(const std::vector<std::string>& columns, const std::string& where,
                   const std::string& what, Problems& problems) {
  if (columns.empty()) problems.add(where, what + " names no column");
  for (const auto& c : columns) {
    if (!is_plain_identifier(c)) {
      std::string message = what;
      message.append(": column '").append(c).append("' is not a lower-case SQL identifier");
      problems.add(where, message);
    }
  }
}

// One test, in either form: a bare kind (`not_null`, column level only) or a one-key map
// (`{expression: "x > 0"}`, `{unique: [a, b]}`, `{accepted_values: [..]}`).
void parse_test(const YAML::Node& node, const std::string& column, const std::string& where,
                std::vector<DataTest>& tests, Problems& problems) {
  // yaml-cpp nodes are handles: assigning one to another rewires the node it refers to, so
  // these are initialised once and never assigned.
  const bool one_key_map = node.IsMap() && node.size() == 1;
  if (!node.IsScalar() && !one_key_map) {
    problems.add(where, "a test must be a kind (not_null) or a one-key map ({expression: ...})");
    return;
  }
  const std::string kind =
      one_key_map ? node.begin()->first.as<std::string>() : node.as<std::string>();
  const YAML::Node argument = one_key_map ? node.begin()->second : YAML::Node();
  const bool has_argument = one_key_map && !argument.IsNull();
  DataTest test;
  const std::vector<std::string> own_column =
      column.empty() ? std::vector<std::string>{} : std::vector<std::string>{column};
  if (kind == "not_null" || kind == "unique") {
    test.kind = kind == "not_null" ? DataTestKind::NotNull : DataTestKind::Unique;
    test.columns = has_argument ? string_list(argument, where, kind, problems) : own_column;
    check_columns(test.columns, where, "test " + kind, problems);
  } else if (kind == "accepted_values") {
    test.kind = DataTestKind::AcceptedValues;
    const bool long_form = has_argument && argument.IsMap();  // {column: .., values: [..]}
    const YAML::Node values = long_form ? argument["values"] : argument;
    test.columns = own_column;
    if (long_form) {
      if (argument["column"]) test.columns = {argument["column"].as<std::string>()};
      check_keys(argument, {"column", "values"}, where + ", accepted_values", problems);
    }
    test.values = string_list(values, where, "accepted_values", problems);
    if (test.values.empty()) problems.add(where, "test accepted_values lists no value");
    check_columns(test.columns, where, "test accepted_values", problems);
  } else if (kind == "expression") {
    test.kind = DataTestKind::Expression;
    if (has_argument && argument.IsScalar()) test.expression = argument.as<std::string>();
    if (test.expression.find_first_not_of(" \t\n") == std::string::npos) {
      problems.add(where, "test expression needs a boolean SQL expression");
    }
  } else {
    problems.add(where, "unknown test kind '" + kind +
                            "' (known: not_null, unique, accepted_values, expression)");
    return;
  }
  tests.push_back(std::move(test));
}

std::string read_sql(const fs::path& path, const std::string& where, Problems& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in || fs::is_directory(path)) {
    problems.add(where, "SQL file " + path.string() + " not found");
    return {};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string sql = buffer.str();
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.pop_back();
  }
  if (sql.empty()) problems.add(where, "SQL file " + path.string() + " is empty");
  return sql;
}

// `incremental: {column: C, grain: day|week}`; checked against the rest of the model
// (its columns, its materialization, at most one dependency).
void parse_incremental(const YAML::Node& node, const std::string& where, ModelSpec& model,
                       Problems& problems) {
  const auto inc_where = where + ", incremental";
  if (!node.IsMap()) {
    problems.add(inc_where, "must be a map with 'column' and 'grain'");
    return;
  }
  check_keys(node, {"column", "grain"}, inc_where, problems);
  IncrementalSpec spec;
  spec.column = node["column"] && node["column"].IsScalar() ? node["column"].as<std::string>() : "";
  const std::string grain =
      node["grain"] && node["grain"].IsScalar() ? node["grain"].as<std::string>() : "";
  if (grain == "day") {
    spec.grain = PartitionGrain::Day;
  } else if (grain == "week") {
    spec.grain = PartitionGrain::Week;
  } else {
    problems.add(inc_where, "grain must be 'day' or 'week', not '" + grain + "'");
  }
  if (!is_plain_identifier(spec.column)) {
    problems.add(inc_where, "'column' must name a column of the model");
  } else if (std::none_of(model.columns.begin(), model.columns.end(),
                          [&](const ColumnSpec& c) { return c.name == spec.column; })) {
    problems.add(inc_where, "column '" + spec.column + "' is not among the model's columns");
  } else if (std::none_of(model.tests.begin(), model.tests.end(), [&](const DataTest& t) {
               return t.kind == DataTestKind::NotNull &&
                      std::find(t.columns.begin(), t.columns.end(), spec.column) !=
                          t.columns.end();
             })) {
    // A row with no partition would never be rebuilt.
    problems.add(inc_where, "column '" + spec.column + "' needs a not_null test");
  }
  if (model.materialized != Materialization::Table) {
    problems.add(inc_where, "only a table can be incremental");
  }
  if (model.depends_on.size() > 1) {
    problems.add(inc_where,
                 "an incremental model reads public.user_events or one incremental model, "
                 "not several models");
  }
  model.incremental = std::move(spec);
}

ModelSpec parse_model(const YAML::Node& node, std::size_t position, const fs::path& base,
                      Problems& problems) {
  ModelSpec model;
  if (!node.IsMap()) {
    problems.add("model #" + std::to_string(position + 1), "must be a map");
    return model;
  }
  model.name = node["name"] && node["name"].IsScalar() ? node["name"].as<std::string>() : "";
  const auto where =
      where_of(model.name.empty() ? "#" + std::to_string(position + 1) : model.name, node);
  check_keys(
      node,
      {"name", "sql", "materialized", "depends_on", "description", "columns", "tests", "indexes",
       "incremental"},
      where, problems);
  if (model.name.empty()) {
    problems.add(where, "missing 'name'");
  } else if (const auto problem = model_name_problem(model.name); !problem.empty()) {
    problems.add(where, problem);
  }
  const std::string file =
      node["sql"] && node["sql"].IsScalar() ? node["sql"].as<std::string>() : model.name + ".sql";
  model.sql_file = base / file;
  model.sql = read_sql(model.sql_file, where, problems);
  const std::string materialized =
      node["materialized"] ? node["materialized"].as<std::string>() : "table";
  if (materialized == "table") {
    model.materialized = Materialization::Table;
  } else if (materialized == "view") {
    model.materialized = Materialization::View;
  } else {
    problems.add(where, "materialized must be 'table' or 'view', not '" + materialized + "'");
  }
  for (auto& dep : string_list(node["depends_on"], where, "depends_on", problems)) {
    if (std::find(model.depends_on.begin(), model.depends_on.end(), dep) ==
        model.depends_on.end()) {
      model.depends_on.push_back(std::move(dep));
    }
  }
  if (node["description"]) model.description = node["description"].as<std::string>();
  if (const auto columns = node["columns"]; columns && !columns.IsSequence()) {
    problems.add(where, "'columns' must be a list");
  } else if (columns) {
    for (const auto& c : columns) {
      ColumnSpec column;
      column.name = c.IsMap() && c["name"] ? c["name"].as<std::string>() : "";
      const auto column_where = where + ", column '" + column.name + "'";
      if (!c.IsMap() || !is_plain_identifier(column.name)) {
        problems.add(column_where, "needs a 'name' that is a lower-case SQL identifier");
        continue;
      }
      check_keys(c, {"name", "description", "tests"}, column_where, problems);
      if (c["description"]) column.description = c["description"].as<std::string>();
      if (c["tests"] && !c["tests"].IsSequence())
        problems.add(column_where, "'tests' must be a list");
      for (const auto& t : c["tests"])
        parse_test(t, column.name, column_where, model.tests, problems);
      model.columns.push_back(std::move(column));
    }
  }
  if (node["tests"] && !node["tests"].IsSequence()) problems.add(where, "'tests' must be a list");
  for (const auto& t : node["tests"]) parse_test(t, "", where, model.tests, problems);
  if (node["indexes"] && !node["indexes"].IsSequence())
    problems.add(where, "'indexes' must be a list");
  for (const auto& index : node["indexes"]) {
    auto columns = string_list(index, where, "indexes", problems);
    check_columns(columns, where, "index", problems);
    model.indexes.push_back(std::move(columns));
  }
  if (!model.indexes.empty() && model.materialized == Materialization::View) {
    problems.add(where, "a view cannot have indexes");
  }
  if (const auto inc = node["incremental"]) {
    parse_incremental(inc, where, model, problems);
  }
  return model;
}

}  // namespace

const char* to_string(Materialization materialization) {
  return materialization == Materialization::Table ? "table" : "view";
}

std::string DataTest::name() const {
  std::string args;
  switch (kind) {
    case DataTestKind::Expression:
      return "expression(" + expression + ")";
    case DataTestKind::NotNull:
      args = "not_null(";
      break;
    case DataTestKind::Unique:
      args = "unique(";
      break;
    case DataTestKind::AcceptedValues:
      args = "accepted_values(";
      break;
  }
  return args + join(columns, ", ") + ")";
}

const ModelSpec* Manifest::find(const std::string& name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Manifest load_manifest(const fs::path& file) {
  if (!fs::is_regular_file(file)) {
    throw ConfigError("models manifest " + file.string() +
                      " not found (run from the checkout, or point TRIBUTARY_MODELS_DIR or "
                      "--models-dir at the folder holding models.yaml)");
  }
  const YAML::Node root = [&] {
    try {
      return YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
      throw ConfigError("models manifest " + file.string() + " is not valid YAML: " + e.what());
    }
  }();
  Manifest manifest;
  manifest.file = file;
  Problems problems;
  try {
    if (!root.IsMap()) {
      problems.add("", "the top level must be a map with 'models'");
      problems.raise(file);
    }
    check_keys(root, {"schema", "models"}, "manifest", problems);
    if (root["schema"]) manifest.schema = root["schema"].as<std::string>();
    if (const auto problem = schema_problem(manifest.schema); !problem.empty()) {
      problems.add("manifest", problem);
    }
    if (!root["models"] || !root["models"].IsSequence() || root["models"].size() == 0) {
      problems.add("manifest", "'models' must be a non-empty list");
      problems.raise(file);
    }
    const auto base = file.parent_path();
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < root["models"].size(); ++i) {
      auto model = parse_model(root["models"][i], i, base, problems);
      if (model.name.empty()) continue;
      if (const auto [it, fresh] = seen.emplace(model.name, i + 1); !fresh) {
        problems.add("model '" + model.name + "'", "duplicate name (models #" +
                                                       std::to_string(it->second) + " and #" +
                                                       std::to_string(i + 1) + ")");
        continue;
      }
      if (const auto problem = taken_name_problem(manifest.schema, model.name); !problem.empty()) {
        problems.add("model '" + model.name + "'", problem);
      }
      manifest.models.push_back(std::move(model));
    }
  } catch (const YAML::Exception& e) {
    problems.add("", std::string("unexpected YAML shape: ") + e.what());
  }
  if (!problems.empty()) problems.raise(file);

  for (const auto& model : manifest.models) {
    if (!model.incremental || model.depends_on.empty()) continue;
    const auto* upstream = manifest.find(model.depends_on.front());
    if (upstream != nullptr && !upstream->incremental) {
      problems.add("model '" + model.name + "', incremental",
                   "its dependency " + upstream->name +
                       " must be incremental too (its changes are what this model follows)");
    }
  }
  if (!problems.empty()) problems.raise(file);

  std::vector<std::string> order;
  try {
    order = build_order(manifest.models);
  } catch (const ConfigError& e) {
    problems.add("", e.what());
    problems.raise(file);
  }
  std::vector<ModelSpec> ordered;
  ordered.reserve(order.size());
  for (const auto& name : order) ordered.push_back(*manifest.find(name));
  manifest.models = std::move(ordered);
  return manifest;
}

}  // namespace tributary::internal
