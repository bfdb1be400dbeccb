#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include <pqxx/pqxx>

namespace tributary::internal::citus {

/// The loader's staging table on Citus (migration 0009): distributed by device_id and
/// co-located with public.user_events, so that a day's COPY goes straight to the shards and
/// its merge runs on the workers, shard by shard, instead of pulling every row through the
/// coordinator. Each day's transaction writes under its own stage id and deletes its rows
/// before it commits (or rolls back with them).
inline constexpr const char* kStageTable = "ingest.user_events_stage";

/// Whether the database the connection reaches is distributed with Citus: the staging table
/// of migration 0009 exists (it is created only when the citus extension is present).
bool distributed(pqxx::connection& conn);

/// A stage id for one loader connection (from a sequence on the coordinator): its rows never
/// outlive the day's transaction, so one id per connection is enough.
std::int64_t new_stage_id(pqxx::connection& conn);

/// Deletes the staged rows of `stage_id` (a retried request starts over; the day's commit
/// leaves nothing behind).
void clear_stage(pqxx::transaction_base& tx, std::int64_t stage_id);

/// The session settings of a loader connection to a Citus coordinator.
void prepare_session(pqxx::connection& conn);

/// The Citus form of internal::merge_sql(), used for every day on Citus (a plain INSERT
/// that fails on an existing key costs a statement on every shard and a rollback on every
/// worker, while the merge costs no more than it): the same winner rule, run on each shard; the
/// change log gets the event dates the written rows had before (read first, by the same
/// predicate as the update) and after (returned by the insert). Returns the keys kept and
/// the rows inserted or changed.
std::pair<std::uint64_t, std::uint64_t> merge(pqxx::transaction_base& tx, std::int64_t run_id,
                                              std::int64_t stage_id, bool force);

/// The Citus form of internal::mirror_delete_sql(): deletes the rows of `day` whose key the
/// staged payload no longer holds, logging the day when any went. Returns the rows deleted.
std::uint64_t mirror_delete(pqxx::transaction_base& tx, const std::string& day,
                            std::int64_t stage_id);

/// Moves the staged rejections of `day` into ingest.rejected_events (a local table on the
/// coordinator), in payload order.
void insert_rejections(pqxx::transaction_base& tx, std::int64_t run_id, const std::string& day,
                       std::int64_t stage_id);

}  // namespace tributary::internal::citus
