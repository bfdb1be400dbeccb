// Which relations the model runner may touch: those it created, recorded in
// ingest.model_relations (db/migrations/0004) in the transaction that creates them. Every
// rename, replacement and drop of the runner checks the name first, in the same
// transaction, so a table it did not build (an analyst's, or the project's own) is never
// lost to a model of the same name.
#include "runner/ownership.hpp"

#include "runner/build.hpp"

namespace tributary::internal {
namespace {

const char* kind_name(char relkind) { return relkind == 'v' ? "view" : "table"; }

void forget(pqxx::transaction_base& tx, const std::string& schema, const std::string& name) {
  tx.exec_params("delete from ingest.model_relations where schema_name = $1 and relation_name = $2",
                 schema, name);
}

}  // namespace

Ownership ownership_of(pqxx::transaction_base& tx, const std::string& schema,
                       const std::string& name) {
  const auto rows = tx.exec_params(
      "select c.relkind::text, coalesce(r.kind, '') from pg_class c "
      "join pg_namespace n on n.oid = c.relnamespace "
      "left join ingest.model_relations r "
      "on r.schema_name = n.nspname and r.relation_name = c.relname "
      "where n.nspname = $1 and c.relname = $2",
      schema, name);
  if (rows.empty()) return Ownership::Absent;
  const std::string relkind = rows[0][0].c_str();
  const std::string recorded = rows[0][1].c_str();
  const bool own =
      (relkind == "r" && recorded == "table") || (relkind == "v" && recorded == "view");
  return own ? Ownership::Own : Ownership::Foreign;
}

std::string foreign_relation_message(const std::string& schema, const std::string& name) {
  return schema + "." + name +
         " exists and was not created by tributary's model runner; drop or rename it yourself";
}

std::string first_foreign(pqxx::transaction_base& tx, const std::string& schema,
                          const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (ownership_of(tx, schema, name) == Ownership::Foreign) {
      return foreign_relation_message(schema, name);
    }
  }
  return {};
}

void require_replaceable(pqxx::transaction_base& tx, const std::string& schema,
                         const std::string& name) {
  if (ownership_of(tx, schema, name) == Ownership::Foreign) {
    throw ForeignRelationError(foreign_relation_message(schema, name));
  }
}

void record_created(pqxx::transaction_base& tx, const std::string& schema, const std::string& name,
                    char kind) {
  // A row left by a relation dropped behind the runner's back is simply overwritten.
  tx.exec_params(
      "insert into ingest.model_relations (schema_name, relation_name, kind) values ($1, $2, $3) "
      "on conflict (schema_name, relation_name) do update set kind = excluded.kind, "
      "created_at = now(), adopted = false",
      schema, name, std::string(kind_name(kind)));
}

void record_renamed(pqxx::transaction_base& tx, const std::string& schema, const std::string& from,
                    const std::string& to) {
  forget(tx, schema, to);
  tx.exec_params(
      "update ingest.model_relations set relation_name = $3 "
      "where schema_name = $1 and relation_name = $2",
      schema, from, to);
}

void drop_relation(pqxx::transaction_base& tx, const std::string& schema, const std::string& name) {
  require_replaceable(tx, schema, name);
  const char kind = relation_kind(tx, schema, name);
  const auto target = tx.quote_name(schema) + "." + tx.quote_name(name);
  if (kind == 'r') tx.exec("drop table " + target);
  if (kind == 'v') tx.exec("drop view " + target);
  forget(tx, schema, name);
}

}  // namespace tributary::internal
