#include "load/staging.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/text.hpp"
#include "load/citus_sql.hpp"
#include "tributary/error.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

// COPY rows are sent in batches of about this many bytes: one libpq call per batch instead
// of one per row.
constexpr std::size_t kBatchBytes = 1 << 20;

void append_position(std::size_t position, std::string& out) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, position);
  out.append(digits, static_cast<std::size_t>(end - digits));
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
         " add column if not exists raw_json text";
}

StagingConsumer::StagingConsumer(pqxx::transaction_base& tx, date::sys_days day,
                                 std::optional<std::string> unchanged_digest, StageTarget target)
    : tx_(tx), day_(day), target_(target), unchanged_digest_(std::move(unchanged_digest)) {
  buffer_.reserve(kBatchBytes + (64 << 10));
  if (target_.citus_stage_id) row_end_ = "\t" + std::to_string(*target_.citus_stage_id);
  row_end_ += '\n';
}

StagingConsumer::~StagingConsumer() {
  if (spool_ != nullptr) std::fclose(spool_);
}

void StagingConsumer::begin_attempt() {
  close_stream();
  digest_.reset();
  summary_ = {};
  other_day_ = 0;
  unchanged_ = false;
  if (!unchanged_digest_) {
    start_staging();
    return;
  }
  // tmpfile(): created in TMPDIR and already unlinked, so nothing is left behind whatever
  // happens to the process.
  if (spool_ == nullptr) spool_ = std::tmpfile();
  if (spool_ == nullptr || ::ftruncate(::fileno(spool_), 0) != 0) {
    throw Error("cannot create a temporary file for the day's body (is TMPDIR writable?): " +
                std::string(std::strerror(errno)));
  }
  std::rewind(spool_);
}

void StagingConsumer::start_staging() {
  close_stream();
  if (target_.citus_stage_id) {
    // The day's transaction starts with no rows of its stage id: only a retried request
    // has some to delete.
    if (staged_) citus::clear_stage(tx_, *target_.citus_stage_id);
    staged_ = true;
  } else {
    tx_.exec(std::string("truncate ") + kStageTable);
  }
  // libpqxx 6.4's stream_to keeps its raw-line writer private and escapes every field
  // itself; tablewriter (deprecated in 6.x, still supported there) takes our pre-encoded
  // batches as they are, which is what makes the COPY one pass over the rows.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  stream_ = std::make_unique<pqxx::tablewriter>(
      tx_, target_.citus_stage_id ? citus::kStageTable : kStageTable);
#pragma GCC diagnostic pop
  parser_ = std::make_unique<models::PayloadParser>(static_cast<models::EventSink&>(*this));
  summary_ = {};
  other_day_ = 0;
  buffer_.clear();
}

void StagingConsumer::consume(std::string_view bytes) {
  digest_.update(bytes);
  if (spool_ != nullptr && unchanged_digest_) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), spool_) != bytes.size()) {
      throw Error("cannot write the day's body to its temporary file (is TMPDIR full?): " +
                  std::string(std::strerror(errno)));
    }
    return;
  }
  parser_->feed(bytes);
  if (buffer_.size() >= kBatchBytes) flush();
}

void StagingConsumer::finish() {
  if (unchanged_digest_) {
    if (digest_.hex() == *unchanged_digest_) {
      unchanged_ = true;
      return;
    }
    parse_spool();
  }
  summary_ = parser_->finish();
  close_stream();
}

void StagingConsumer::parse_spool() {
  start_staging();
  if (std::fflush(spool_) != 0) {
    throw Error("cannot write the day's body to its temporary file (is TMPDIR full?): " +
                std::string(std::strerror(errno)));
  }
  std::rewind(spool_);
  std::string chunk(kBatchBytes, '\0');
  for (;;) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), spool_);
    if (n > 0) {
      parser_->feed(std::string_view(chunk.data(), n));
      if (buffer_.size() >= kBatchBytes) flush();
    }
    if (n < chunk.size()) break;
  }
  if (std::ferror(spool_) != 0) {
    throw Error("cannot read the day's body back from its temporary file: " +
                std::string(std::strerror(errno)));
  }
}

void StagingConsumer::on_event(models::UserEvent&& event, std::size_t position) {
  if (event.event_date != day_) ++other_day_;
  models::append_copy_fields(event, buffer_);
  buffer_.push_back('\t');
  append_position(position, buffer_);
  buffer_.append("\t\\N\t\\N");
  buffer_.append(row_end_);
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
