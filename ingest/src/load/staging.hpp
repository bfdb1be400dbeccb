#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include "load/direct_rows.hpp"
#include "tributary/api_client.hpp"
#include "tributary/models/payload_digest.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary::internal {

/// Name of the per-connection temporary table a day is staged in.
inline constexpr const char* kStageTable = "tributary_stage";

/// Where a day is staged: the temporary table above, or on Citus the distributed
/// ingest.user_events_stage under the connection's stage id (load/citus_sql.hpp), whose rows
/// carry that id and, for a rejection, an empty device_id (the distribution column).
struct StageTarget {
  std::optional<std::int64_t> citus_stage_id;  ///< set on Citus
};

/// A day copied straight into public.user_events instead of through the staging table: for
/// a day never loaded before, on one node (not Citus), without --mirror.
struct DirectCopy {
  std::int64_t run_id = 0;
  /// Takes the locks a day holds from its first write to public.user_events until it ends
  /// (DayLoader: the change-log lock shared, the write turn). Called before that write, once
  /// per attempt that gets so far (it takes them once).
  std::function<void()> before_writes;
};

/// SQL that creates the staging table on a connection (once per connection): the content
/// columns of user_events without constraints, plus position, reason and raw_json (set for
/// rejections, whose event columns are NULL), and direct_key (a later row of a key copied
/// straight into user_events, see DirectCopy).
std::string stage_table_ddl();

/// Streams a day's body into the staging table as it arrives: bytes → PayloadParser →
/// COPY rows (events and rejections alike) in large batches; digest of the bytes on the way.
/// A retried request truncates the table and starts over, so nothing counts twice.
///
/// Given the digest of the payload loaded before (`unchanged_digest`), only the digest of
/// the body is computed: an unchanged day costs its download, not a parse, a COPY or a
/// write to disk. A body that differs is then fetched again by the caller, with a consumer
/// that stages it (a changed day costs two downloads; most re-fetched days are unchanged).
///
/// Given a DirectCopy, the body is parsed as it arrives into DirectRows instead: each key's
/// first row dated the day requested to be copied, every other row to be staged. finish()
/// then takes the day's write turn (no other day of tributary writes meanwhile), COPYs those
/// rows in key order straight into public.user_events — about the cost of a bare COPY — and
/// stages the others for the merge. Keys dated the day that exist already (another day's
/// payload held them) are read first and merged instead; a key that exists dated otherwise
/// (a row that moved) fails that COPY with a unique violation: it rolls back to a
/// savepoint, and the whole day is staged and merged as without a DirectCopy.
class StagingConsumer final : public DayConsumer, private models::EventSink {
 public:
  /// `day` is the day requested, to count the events dated otherwise.
  StagingConsumer(pqxx::transaction_base& tx, date::sys_days day,
                  std::optional<std::string> unchanged_digest = std::nullopt,
                  StageTarget target = {}, std::optional<DirectCopy> direct = std::nullopt);
  ~StagingConsumer() override;

  void begin_attempt() override;
  void consume(std::string_view bytes) override;
  void finish() override;

  /// Counts of the last complete payload.
  const models::PayloadSummary& summary() const noexcept { return summary_; }
  /// Digest of the last complete payload's bytes.
  std::string digest() const { return digest_.hex(); }
  /// Valid events of the last payload whose event_date is not the day requested.
  std::uint64_t other_day_events() const noexcept { return other_day_; }
  /// With `unchanged_digest`: whether the last payload's digest was that one. Either way
  /// nothing was parsed or staged, and summary() is empty.
  bool unchanged() const noexcept { return unchanged_; }
  /// Ends what an attempt left in the staging table: its COPY still open (a body cut short
  /// whose final answer had no events), the rows it staged.
  void discard_staged();
  /// Whether the last payload was copied straight into user_events (see DirectCopy); then
  /// the staging table holds only the rows beside that copy.
  bool copied_direct() const noexcept { return copied_direct_; }
  /// Whether a direct copy was rolled back (a key of the day exists): the whole day is
  /// staged, and needs the merge.
  bool direct_rolled_back() const noexcept { return direct_rolled_back_; }
  /// The split of the last payload, when a DirectCopy was given.
  const DirectRows* direct_rows() const noexcept { return direct_rows_.get(); }

 private:
  void start_staging();
  void open_stage_stream();
  void truncate_stage();
  void finish_direct();
  void abandon_direct(bool quiet);
  void send_batch(std::string& rows);
  void on_event(models::UserEvent&& event, std::size_t position) override;
  void on_rejection(models::Rejection&& rejection) override;
  void flush();
  void close_stream();

  pqxx::transaction_base& tx_;
  date::sys_days day_;
  StageTarget target_;
  std::string row_end_;  ///< what ends each COPY row after raw_json: the stage id on Citus
  std::uint64_t other_day_ = 0;
  std::unique_ptr<pqxx::tablewriter> stream_;
  std::unique_ptr<models::PayloadParser> parser_;
  models::PayloadDigest digest_;
  models::PayloadSummary summary_;
  std::string buffer_;
  std::optional<std::string> unchanged_digest_;
  bool unchanged_ = false;
  bool staged_ = false;  ///< whether an attempt of this day has staged rows already
  std::optional<DirectCopy> direct_;
  std::unique_ptr<DirectRows> direct_rows_;  ///< set with direct_
  bool copied_direct_ = false;
  bool direct_rolled_back_ = false;
};

}  // namespace tributary::internal
