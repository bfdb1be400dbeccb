#include "load/direct_rows.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/text.hpp"
#include "tributary/error.hpp"
#include "tributary/models/copy_row.hpp"

namespace tributary::internal {
namespace {

// Rows are handed on in batches of about this many bytes.
constexpr std::size_t kBatchBytes = 1 << 20;
// Direct rows are sorted in runs of this many bytes (~55,000 demo events): memory stays
// bounded whatever the day's size, and each run still reaches the index in key order, which
// the primary key's index takes up to twice as fast as the payload's order.
constexpr std::size_t kRunBytes = 16 << 20;
// Staged rows wait in memory up to this many bytes, then in a temporary file.
constexpr std::size_t kStagedBytes = 1 << 20;

std::uint64_t prefix_of(std::string_view id) {
  unsigned char bytes[8] = {};
  std::memcpy(bytes, id.data(), std::min<std::size_t>(id.size(), 8));
  std::uint64_t prefix = 0;
  for (const unsigned char b : bytes) prefix = (prefix << 8) | b;
  return prefix;
}

std::FILE* reset_file(std::FILE* file) {
  // tmpfile(): created in TMPDIR and already unlinked, so nothing is left behind whatever
  // happens to the process.
  if (file == nullptr) file = std::tmpfile();
  if (file == nullptr || ::ftruncate(::fileno(file), 0) != 0) {
    throw Error("cannot create a temporary file for the day's rows (is TMPDIR writable?): " +
                std::string(std::strerror(errno)));
  }
  std::rewind(file);
  return file;
}

void write_all(std::FILE* file, std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), file) != bytes.size()) {
    throw Error("cannot write the day's rows to a temporary file (is TMPDIR full?): " +
                std::string(std::strerror(errno)));
  }
}

// The bytes of a direct tuple before its device_id: the field count, the field's length.
constexpr std::size_t kIdStart = 2 + 4;
// Fields of the tuples: user_events' content columns and run_id; the staging table's content
// columns, position, reason, raw_json and direct_key.
constexpr auto kDirectFields = static_cast<std::uint16_t>(models::kUserEventColumns.size() + 1);
constexpr auto kStagedFields = static_cast<std::uint16_t>(models::kUserEventColumns.size() + 4);

void flush_for_reading(std::FILE* file) {
  if (std::fflush(file) != 0) {
    throw Error("cannot write the day's rows to a temporary file (is TMPDIR full?): " +
                std::string(std::strerror(errno)));
  }
  std::rewind(file);
}

void check_read(std::FILE* file) {
  if (std::ferror(file) != 0) {
    throw Error("cannot read the day's rows back from a temporary file: " +
                std::string(std::strerror(errno)));
  }
}

// Calls `tuple` with each of the `count` tuples written to `file`, from the start; the i-th
// is `length(i)` bytes long.
template <typename Length, typename Tuple>
void for_each_tuple(std::FILE* file, std::size_t count, Length&& length, Tuple&& tuple) {
  flush_for_reading(file);
  std::string buffer;
  std::size_t at = 0;  // the next tuple's first byte in buffer
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t size = length(i);
    if (buffer.size() - at < size) {
      buffer.erase(0, at);
      at = 0;
      while (buffer.size() < size) {
        const std::size_t had = buffer.size();
        buffer.resize(had + kBatchBytes);
        const std::size_t n = std::fread(buffer.data() + had, 1, kBatchBytes, file);
        buffer.resize(had + n);
        if (n == 0) {
          check_read(file);
          throw Error("the day's rows in their temporary file end early");
        }
      }
    }
    tuple(std::string_view(buffer).substr(at, size));
    at += size;
  }
}

// Calls `row` with each line of `file` (its newline included), from the start.
template <typename Row>
void for_each_line(std::FILE* file, Row&& row) {
  flush_for_reading(file);
  std::string chunk(kBatchBytes, '\0');
  std::string carry;
  for (;;) {
    const std::size_t n = std::fread(chunk.data(), 1, chunk.size(), file);
    std::string_view data(chunk.data(), n);
    if (!carry.empty()) {
      const auto end = data.find('\n');
      if (end == std::string_view::npos) {
        carry.append(data);
        data = {};
      } else {
        carry.append(data.substr(0, end + 1));
        row(std::string_view(carry));
        carry.clear();
        data.remove_prefix(end + 1);
      }
    }
    for (auto end = data.find('\n'); end != std::string_view::npos; end = data.find('\n')) {
      row(data.substr(0, end + 1));
      data.remove_prefix(end + 1);
    }
    carry.append(data);
    if (n < chunk.size()) break;
  }
  check_read(file);
}

}  // namespace

void append_position(std::size_t position, std::string& out) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, position);
  out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_stage_row(const models::UserEvent& event, std::size_t position,
                      std::string_view row_end, std::string& out) {
  models::append_copy_fields(event, out);
  out.push_back('\t');
  append_position(position, out);
  out.append("\t\\N\t\\N");
  out.append(row_end);
}

const std::string& DirectRows::direct_columns() {
  static const std::string columns = join(models::kUserEventColumns, ", ") + ", run_id";
  return columns;
}

const std::string& DirectRows::staged_columns() {
  static const std::string columns =
      join(models::kUserEventColumns, ", ") + ", position, reason, raw_json, direct_key";
  return columns;
}

DirectRows::DirectRows(date::sys_days day, std::int64_t run_id, std::string stage_row_end)
    : day_(day), stage_row_end_(std::move(stage_row_end)) {
  models::append_binary_int8(run_id, run_field_);
}

DirectRows::~DirectRows() {
  if (runs_file_ != nullptr) std::fclose(runs_file_);
  if (staged_file_ != nullptr) std::fclose(staged_file_);
}

void DirectRows::reset() {
  keys_.clear();
  rows_.clear();
  entries_.clear();
  run_begin_ = 0;
  if (runs_file_ != nullptr) runs_file_ = reset_file(runs_file_);
  runs_in_file_ = 0;
  staged_.clear();
  if (staged_file_ != nullptr) staged_file_ = reset_file(staged_file_);
  staged_in_file_ = 0;
  staged_events_ = staged_direct_keys_ = demoted_ = 0;
}

bool DirectRows::demote(std::string_view device_id, std::int64_t event_time) {
  const auto key = keys_.find(device_id, event_time);
  if (!key || keys_.route_at(*key) != KeySet::Route::Direct) return false;
  keys_.set_route(*key, KeySet::Route::Staged);
  ++demoted_;
  ++staged_events_;
  return true;
}

void DirectRows::add_event(const models::UserEvent& event, std::size_t position) {
  const bool dated_day = event.event_date == day_;
  const auto [route, added, key] =
      keys_.find_or_add(event.device_id, event.event_time,
                        dated_day ? KeySet::Route::Direct : KeySet::Route::Staged);
  if (added && route == KeySet::Route::Direct) {
    if (rows_.capacity() < kRunBytes) rows_.reserve(kRunBytes + (64 << 10));
    const std::size_t start = rows_.size();
    models::append_binary_field_count(kDirectFields, rows_);
    models::append_copy_binary_fields(event, rows_);
    rows_.append(run_field_);
    entries_.push_back({start, prefix_of(event.device_id), event.event_time, position, key,
                        static_cast<std::uint32_t>(rows_.size() - start),
                        static_cast<std::uint32_t>(event.device_id.size())});
    if (rows_.size() >= kRunBytes) spill_run();
    return;
  }
  // A later row of a key copied directly is flagged direct_key: its key is counted already.
  const bool direct_key = route == KeySet::Route::Direct;
  append_stage_row(event, position, direct_key ? "\tt\n" : stage_row_end_, staged_);
  ++staged_events_;
  if (direct_key) ++staged_direct_keys_;
  if (staged_.size() >= kStagedBytes) spill_staged();
}

void DirectRows::add_staged_row(std::string_view row) {
  staged_.append(row);
  if (staged_.size() >= kStagedBytes) spill_staged();
}

void DirectRows::finish() {
  // Once a run went to the file, the last one follows it there: one order to read back.
  if (runs_in_file_ > 0) {
    spill_run();
    rows_ = std::string();
  } else {
    sort_run();
  }
}

void DirectRows::sort_run() {
  const char* rows = rows_.data();
  std::sort(entries_.begin() + static_cast<std::ptrdiff_t>(run_begin_), entries_.end(),
            [rows](const Entry& a, const Entry& b) {
              if (a.prefix != b.prefix) return a.prefix < b.prefix;
              const int c = std::string_view(rows + a.offset + kIdStart, a.id_length)
                                .compare(std::string_view(rows + b.offset + kIdStart, b.id_length));
              return c != 0 ? c < 0 : a.event_time < b.event_time;
            });
}

void DirectRows::spill_run() {
  sort_run();
  if (runs_file_ == nullptr) runs_file_ = reset_file(nullptr);
  std::string run;
  run.reserve(kBatchBytes + (64 << 10));
  for (auto it = entries_.begin() + static_cast<std::ptrdiff_t>(run_begin_);
       it != entries_.end(); ++it) {
    run.append(rows_, it->offset, it->length);
    if (run.size() >= kBatchBytes) {
      write_all(runs_file_, run);
      run.clear();
    }
  }
  write_all(runs_file_, run);
  ++runs_in_file_;
  rows_.clear();
  run_begin_ = entries_.size();
}

void DirectRows::spill_staged() {
  if (staged_file_ == nullptr) staged_file_ = reset_file(nullptr);
  write_all(staged_file_, staged_);
  staged_in_file_ += staged_.size();
  staged_.clear();
}

void DirectRows::send(Rows which, const std::function<void(std::string&)>& batch) {
  std::string out;
  out.reserve(kBatchBytes + (64 << 10));
  std::size_t i = 0;
  const auto take = [&](std::string_view row) {
    const Entry& entry = entries_[i++];
    const bool demoted = demoted_ > 0 && keys_.route_at(entry.key) == KeySet::Route::Staged;
    if (demoted != (which == Rows::DemotedAsStaged)) return;
    if (which == Rows::Direct) {
      out.append(row);
    } else {
      // The same content fields; then the staging table's own in place of run_id.
      models::append_binary_field_count(kStagedFields, out);
      out.append(row.substr(2, row.size() - 2 - run_field_.size()));
      models::append_binary_int4(static_cast<std::int32_t>(entry.position), out);
      models::append_binary_null(out);
      models::append_binary_null(out);
      models::append_binary_bool(false, out);
    }
    if (out.size() >= kBatchBytes) batch(out);
  };
  if (which == Rows::DemotedAsStaged && demoted_ == 0) return;
  if (runs_in_file_ > 0) {
    for_each_tuple(
        runs_file_, entries_.size(), [&](std::size_t k) { return entries_[k].length; }, take);
  } else {
    for (const Entry& entry : entries_) {
      take(std::string_view(rows_).substr(entry.offset, entry.length));
    }
  }
  if (!out.empty()) batch(out);
}

void DirectRows::send_staged(const std::function<void(std::string&)>& batch) {
  std::string out;
  if (staged_in_file_ > 0) {
    for_each_line(staged_file_, [&](std::string_view row) {
      out.append(row);
      if (out.size() >= kBatchBytes) batch(out);
    });
  }
  out.append(staged_);
  if (!out.empty()) batch(out);
}

}  // namespace tributary::internal
