#pragma once

#include <string>

namespace tributary::internal {

/// The merge of the staging table into public.user_events: one row per key by the winner
/// rule (greater server_upload_time, then later event_date, then later in the payload),
/// inserted in key order, updating an existing row only when the incoming one wins and,
/// unless `force`, its content differs. Parameter $1 is the run id. Returns one row: the
/// number of distinct keys staged, and the number of rows inserted or changed.
std::string merge_sql(bool force);

/// Deletes rows of the day ($1) whose key the staged payload no longer holds (`--mirror`).
std::string mirror_delete_sql();

}  // namespace tributary::internal
