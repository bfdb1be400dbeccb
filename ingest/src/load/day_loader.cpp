#include "load/day_loader.hpp"

#include <algorithm>
#include <map>
#include <string_view>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/retry.hpp"
#include "common/stop.hpp"
#include "db/database.hpp"
#include "db/lock_keys.hpp"
#include "db/pg_errors.hpp"
#include "db/statement_canceller.hpp"
#include "load/citus_sql.hpp"
#include "load/merge_sql.hpp"
#include "load/staging.hpp"
#include "load/start_gate.hpp"
#include "tributary/api_client.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

// Reconnections tried after losing the database, about 30 s in all: 8 tries, waiting
// 1, 2, 3, 4, 5, 5, 5 s between them.
constexpr RetryPolicy kReconnectRetry{.attempts = 8,
                                      .base = std::chrono::seconds{1},
                                      .cap = std::chrono::seconds{5},
                                      .growth = RetryPolicy::Growth::Linear};

// A day whose transaction lost a race (a serialization failure, a deadlock, a lock timeout:
// rolled back, see db/pg_errors) is simply tried again, from the fetch on, at once.
constexpr RetryPolicy kDayRetry{.attempts = 3};

// A `--mirror` that would delete too much of a day: the day fails, nothing is deleted.
class MirrorRefused : public Error {
 public:
  using Error::Error;
};

struct PreviousLoad {
  std::string status;
  std::optional<std::string> digest;
  std::optional<std::string> etag;
};

std::optional<PreviousLoad> previous_load(pqxx::transaction_base& tx, const std::string& day) {
  const auto rows = tx.exec_params(
      "select status, payload_digest, etag from ingest.day_loads where day = $1", day);
  if (rows.empty()) return std::nullopt;
  PreviousLoad p;
  p.status = rows[0][0].as<std::string>();
  if (!rows[0][1].is_null()) p.digest = rows[0][1].as<std::string>();
  if (!rows[0][2].is_null()) p.etag = rows[0][2].as<std::string>();
  return p;
}

// Whether public.user_events has the types of models::kUserEventColumnTypes (and a bigint
// run_id): the binary COPY format carries no types, so a column changed by hand would fail
// the direct copy or take its bytes as another type. Says so, once per connection, if not.
bool binary_copy_fits(pqxx::transaction_base& tx) {
  const auto rows = tx.exec(
      "select attname, format_type(atttypid, atttypmod) from pg_attribute "
      "where attrelid = 'public.user_events'::regclass and attnum > 0 and not attisdropped");
  std::map<std::string, std::string, std::less<>> types;
  for (const auto& row : rows) types[row[0].as<std::string>()] = row[1].as<std::string>();
  std::vector<std::pair<std::string_view, std::string_view>> expected;
  for (std::size_t i = 0; i < models::kUserEventColumns.size(); ++i) {
    expected.emplace_back(models::kUserEventColumns[i], models::kUserEventColumnTypes[i]);
  }
  expected.emplace_back("run_id", "bigint");
  for (const auto& [column, type] : expected) {
    const auto found = types.find(column);
    const std::string actual = found == types.end() ? "missing" : found->second;
    if (actual != type) {
      spdlog::warn("public.user_events.{} is {}, not {}: new days are staged and merged instead "
                   "of copied in the binary format (slower; the data is the same)",
                   column, actual, type);
      return false;
    }
  }
  return true;
}

}  // namespace

struct DayLoader::Impl {
  Impl(const Settings& s, std::int64_t run, std::stop_token stop, std::shared_ptr<ApiReach> r,
       std::shared_ptr<StartGate> g)
      : settings(s),
        run_id(run),
        reach(r ? std::move(r) : std::make_shared<ApiReach>()),
        gate(std::move(g)),
        client(s.api, reach),
        canceller(std::move(stop)) {
    reconnect();
  }

  void reconnect() {
    conn = internal::connect(settings.database);
    internal::translate_database_errors("preparing the staging table", [&] {
      // On Citus the day is staged in the distributed table of migration 0009 instead.
      citus_stage.reset();
      if (citus::distributed(*conn)) {
        citus::prepare_session(*conn);
        citus_stage = citus::new_stage_id(*conn);
        return;
      }
      // A day's staging table (~12 MB at 40,000 events) must fit in temp buffers; that
      // setting only takes effect before the session first touches a temporary table.
      pqxx::nontransaction session(*conn);
      session.exec("set temp_buffers = '64MB'");
      binary_direct = binary_copy_fits(session);
      session.commit();
      pqxx::work tx(*conn);
      tx.exec("set local client_min_messages = warning");
      tx.exec(internal::stage_table_ddl());
      tx.commit();
    });
  }

  // After a lost connection (a restart, a failover) the server usually returns within
  // seconds: try for about half a minute before giving up on the run.
  void reconnect_patiently() {
    for (int attempt = 1;; ++attempt) {
      try {
        reconnect();
        return;
      } catch (const DatabaseError& e) {
        if (!kReconnectRetry.retries_after(attempt)) throw;
        const LogContext attempt_field{{"database_attempt", attempt}};
        spdlog::warn("{} (attempt {}/{}); retrying", e.what(), attempt, kReconnectRetry.attempts);
        sleep_unless_stopped(kReconnectRetry.delay(attempt), canceller.token(),
                             "waiting to reconnect to the database");
      }
    }
  }

  // `committing` is set once the day's COMMIT is sent.
  DayResult load(date::sys_days day, const LoadOptions& options, Claim claim, bool& committing);
  // Takes the day's lock as `claim` says; false: the day is another process's business.
  bool claim_day(pqxx::work& tx, date::sys_days day, const LoadOptions& options, Claim claim);
  /// Takes what a day holds from its first write to public.user_events until it ends.
  void begin_writes(pqxx::work& tx);
  std::pair<std::uint64_t, std::uint64_t> write_rows(pqxx::work& tx, const LoadOptions& options,
                                                     const StagingConsumer& staging,
                                                     bool never_loaded);
  void record_unchanged(const std::string& day, const std::optional<std::string>& etag,
                        bool complete);
  void refuse_large_mirror(const std::string& day, std::uint64_t deleted, std::uint64_t before,
                           const DayFetch& fetch);
  void record_failure(const std::string& day, const DayResult& result);
  void write_rejections(pqxx::work& tx, const std::string& day);

  Settings settings;
  std::int64_t run_id;
  std::shared_ptr<ApiReach> reach;  // shared by the run's loaders: whether one reached the API
  std::shared_ptr<StartGate> gate;  // shared by the run's loaders too; may be null
  ApiClient client;
  std::unique_ptr<pqxx::connection> conn;
  /// Whether public.user_events has the column types the direct copy's binary tuples are
  /// written for (else new days are staged and merged, in the text format).
  bool binary_direct = true;
  /// On Citus: this connection's stage id in ingest.user_events_stage (load/citus_sql.hpp).
  std::optional<std::int64_t> citus_stage;
  int attempts_made = 0;  ///< HTTP requests of the day's last fetch that succeeded
  /// Armed with `conn` while a day is in flight, disarmed once it commits: a stop cancels
  /// the day's running statement, never its COMMIT.
  StatementCanceller canceller;
};

DayLoader::DayLoader(const Settings& settings, std::int64_t run_id, std::stop_token stop,
                     std::shared_ptr<ApiReach> reach, std::shared_ptr<StartGate> gate)
    : impl_(std::make_unique<Impl>(settings, run_id, std::move(stop), std::move(reach),
                                   std::move(gate))) {}

DayLoader::~DayLoader() = default;

DayResult DayLoader::load_day(date::sys_days day, const LoadOptions& options, Claim claim) {
  const auto started = std::chrono::steady_clock::now();
  const LogContext day_fields{{"day", format_day(day)}};
  DayResult result;
  auto& canceller = impl_->canceller;
  throw_if_stopped(canceller.token(), "starting a day");
  // Whether the day is past the point of no return: its COMMIT was sent.
  bool committing = false;
  try {
    if (!impl_->conn || !impl_->conn->is_open()) impl_->reconnect();
    for (int attempt = 1;; ++attempt) {
      try {
        canceller.arm(*impl_->conn);
        result = impl_->load(day, options, claim, committing);
        canceller.disarm();
        break;
      } catch (const std::exception& e) {
        canceller.disarm();
        if (!kDayRetry.retries_after(attempt) || !is_retryable(classify(e)) ||
            !impl_->conn->is_open() || canceller.stop_requested()) {
          throw;
        }
        const LogContext attempt_field{{"database_attempt", attempt}};
        spdlog::warn("{}: {} (database attempt {}/{}); trying the day again", format_day(day),
                     e.what(), attempt, kDayRetry.attempts);
        std::this_thread::sleep_for(kDayRetry.delay(attempt));  // no wait
      }
    }
  } catch (const AuthError&) {
    throw;
  } catch (const std::exception& e) {
    // Whatever failed after the stop was requested failed because of it (a cancelled
    // statement, an aborted transfer): the day rolled back, and stays as it was recorded.
    if (canceller.stop_requested() && !committing) {
      throw Interrupted("stopped while loading " + format_day(day) + "; rolled back");
    }
    // Nothing of the run reached the API: the run stops (exit 5) and the day stays as it was.
    if (dynamic_cast<const ApiUnreachableError*>(&e) != nullptr && !impl_->reach->reached()) {
      throw;
    }
    result.day = day;
    result.status = DayStatus::Failed;
    result.error = e.what();
    // The requests made, whatever failed: the API (its error says), or what came after a
    // successful fetch (the mirror guard, the database).
    const auto* api = dynamic_cast<const ApiError*>(&e);
    result.attempts = api != nullptr ? api->attempts() : impl_->attempts_made;
    // The session may be gone without libpq having noticed yet (57P01, class 08), or the
    // other way round (a failure that is no database error, seen after the socket closed).
    const bool connection_lost =
        classify(e) == PgErrorKind::ConnectionLost || !impl_->conn || !impl_->conn->is_open();
    if (connection_lost) {
      result.error = "lost the database connection to " + impl_->settings.database.describe() +
                     " while loading " + format_day(day) + ": " + e.what();
      impl_->conn.reset();
      impl_->reconnect_patiently();  // throws DatabaseError when the database stays away
    }
    impl_->record_failure(format_day(day), result);
  }
  result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  return result;
}

bool DayLoader::Impl::claim_day(pqxx::work& tx, date::sys_days day, const LoadOptions& options,
                                Claim claim) {
  if (claim == Claim::SkipIfHeld) {
    if (!tx.exec_params1("select pg_try_advisory_xact_lock($1, $2)", kDayLockClass,
                         day_lock_key(day))[0]
             .as<bool>()) {
      return false;
    }
  } else {
    tx.exec_params("select pg_advisory_xact_lock($1, $2)", kDayLockClass, day_lock_key(day));
  }
  // The day's last load was made by a run going on beside this one (still running, or ended
  // after this one started): its answer stands, the processes share the span. --force and
  // --mirror load the day whatever.
  if (options.force || options.mirror || claim == Claim::WaitAndLoad) return true;
  return tx
      .exec_params(
          "select 1 from ingest.day_loads d join ingest.runs other on "
          "other.id = d.run_id, ingest.runs me where d.day = $1 and me.id = $2 "
          "and other.id <> me.id and other.status <> 'abandoned' "
          "and d.status not in ('failed', 'incomplete') "
          "and (other.finished_at is null or other.finished_at >= me.started_at)",
          format_day(day), run_id)
      .empty();
}

DayResult DayLoader::Impl::load(date::sys_days day, const LoadOptions& options, Claim claim,
                                bool& committing) {
  const auto day_text = format_day(day);
  DayResult result;
  result.day = day;
  // Whatever way this try ends (loaded, unchanged, skipped, failed or to be retried), the
  // days held back at the run's start go on: a retry must not wait for a place its own first
  // try took.
  struct OpenGate {
    StartGate* gate;
    ~OpenGate() {
      if (gate != nullptr) gate->open();
    }
  } open_gate{gate.get()};

  pqxx::work tx(*conn);
  if (!claim_day(tx, day, options, claim)) {
    tx.abort();
    result.status = DayStatus::Skipped;
    result.another_process = true;
    return result;
  }
  // Once the day is ours, waiting long on a row lock means something is wrong: give up and
  // let the retry above run the day again (TRIBUTARY_LOCK_TIMEOUT_MS, default 30 s).
  tx.exec("set local lock_timeout = " +
          std::to_string(std::max(1, settings.database.lock_timeout_ms)));  // milliseconds
  // The merge sorts the day by key; keep that sort in memory.
  tx.exec("set local work_mem = '64MB'");
  const auto previous = previous_load(tx, day_text);
  std::optional<std::string> etag;
  // --force and --mirror must see the payload itself, not a 304.
  const bool may_skip = !options.force && !options.mirror;
  if (previous && previous->status == "loaded" && may_skip) etag = previous->etag;

  // Read before the request: a day that completes while its payload streams was served
  // before it was complete.
  const bool complete = is_complete(day, now(), settings.api.availability_lag);

  // The payload loaded before, when a body with the same digest would be unchanged: the
  // first request then only computes the body's digest, and one that differs is fetched
  // again to be parsed and staged.
  std::optional<std::string> unchanged_digest;
  if (may_skip && previous && previous->digest && previous->status != "empty") {
    unchanged_digest = previous->digest;
  }
  // A day never loaded before most likely holds only new keys: on one node (and without
  // --mirror, which needs every key staged) it is copied straight into user_events.
  const bool never_loaded = !previous || !previous->digest;
  bool writes_begun = false;
  const auto begin_writes_once = [&] {
    if (!writes_begun) begin_writes(tx);
    writes_begun = true;
  };
  // The day's rejections replace the ones recorded before; they are in the staging table
  // once the payload is parsed, and written before the day's turn (they touch no row of
  // user_events), which keeps the turn short.
  bool rejections_written = false;
  const auto write_rejections_once = [&] {
    if (!rejections_written) write_rejections(tx, day_text);
    rejections_written = true;
  };
  std::optional<DirectCopy> direct;
  if (never_loaded && !options.mirror && !citus_stage && binary_direct) {
    direct = DirectCopy{.run_id = run_id, .before_writes = [&] {
                          write_rejections_once();
                          begin_writes_once();
                        }};
  }
  internal::StagingConsumer staging(tx, day, unchanged_digest, StageTarget{citus_stage},
                                    std::move(direct));
  attempts_made = 0;
  // A day loaded before is only digested (or answered 304): it parses nothing, and needs no
  // place at the start gate.
  if (gate && !unchanged_digest && !gate->enter(canceller.token())) {
    throw Interrupted("stopped before fetching " + day_text);
  }
  DayFetch fetch = client.fetch_day(day, staging, etag, canceller.token());
  result.attempts = attempts_made = fetch.attempts;
  std::optional<internal::StagingConsumer> refetched;
  if (fetch.outcome == FetchOutcome::Events && unchanged_digest && !staging.unchanged()) {
    // Changed: the day's body again, this time parsed and staged (no If-None-Match: the
    // body is what is needed).
    refetched.emplace(tx, day, std::nullopt, StageTarget{citus_stage});
    fetch = client.fetch_day(day, *refetched, std::nullopt, canceller.token());
    result.attempts = attempts_made = result.attempts + fetch.attempts;
  }
  internal::StagingConsumer& body = refetched ? *refetched : staging;
  // A failed attempt may have staged part of a body before the final answer came empty.
  if (fetch.outcome != FetchOutcome::Events) body.discard_staged();
  result.payload_bytes = fetch.body_bytes;

  if (fetch.outcome == FetchOutcome::NotModified ||
      (fetch.outcome == FetchOutcome::Events && may_skip && previous && previous->digest &&
       *previous->digest == body.digest() && previous->status != "empty")) {
    tx.abort();
    record_unchanged(day_text, fetch.etag, complete);
    result.status = DayStatus::Unchanged;
    return result;
  }

  // The guard of --mirror compares what it deletes with what the day held before.
  std::uint64_t rows_before = 0;
  if (options.mirror && !options.force) {
    rows_before = tx.exec_params1("select count(*) from public.user_events where event_date = $1",
                                  day_text)[0]
                      .as<std::uint64_t>();
  }
  write_rejections_once();
  if (fetch.outcome == FetchOutcome::Events || options.mirror) begin_writes_once();
  std::string digest;
  if (fetch.outcome == FetchOutcome::Events) {
    const auto& summary = body.summary();
    digest = body.digest();
    result.events_received = summary.elements;
    result.events_rejected = summary.rejected;
    const auto [kept, written] = write_rows(tx, options, body, never_loaded);
    result.events_loaded = kept;
    result.events_duplicate = summary.accepted - result.events_loaded;
    result.rows_written = written;
    result.events_other_day = body.other_day_events();
    if (summary.accepted > 0 && result.events_other_day * 2 > summary.accepted) {
      result.warning = std::to_string(result.events_other_day) + " of " +
                       std::to_string(summary.accepted) +
                       " valid events are dated another day than " + day_text +
                       ": the request and the data disagree (is API_URL right?)";
    }
  }
  if (options.mirror) {
    static const std::string mirror = internal::mirror_delete_sql();
    const auto deleted = citus_stage ? citus::mirror_delete(tx, day_text, *citus_stage)
                                     : tx.exec_params1(mirror, day_text)[0].as<std::uint64_t>();
    result.rows_written += deleted;
    if (!options.force) refuse_large_mirror(day_text, deleted, rows_before, fetch);
  }
  result.status = !complete                              ? DayStatus::Incomplete
                  : fetch.outcome == FetchOutcome::Empty ? DayStatus::Empty
                                                         : DayStatus::Loaded;
  tx.exec_params(
      "insert into ingest.day_loads (day, status, events_received, events_loaded, "
      "events_rejected, events_duplicate, rows_written, payload_digest, etag, attempts, "
      "fetched_at, loaded_at, checked_at, run_id, last_error) "
      "values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), now(), now(), $11, null) "
      "on conflict (day) do update set status = excluded.status, "
      "events_received = excluded.events_received, events_loaded = excluded.events_loaded, "
      "events_rejected = excluded.events_rejected, events_duplicate = excluded.events_duplicate, "
      "rows_written = excluded.rows_written, payload_digest = excluded.payload_digest, "
      "etag = excluded.etag, attempts = excluded.attempts, fetched_at = excluded.fetched_at, "
      "loaded_at = excluded.loaded_at, checked_at = excluded.checked_at, "
      "run_id = excluded.run_id, last_error = null",
      day_text, to_string(result.status), result.events_received, result.events_loaded,
      result.events_rejected, result.events_duplicate, result.rows_written,
      digest.empty() ? std::optional<std::string>{} : std::optional<std::string>{digest},
      fetch.etag, fetch.attempts, run_id);
  // The point of no return: a stop from here on lets the day commit.
  canceller.disarm();
  throw_if_stopped(canceller.token(), "loading the day, before its commit");
  // The temporary table empties itself on commit; Citus's stage rows are deleted.
  if (citus_stage) citus::clear_stage(tx, *citus_stage);
  committing = true;
  tx.commit();
  return result;
}

// From the first write to the commit, the model runner takes no snapshot (lock_keys.hpp);
// on one node the day then waits for its write turn.
void DayLoader::Impl::begin_writes(pqxx::work& tx) {
  if (gate) gate->open();
  // Behind a runner waiting for its snapshot, this waits for every day writing now: the
  // row-lock timeout is too short for that (the runner gives up after 60 s itself).
  tx.exec("set local lock_timeout = '120s'");
  tx.exec_params("select pg_advisory_xact_lock_shared($1)", kChangeLogLockKey);
  if (!citus_stage) {
    // The days ahead each write at about the speed of a bare COPY; a turn waited for this
    // long means a day that does not end (a stop cancels the wait at once).
    tx.exec("set local lock_timeout = '600s'");
    tx.exec_params("select pg_advisory_xact_lock($1)", kWriteLockKey);
  }
  tx.exec("set local lock_timeout = " +
          std::to_string(std::max(1, settings.database.lock_timeout_ms)));  // milliseconds
}

// Writes the staged winners into user_events: keys kept, rows inserted or changed.
//
// A day copied straight into user_events (load/staging.hpp) merges only what was staged
// beside that copy: the rows of keys not copied (counted), then the later rows of keys it
// copied (direct_key; each such key was counted once as a new row already).
//
// Otherwise, a day that never had a payload loaded most likely holds only new keys: it is
// inserted plainly (about half the cost of the merge), inside a savepoint so that a key
// found to exist after all — a duplicate across days, or a concurrent day holding the same
// key — rolls back just that attempt, and the merge runs instead.
std::pair<std::uint64_t, std::uint64_t> DayLoader::Impl::write_rows(
    pqxx::work& tx, const LoadOptions& options, const StagingConsumer& staging,
    bool never_loaded) {
  // On Citus the merge costs no more than the plain insert, while a plain insert that fails
  // (a key of the day exists: most demo days) costs a statement on every shard and a
  // rollback on every worker: the merge always.
  if (citus_stage) return citus::merge(tx, run_id, *citus_stage, options.force);
  static const std::string merge = internal::merge_sql(false);
  static const std::string merge_forced = internal::merge_sql(true);
  if (staging.copied_direct()) {
    const DirectRows& rows = *staging.direct_rows();
    std::uint64_t kept = rows.direct_rows();
    std::uint64_t written = kept;
    if (rows.staged_events() > rows.staged_direct_keys()) {
      static const std::string others = internal::merge_sql(false, " and not direct_key");
      static const std::string others_forced = internal::merge_sql(true, " and not direct_key");
      const auto counts = tx.exec_params1(options.force ? others_forced : others, run_id);
      kept += counts[0].as<std::uint64_t>();
      written += counts[1].as<std::uint64_t>();
    }
    if (rows.staged_direct_keys() > 0) {
      static const std::string later_rows = internal::merge_sql(false, " and direct_key");
      tx.exec_params1(later_rows, run_id);
    }
    return {kept, written};
  }
  if (never_loaded && !staging.direct_rolled_back()) {
    static const std::string insert_new = internal::insert_new_sql();
    tx.exec("savepoint new_keys");
    try {
      const auto inserted = tx.exec_params1(insert_new, run_id)[0].as<std::uint64_t>();
      tx.exec("release savepoint new_keys");
      return {inserted, inserted};
    } catch (const pqxx::unique_violation&) {
      tx.exec("rollback to savepoint new_keys");
      spdlog::debug("some keys of the day exist already: merging instead");
    }
  }
  const auto counts = tx.exec_params1(options.force ? merge_forced : merge, run_id);
  return {counts[0].as<std::uint64_t>(), counts[1].as<std::uint64_t>()};
}

// Like rsync's --max-delete: a mirror deleting more than the allowed share of the rows the
// day held throws, so the day rolls back and nothing is deleted.
void DayLoader::Impl::refuse_large_mirror(const std::string& day, std::uint64_t deleted,
                                          std::uint64_t before, const DayFetch& fetch) {
  if (deleted == 0 || before == 0) return;
  const auto percent = static_cast<std::uint64_t>(settings.mirror_max_delete_percent);
  if (deleted * 100 <= percent * before) return;
  const std::string answer = fetch.outcome == FetchOutcome::Empty
                                 ? "the API answered that it has no events for the day"
                                 : "the API returned only part of the rows";
  throw MirrorRefused(
      "--mirror would delete " + std::to_string(deleted) + " of the " + std::to_string(before) +
      " rows of " + day + " (" + std::to_string(deleted * 100 / before) +
      "%, more than TRIBUTARY_MIRROR_MAX_DELETE_PERCENT=" + std::to_string(percent) +
      "%): " + answer + "; nothing deleted. If the API is right, run again with --mirror --force");
}

// The payload is the one already loaded: only the day's status can move — a failed retry
// that found the same payload, or an incomplete day whose payload did not grow before it
// completed, is `loaded` again (a day not complete yet stays `incomplete`).
void DayLoader::Impl::record_unchanged(const std::string& day,
                                       const std::optional<std::string>& etag, bool complete) {
  pqxx::work tx(*conn);
  tx.exec_params(
      "update ingest.day_loads set status = case when not $3 then 'incomplete' "
      "when status in ('failed', 'incomplete') then 'loaded' else status end, "
      "checked_at = now(), last_error = null, etag = coalesce($2, etag) where day = $1",
      day, etag, complete);
  tx.commit();
}

// Replaces the day's recorded rejections with the ones staged.
void DayLoader::Impl::write_rejections(pqxx::work& tx, const std::string& day) {
  tx.exec_params("delete from ingest.rejected_events where day = $1", day);
  if (citus_stage) {
    citus::insert_rejections(tx, run_id, day, *citus_stage);
  } else {
    tx.exec_params(
        std::string("insert into ingest.rejected_events (run_id, day, position, "
                    "reason, raw_json) select $1, $2, position, reason, raw_json from ") +
            internal::kStageTable + " where reason is not null order by position",
        run_id, day);
  }
}

void DayLoader::Impl::record_failure(const std::string& day, const DayResult& result) {
  try {
    pqxx::work tx(*conn);
    tx.exec_params(
        "insert into ingest.day_loads (day, status, attempts, checked_at, run_id, last_error) "
        "values ($1, 'failed', $2, now(), $3, $4) on conflict (day) do update set "
        "status = 'failed', attempts = excluded.attempts, checked_at = now(), "
        "run_id = excluded.run_id, last_error = excluded.last_error",
        day, result.attempts, run_id, result.error);
    tx.commit();
  } catch (const std::exception& e) {
    spdlog::warn("{}: could not record the failure: {}", day, e.what());
  }
}

}  // namespace tributary::internal
