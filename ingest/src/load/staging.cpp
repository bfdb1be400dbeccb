#include "load/staging.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/text.hpp"
#include "db/binary_copy.hpp"
#include "db/pg_errors.hpp"
#include "load/citus_sql.hpp"
#include "load/merge_sql.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

// COPY rows are sent in batches of about this many bytes: one libpq call per batch instead
// of one per row.
constexpr std::size_t kBatchBytes = 1 << 20;

// A failure of the direct copy that the merge gets right: a key exists already (23505), or a
// lock conflict with a writer outside tributary's write turn.
bool merge_instead(const std::exception& e) {
  return sqlstate_of(e) == "23505" || classify(e) == PgErrorKind::LockConflict;
}

// Copies `which` rows of `rows` into `table` (their columns) in the binary format.
void copy_binary(pqxx::transaction_base& tx, std::string_view table, DirectRows& rows,
                 DirectRows::Rows which) {
  const auto& columns = which == DirectRows::Rows::Direct ? DirectRows::direct_columns()
                                                          : DirectRows::staged_columns();
  BinaryCopy copy(tx, table, columns);
  rows.send(which, [&](std::string& tuples) {
    copy.write(tuples);
    tuples.clear();
  });
  copy.complete();  // the end of the COPY: where a unique violation shows
}

}  // namespace

std::string stage_table_ddl() {
  const std::string columns = join(models::kUserEventColumns, ", ");
  return "create temp table if not exists " + std::string(kStageTable) +
         " on commit delete rows as select " + columns +
         " from public.user_events with no data; "
         "alter table " + kStageTable +
         " add column if not exists position integer,"
         " add column if not exists reason text,"
         " add column if not exists raw_json text,"
         " add column if not exists direct_key boolean";
}

StagingConsumer::StagingConsumer(pqxx::transaction_base& tx, date::sys_days day,
                                 std::optional<std::string> unchanged_digest, StageTarget target,
                                 std::optional<DirectCopy> direct)
    : tx_(tx),
      day_(day),
      target_(target),
      unchanged_digest_(std::move(unchanged_digest)),
      direct_(target.citus_stage_id || unchanged_digest_ ? std::nullopt : std::move(direct)) {
  buffer_.reserve(kBatchBytes + (64 << 10));
  // The temporary table ends with direct_key, Citus's stage table with the stage id.
  row_end_ = target_.citus_stage_id ? "\t" + std::to_string(*target_.citus_stage_id) : "\tf";
  row_end_ += '\n';
  if (direct_) direct_rows_ = std::make_unique<DirectRows>(day_, direct_->run_id, row_end_);
}

StagingConsumer::~StagingConsumer() = default;

void StagingConsumer::begin_attempt() {
  close_stream();
  digest_.reset();
  summary_ = {};
  other_day_ = 0;
  unchanged_ = false;
  copied_direct_ = false;
  direct_rolled_back_ = false;
  if (direct_) {
    direct_rows_->reset();
    parser_ = std::make_unique<models::PayloadParser>(static_cast<models::EventSink&>(*this));
    return;
  }
  if (!unchanged_digest_) start_staging();  // else only the digest is computed
}

void StagingConsumer::start_staging() {
  open_stage_stream();
  parser_ = std::make_unique<models::PayloadParser>(static_cast<models::EventSink&>(*this));
  summary_ = {};
  other_day_ = 0;
}

void StagingConsumer::open_stage_stream() {
  close_stream();
  truncate_stage();
  staged_ = true;
  // libpqxx 6.4's stream_to keeps its raw-line writer private and escapes every field
  // itself; tablewriter (deprecated in 6.x, still supported there) takes our pre-encoded
  // batches as they are, which is what makes the COPY one pass over the rows.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  stream_ = std::make_unique<pqxx::tablewriter>(
      tx_, target_.citus_stage_id ? citus::kStageTable : kStageTable);
#pragma GCC diagnostic pop
  buffer_.clear();
}

// The day's transaction starts with nothing staged (the temporary table empties itself at
// every commit, a rollback takes its rows away; on Citus no rows of this stage id): only a
// request retried after it staged rows has some to delete. A TRUNCATE costs ~3 ms even of
// an empty table (a new file), which most days would pay for nothing.
void StagingConsumer::truncate_stage() {
  if (!staged_) return;
  if (target_.citus_stage_id) {
    citus::clear_stage(tx_, *target_.citus_stage_id);
  } else {
    tx_.exec(std::string("truncate ") + kStageTable);
  }
  staged_ = false;
}

void StagingConsumer::discard_staged() {
  close_stream();
  truncate_stage();
}

void StagingConsumer::consume(std::string_view bytes) {
  digest_.update(bytes);
  if (unchanged_digest_) return;
  parser_->feed(bytes);
  if (buffer_.size() >= kBatchBytes) flush();
}

void StagingConsumer::finish() {
  if (unchanged_digest_) {
    unchanged_ = digest_.hex() == *unchanged_digest_;
    return;
  }
  if (direct_) {
    finish_direct();
    return;
  }
  summary_ = parser_->finish();
  close_stream();
}

void StagingConsumer::finish_direct() {
  summary_ = parser_->finish();  // a body that is not JSON throws: the request is retried
  DirectRows& rows = *direct_rows_;
  rows.finish();
  const auto send = [this](std::string& batch) { send_batch(batch); };
  // The staging table is this session's own: filled before the turn.
  if (rows.has_staged_rows()) {
    open_stage_stream();
    rows.send_staged(send);
    close_stream();
  }
  // The writes, in the day's turn: no other day of tributary writes until this one ends.
  direct_->before_writes();
  // Rows dated the day that exist already (another day's payload held their keys): those
  // keys go to the merge, all their rows unflagged (the first one is not copied).
  const auto existing = tx_.exec_params(
      "select device_id, event_time from public.user_events where event_date = $1",
      format_day(day_));
  for (const auto& row : existing) rows.demote(row[0].c_str(), row[1].as<std::int64_t>());
  if (rows.demoted() > 0) {
    staged_ = true;
    copy_binary(tx_, kStageTable, rows, DirectRows::Rows::DemotedAsStaged);
    tx_.exec_params(std::string("update ") + kStageTable +
                        " s set direct_key = false from public.user_events u"
                        " where s.direct_key and u.event_date = $1"
                        " and u.device_id = s.device_id and u.event_time = s.event_time",
                    format_day(day_));
  }
  if (rows.direct_rows() == 0) {
    copied_direct_ = true;
    return;
  }
  tx_.exec("savepoint tributary_direct");
  try {
    // The two timestamps take their default, now(): the transaction's start, as the merge
    // writes them.
    copy_binary(tx_, "public.user_events", rows, DirectRows::Rows::Direct);
  } catch (const pqxx::sql_error& e) {
    const bool merge = merge_instead(e);
    abandon_direct(!merge);
    if (!merge) throw;
    // A key of the day exists dated otherwise (a row that moved): the whole day is merged.
    spdlog::debug("{}: a key of the day exists already ({}); merging the whole day",
                  format_day(day_), explain_pg_error(e));
    direct_rolled_back_ = true;
    staged_ = true;
    copy_binary(tx_, kStageTable, rows, DirectRows::Rows::DirectAsStaged);
    return;
  } catch (...) {
    abandon_direct(true);
    throw;
  }
  tx_.exec("release savepoint tributary_direct");
  // Every row copied is dated the day: that date alone goes to the change log.
  tx_.exec_params(std::string("insert into ") + kChangeLog + " (event_date) values ($1)",
                  format_day(day_));
  copied_direct_ = true;
}

// Ends a direct copy that failed: its COPY, then everything it wrote (to the savepoint).
// `quiet`: a failure of the rollback itself gives way to the error being handled.
void StagingConsumer::abandon_direct(bool quiet) {
  buffer_.clear();  // the binary COPY itself was ended by its destructor
  try {
    tx_.exec("rollback to savepoint tributary_direct");
  } catch (const std::exception&) {
    if (!quiet) throw;
  }
}

// Sends whole COPY rows (newline-terminated) into the open COPY, and empties them.
void StagingConsumer::send_batch(std::string& rows) {
  if (rows.empty()) return;
  // write_raw_line appends the final newline itself.
  rows.pop_back();
  stream_->write_raw_line(rows);
  rows.clear();
}

void StagingConsumer::on_event(models::UserEvent&& event, std::size_t position) {
  if (event.event_date != day_) ++other_day_;
  if (direct_rows_) {
    direct_rows_->add_event(event, position);
    return;
  }
  append_stage_row(event, position, row_end_, buffer_);
}

void StagingConsumer::on_rejection(models::Rejection&& rejection) {
  // On Citus the distribution column cannot be NULL: a rejection's device_id is empty.
  buffer_.append(target_.citus_stage_id ? "\t" : "\\N\t");
  for (std::size_t i = 1; i < models::kUserEventColumns.size(); ++i) buffer_.append("\\N\t");
  append_position(rejection.position, buffer_);
  buffer_.push_back('\t');
  models::append_copy_text(rejection.reason, buffer_);
  buffer_.push_back('\t');
  models::append_copy_text(rejection.raw_json, buffer_);
  buffer_.append(row_end_);
  if (direct_rows_) {
    direct_rows_->add_staged_row(buffer_);
    buffer_.clear();
  }
}

void StagingConsumer::flush() {
  if (buffer_.empty()) return;
  // write_raw_line appends the final newline itself; the batch's inner newlines separate
  // rows, which COPY accepts in any chunking.
  buffer_.pop_back();
  stream_->write_raw_line(buffer_);
  buffer_.clear();
}

void StagingConsumer::close_stream() {
  if (!stream_) return;
  flush();
  stream_->complete();
  stream_.reset();
}

}  // namespace tributary::internal
