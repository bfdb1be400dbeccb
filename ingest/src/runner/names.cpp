// What may name a model and the schema it is built in. The runner renames and drops
// relations by these names, so a name must never reach a relation it did not create: the
// schemas holding the project's and Postgres' own tables are refused, and so are the
// suffixes the runner gives its temporary tables.
#include <algorithm>
#include <array>
#include <string_view>

#include "runner/manifest.hpp"

namespace tributary::internal {
namespace {

// Leaves room for the `__building` / `__previous` suffixes within Postgres' 63 bytes.
constexpr std::size_t kMaxModelName = 48;

// public.user_events and its triggers, ingest.* (the loader's and the runner's own
// bookkeeping), and the system catalogs.
constexpr std::array<std::string_view, 3> kReservedSchemas = {"public", "ingest",
                                                              "information_schema"};
constexpr std::string_view kSystemSchemaPrefix = "pg_";

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// As Postgres folds an unquoted identifier (ASCII only).
std::string folded(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; });
  return text;
}

}  // namespace

bool is_plain_identifier(const std::string& text) {
  if (text.empty() || text.size() > 63) return false;
  if (!(text[0] == '_' || (text[0] >= 'a' && text[0] <= 'z'))) return false;
  for (const char c : text) {
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string schema_problem(const std::string& schema) {
  const auto name = folded(schema);
  const bool reserved =
      name.rfind(kSystemSchemaPrefix, 0) == 0 ||
      std::find(kReservedSchemas.begin(), kReservedSchemas.end(), name) != kReservedSchemas.end();
  if (reserved) {
    return "schema '" + schema +
           "' is reserved: public, ingest, information_schema and pg_* hold the project's and "
           "Postgres' own tables, which the runner must never replace; build the models into "
           "a schema of their own (e.g. analytics)";
  }
  if (!is_plain_identifier(schema)) {
    return "schema '" + schema + "' is not a lower-case SQL identifier";
  }
  return {};
}

std::string model_name_problem(const std::string& name) {
  if (!is_plain_identifier(name) || name.size() > kMaxModelName) {
    return "name must be a lower-case SQL identifier of at most " + std::to_string(kMaxModelName) +
           " characters";
  }
  for (const std::string_view suffix : {kBuildingSuffix, kPreviousSuffix}) {
    if (ends_with(name, suffix)) {
      return "name '" + name + "' ends in '" + std::string(suffix) +
             "', a suffix reserved for the runner's temporary tables";
    }
  }
  return {};
}

std::string taken_name_problem(const std::string& schema, const std::string& name) {
  // The migrations' views (db/migrations/0007, 0008): the runner would refuse to replace them
  // anyway, but its advice there (drop the relation) would lose them for good.
  if (folded(schema) != "analytics") return {};
  for (const std::string_view view : {"load_status", "model_status", "rejection_reasons"}) {
    if (name == view) {
      return "analytics." + name +
             " is tributary's own status view for analysts (made by the migrations); give the "
             "model another name";
    }
  }
  return {};
}

}  // namespace tributary::internal
