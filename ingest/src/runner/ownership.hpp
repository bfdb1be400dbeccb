#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "tributary/error.hpp"

namespace tributary::internal {

/// What the model runner may do with a name in its schema.
enum class Ownership {
  Absent,   ///< no relation has that name: the runner may create one
  Own,      ///< a table or view the runner created (ingest.model_relations): it may replace it
  Foreign,  ///< anything else: the runner leaves it untouched and the model fails
};

/// A relation the runner was about to replace, rename or drop turned out not to be its own.
class ForeignRelationError : public Error {
 public:
  using Error::Error;
};

/// Whether `schema.name` is free, the runner's own (recorded, of the recorded kind), or not.
Ownership ownership_of(pqxx::transaction_base& tx, const std::string& schema,
                       const std::string& name);

/// Why a model fails when `schema.name` is not the runner's.
std::string foreign_relation_message(const std::string& schema, const std::string& name);

/// The message for the first of `names` in `schema` that is Foreign; "" when none is.
std::string first_foreign(pqxx::transaction_base& tx, const std::string& schema,
                          const std::vector<std::string>& names);

/// Throws ForeignRelationError unless `schema.name` is Absent or Own.
void require_replaceable(pqxx::transaction_base& tx, const std::string& schema,
                         const std::string& name);

/// Records that the runner has just created `schema.name`, a table (`r`) or view (`v`).
void record_created(pqxx::transaction_base& tx, const std::string& schema, const std::string& name,
                    char kind);

/// Records that the runner has just renamed its relation `from` to `to`.
void record_renamed(pqxx::transaction_base& tx, const std::string& schema, const std::string& from,
                    const std::string& to);

/// Drops the table or view `schema.name` if there is one, and forgets it. Throws
/// ForeignRelationError, dropping nothing, when the runner did not create it.
void drop_relation(pqxx::transaction_base& tx, const std::string& schema, const std::string& name);

}  // namespace tributary::internal
