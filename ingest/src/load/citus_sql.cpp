#include "load/citus_sql.hpp"

#include "common/text.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::internal::citus {
namespace {

bool is_key(std::string_view column) { return column == "device_id" || column == "event_time"; }

std::string joined(std::string_view prefix) {
  return join(models::kUserEventColumns, ", ",
              [&](std::string_view column) { return std::string(prefix).append(column); });
}

// The day's winners by the rule of merge_sql.cpp. No `collate "C"` on the key here: Citus
// runs a DISTINCT ON over the distribution column on each shard only when it sees the
// column itself; the order inside a shard changes nothing of the result. $N is the stage id.
std::string winners(int stage_param) {
  return "select distinct on (device_id, event_time) " + joined("") + " from " + kStageTable +
         " where stage_id = $" + std::to_string(stage_param) +
         " and reason is null"
         " order by device_id, event_time, server_upload_time desc, event_date desc,"
         " position desc";
}

// Whether the incoming row `w` replaces the stored one `u` (the ON CONFLICT condition).
std::string replaces(const std::string& incoming, const std::string& stored, bool force) {
  std::string condition = "(" + incoming + ".server_upload_time, " + incoming +
                          ".event_date) >= (" + stored + ".server_upload_time, " + stored +
                          ".event_date)";
  if (force) return condition;
  std::string old_values;
  std::string new_values;
  for (const auto column : models::kUserEventColumns) {
    if (is_key(column)) continue;
    if (!old_values.empty()) {
      old_values += ", ";
      new_values += ", ";
    }
    old_values += stored + "." + std::string(column);
    new_values += incoming + "." + std::string(column);
  }
  return condition + " and (" + old_values + ") is distinct from (" + new_values + ")";
}

std::string insert_winners(int run_param, int stage_param) {
  // The alias: Citus 13.2 deparses RETURNING of an INSERT … SELECT into a shard wrongly
  // without one ("missing FROM-clause entry for table user_events").
  return "insert into public.user_events as u (" + joined("") +
         ", first_loaded_at, last_loaded_at, run_id) select " + joined("") + ", now(), now(), $" +
         std::to_string(run_param) + " from (" + winners(stage_param) + ") as w";
}

}  // namespace

bool distributed(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec("select to_regclass('ingest.user_events_stage') is not null")[0][0].as<bool>();
}

std::int64_t new_stage_id(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  return tx.exec("select nextval('ingest.user_events_stage_ids')")[0][0].as<std::int64_t>();
}

void prepare_session(pqxx::connection& conn) {
  pqxx::nontransaction session(conn);
  // The day's `set local` (lock_timeout, work_mem) reaches the shards on the workers too:
  // a row lock held there must time out like one on a single node.
  session.exec("set citus.propagate_set_commands = 'local'");
  // Citus's default shard locks stay: a multi-shard DELETE or merge takes an exclusive lock
  // on each shard to the end of its transaction, so days sharing keys never deadlock
  // across shards (concurrent days queue there instead). citus.all_modifications_commutative
  // would let them run side by side, but then two days sharing keys deadlock on two shards
  // (measured: MergePaths.NewDaysSharingKeysLoadedConcurrentlyGiveTheSequentialTable).
}

void clear_stage(pqxx::transaction_base& tx, std::int64_t stage_id) {
  static const std::string sql = std::string("delete from ") + kStageTable + " where stage_id = $1";
  // A multi-shard DELETE takes an exclusive lock on every shard by default, here after the
  // day's COPY locked some of them in the order its rows came: concurrent days deadlock.
  // Their stage rows are disjoint, so this delete commutes with theirs; only it is told so
  // (the merge of user_events keeps Citus's shard locks, see prepare_session).
  tx.exec("set local citus.all_modifications_commutative = on");
  tx.exec_params(sql, stage_id);
  tx.exec("set local citus.all_modifications_commutative = off");
}

namespace {
std::string day_xid(pqxx::transaction_base& tx) {
  return tx.exec1("select pg_current_xact_id()::text")[0].as<std::string>();
}
}  // namespace

std::pair<std::uint64_t, std::uint64_t> merge(pqxx::transaction_base& tx, std::int64_t run_id,
                                              std::int64_t stage_id, bool force) {
  const auto statements = [](bool forced) {
    std::string set_list;
    for (const auto column : models::kUserEventColumns) {
      if (is_key(column)) continue;
      set_list += std::string(column) + " = excluded." + std::string(column) + ", ";
    }
    struct {
      std::string old_dates, write, kept;
    } s;
    // The dates the rows about to be replaced have now: read before the write, with the
    // update's own condition (a subquery in RETURNING cannot read the shard on Citus).
    s.old_dates =
        "insert into ingest.changed_event_dates (event_date, changed_by)"
        " select distinct u.event_date, $2::xid8 from public.user_events u join (" +
        winners(1) +
        ") as w on w.device_id = u.device_id and w.event_time = u.event_time"
        " where " +
        replaces("w", "u", forced) + " order by 1";
    s.write = "with written as (" + insert_winners(1, 2) +
              " on conflict (device_id, event_time) do update set " + set_list +
              "last_loaded_at = excluded.last_loaded_at, run_id = excluded.run_id"
              " where " +
              replaces("excluded", "u", forced) +
              " returning u.event_date)"
              ", logged as (insert into ingest.changed_event_dates (event_date, changed_by)"
              " select distinct event_date, $3::xid8 from written order by 1)"
              " select count(*) from written";
    s.kept = std::string("select count(*) from (select device_id, event_time from ") + kStageTable +
             " where stage_id = $1 and reason is null group by device_id, event_time) as k";
    return s;
  };
  static const auto plain = statements(false);
  static const auto forced = statements(true);
  const auto& s = force ? forced : plain;
  // The day's own transaction id, read on the coordinator: a column default evaluated
  // inside Citus's INSERT … SELECT was seen to stamp another one.
  const auto xid = day_xid(tx);
  tx.exec_params(s.old_dates, stage_id, xid);
  const auto written = tx.exec_params1(s.write, run_id, stage_id, xid)[0].as<std::uint64_t>();
  const auto kept = tx.exec_params1(s.kept, stage_id)[0].as<std::uint64_t>();
  return {kept, written};
}

std::uint64_t mirror_delete(pqxx::transaction_base& tx, const std::string& day,
                            std::int64_t stage_id) {
  static const std::string sql =
      std::string(
          "delete from public.user_events u where u.event_date = $1::date"
          " and not exists (select 1 from ") +
      kStageTable +
      " s where s.stage_id = $2 and s.reason is null and s.device_id = u.device_id"
      " and s.event_time = u.event_time)";
  const auto deleted = tx.exec_params(sql, day, stage_id).affected_rows();
  // Every row deleted was dated `day`.
  if (deleted > 0) {
    tx.exec_params(
        "insert into ingest.changed_event_dates (event_date, changed_by) "
        "values ($1::date, $2::xid8)",
        day, day_xid(tx));
  }
  return deleted;
}

void insert_rejections(pqxx::transaction_base& tx, std::int64_t run_id, const std::string& day,
                       std::int64_t stage_id) {
  static const std::string sql =
      std::string(
          "insert into ingest.rejected_events (run_id, day, position, reason, raw_json)"
          " select $1::bigint, $2::date, position, reason, raw_json from ") +
      kStageTable + " where stage_id = $3 and reason is not null order by position";
  tx.exec_params(sql, run_id, day, stage_id);
}

}  // namespace tributary::internal::citus
