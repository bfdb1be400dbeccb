#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <pqxx/pqxx>
#include <pqxx/tablewriter>

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

/// SQL that creates the staging table on a connection (once per connection): the content
/// columns of user_events without constraints, plus position, reason and raw_json (set for
/// rejections, whose event columns are NULL).
std::string stage_table_ddl();

/// Streams a day's body into the staging table as it arrives: bytes → PayloadParser →
/// COPY rows (events and rejections alike) in large batches; digest of the bytes on the way.
/// A retried request truncates the table and starts over, so nothing counts twice.
///
/// Given the digest of the payload loaded before (`unchanged_digest`), the body is instead
/// spooled to an unlinked temporary file while its digest is computed, and parsed from there
/// in finish() only when the digest differs: an unchanged day costs its download, not a
/// parse and a COPY. Parsing in finish() keeps a body that is not JSON a transient failure of
/// the request (the client retries it), exactly as when streaming.
class StagingConsumer final : public DayConsumer, private models::EventSink {
 public:
  /// `day` is the day requested, to count the events dated otherwise.
  StagingConsumer(pqxx::transaction_base& tx, date::sys_days day,
                  std::optional<std::string> unchanged_digest = std::nullopt,
                  StageTarget target = {});
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
  /// Whether the last payload's digest was `unchanged_digest`: then nothing was parsed or
  /// staged, and summary() is empty.
  bool unchanged() const noexcept { return unchanged_; }

 private:
  void start_staging();
  void parse_spool();
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
  std::FILE* spool_ = nullptr;  ///< the body of the current attempt, when spooling
  bool unchanged_ = false;
  bool staged_ = false;  ///< whether an attempt of this day has staged rows already
};

}  // namespace tributary::internal
