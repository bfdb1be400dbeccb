#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace tributary {

/// How a log line is written: `text` (time, level, message) or `json` (one object a line).
enum class LogFormat {
  Text,  ///< `2024-01-05T03:00:00.123 warning message`, local time
  Json,  ///< `{"time":"…Z","level":"warning","message":"…","day":"…","run_id":7,"attempt":2}`
};

/// `text` or `json`.
const char* to_string(LogFormat format);

/// Sends tributary's log lines to stderr at `level` (trace, debug, info, warn, error, off),
/// one line each with time and level, so stdout stays free for results.
void configure_logging(const std::string& level);

/// Switches the lines to `format` from now on (configure_logging starts with text).
void set_log_format(LogFormat format);

/// The format in use: a progress bar is drawn only with text.
LogFormat log_format();

/// One structured field of a log line: `day`, `run_id`, `attempt`, …
struct LogField {
  std::string key;
  std::variant<std::string, std::int64_t> value;
};

/// Adds fields to every line this thread logs while the object lives (spdlog has no
/// per-thread context of its own). Nested contexts add to the outer ones, the inner value
/// winning for a key both set. Only the json format writes them: the text lines already
/// name the day in their message. Values must hold no secret.
class LogContext {
 public:
  LogContext(std::initializer_list<LogField> fields);
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;

 private:
  std::size_t added_;
};

/// A status line (the progress bar) kept at the bottom of stderr on a terminal and redrawn
/// in place. While one is open, every log line first clears it, is written on a line of its
/// own, and the status line is drawn again below it; one mutex orders the bar and the log
/// lines of every thread, so a line never lands on the end of the bar. Draws `text` over
/// the status line (`\r`, the text, erase to the end of the line); `keep_open` false ends it
/// with a newline, leaving the text on screen. The caller draws only when stderr is a
/// terminal and the format is text.
void draw_status_line(std::string_view text, bool keep_open);

/// Ends an open status line with a newline, so that what is written next starts on a line
/// of its own. Nothing when none is open.
void end_status_line();

/// Prints a command's closing error on stderr: `error: MESSAGE` with text, one object of
/// level `error` with json.
void log_error_line(std::string_view message);

}  // namespace tributary
