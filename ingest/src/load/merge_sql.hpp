#pragma once

#include <string>
#include <string_view>

namespace tributary::internal {

/// The change log the model runner reads: each statement below also records there, in the
/// same transaction, the event dates its rows had before and after (migration 0008).
inline constexpr const char* kChangeLog = "ingest.changed_event_dates";

/// The merge of the staging table into public.user_events: one row per key by the winner
/// rule (greater server_upload_time, then later event_date, then later in the payload),
/// inserted in key order, updating an existing row only when the incoming one wins and,
/// unless `force`, its content differs. Parameter $1 is the run id. Returns one row: the
/// number of distinct keys staged, and the number of rows inserted or changed; the change
/// log gets the dates of the rows written, old and new. `filter` (` and …`) narrows the
/// staged rows taken, e.g. to those beside a direct copy (load/staging.hpp).
std::string merge_sql(bool force, std::string_view filter = {});

/// The cheap form of merge_sql() for a day none of whose keys exist yet: the same winners,
/// inserted in key order with a plain INSERT (no ON CONFLICT), which fails with a unique
/// violation when a key exists after all (another day holds it, or a concurrent day just
/// inserted it): the caller then rolls back to a savepoint and merges. Parameter $1 is the
/// run id. Returns one row: the rows inserted, which are both the keys kept and the rows
/// written; their dates go to the change log.
std::string insert_new_sql();

/// Deletes rows of the day ($1) whose key the staged payload no longer holds (`--mirror`),
/// logging the day when any went. Returns one row: the rows deleted.
std::string mirror_delete_sql();

}  // namespace tributary::internal
