#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "load/key_set.hpp"
#include "tributary/models/user_event.hpp"

namespace tributary::internal {

/// The rows of one day's payload, split for a direct copy (load/staging.hpp): each key's
/// first row dated the day, to be COPYed straight into public.user_events in key order, in
/// the binary COPY format (models/copy_row.hpp); every other row (later rows of a key, rows
/// dated another day, rejections) to be staged for the merge, in the text format. Pure: no
/// database; memory stays bounded (sorted runs and staged rows go to unlinked temporary
/// files past a few MB).
class DirectRows {
 public:
  /// `run_id` ends each direct row (its run_id column); `stage_row_end` ends each staged
  /// text row not flagged direct_key (`\tf\n`: the staging table's last column).
  DirectRows(date::sys_days day, std::int64_t run_id, std::string stage_row_end);
  ~DirectRows();
  DirectRows(const DirectRows&) = delete;
  DirectRows& operator=(const DirectRows&) = delete;

  /// Forgets everything: a new attempt of the request.
  void reset();
  void add_event(const models::UserEvent& event, std::size_t position);
  /// A staged row already in COPY text (a rejection), newline included.
  void add_staged_row(std::string_view row);
  /// The payload ended: sorts the last run.
  void finish();

  /// A key found in user_events already, dated the day (another day's payload held it):
  /// if it was to be copied, its rows go to the merge instead. Returns whether it was.
  bool demote(std::string_view device_id, std::int64_t event_time);

  enum class Rows {
    Direct,           ///< the rows to copy, as tuples of direct_columns()
    DemotedAsStaged,  ///< the first rows of demoted keys, as tuples of staged_columns()
    DirectAsStaged,   ///< the rows to copy, as tuples of staged_columns() (the day staged whole)
  };
  /// Calls `batch` with those rows in key order as binary COPY tuples (no header or
  /// trailer), whole tuples of about 1 MB at a time (the callback empties the string).
  void send(Rows which, const std::function<void(std::string&)>& batch);
  /// Calls `batch` with the staged rows in COPY text format, whole lines of about 1 MB.
  void send_staged(const std::function<void(std::string&)>& batch);

  /// The columns of the tuples sent, comma-separated: user_events' content columns and
  /// run_id (Direct); the staging table's content columns, position, reason, raw_json and
  /// direct_key (the other two: reason and raw_json NULL, direct_key false).
  static const std::string& direct_columns();
  static const std::string& staged_columns();

  /// Rows to copy: one per key, each the first row of a new key.
  std::uint64_t direct_rows() const noexcept { return entries_.size() - demoted_; }
  std::uint64_t demoted() const noexcept { return demoted_; }
  /// Valid events staged, and how many of them are later rows of a direct key.
  std::uint64_t staged_events() const noexcept { return staged_events_; }
  std::uint64_t staged_direct_keys() const noexcept { return staged_direct_keys_; }
  bool has_staged_rows() const noexcept {
    return !staged_.empty() || staged_in_file_ > 0 || demoted_ > 0;
  }

 private:
  struct Entry {
    std::size_t offset;        ///< of the tuple in rows_ (while its run is in memory)
    std::uint64_t prefix;      ///< the device_id's first 8 bytes, big-endian: most compares
    std::int64_t event_time;
    std::size_t position;      ///< in the payload
    std::size_t key;           ///< its place in keys_
    std::uint32_t length;      ///< of the tuple
    std::uint32_t id_length;   ///< of its device_id (the tuple's first field)
  };
  void sort_run();
  void spill_run();
  void spill_staged();

  date::sys_days day_;
  std::string run_field_;       ///< the run_id field that ends each direct tuple
  std::string stage_row_end_;
  KeySet keys_;
  std::string rows_;             ///< the current run's direct tuples
  std::vector<Entry> entries_;   ///< every direct row, in the order they are sent
  std::size_t run_begin_ = 0;    ///< first entry of the current run
  std::FILE* runs_file_ = nullptr;
  std::size_t runs_in_file_ = 0;
  std::string staged_;
  std::FILE* staged_file_ = nullptr;
  std::size_t staged_in_file_ = 0;
  std::uint64_t staged_events_ = 0;
  std::uint64_t staged_direct_keys_ = 0;
  std::uint64_t demoted_ = 0;
};

/// Appends `event` as a row of the staging table: the content columns, then position, no
/// reason and raw_json, then `row_end` (its last columns and the newline).
void append_stage_row(const models::UserEvent& event, std::size_t position,
                      std::string_view row_end, std::string& out);

/// Appends the decimal `position`.
void append_position(std::size_t position, std::string& out);

}  // namespace tributary::internal
