#include "tributary/logging.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <vector>

#include <date/date.h>
#include <spdlog/formatter.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace tributary {
namespace {

constexpr const char* kTextPattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";

std::atomic<LogFormat> g_format{LogFormat::Text};

// The fields of the LogContexts alive on this thread, outermost first.
thread_local std::vector<LogField> t_fields;

// One json line: time, level, message, then this thread's context fields. Messages come from
// servers too (an error body, a reason): invalid UTF-8 is replaced, never passed on.
std::string json_line(std::chrono::system_clock::time_point time, std::string_view level,
                      std::string_view message) {
  nlohmann::ordered_json line;
  line["time"] = date::format("%FT%TZ", date::floor<std::chrono::milliseconds>(time));
  line["level"] = level;
  line["message"] = message;
  for (const auto& field : t_fields) {
    std::visit([&](const auto& value) { line[field.key] = value; }, field.value);
  }
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const auto text = json_line(msg.time, std::string_view(level.data(), level.size()),
                                std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// The status line (the progress bar) at the bottom of stderr: whether one is open and its
// text. Log lines take this mutex too (StatusLineSink), so they never interleave with it.
std::mutex g_status_mutex;
bool g_status_open = false;
std::string g_status_text;

// Must hold g_status_mutex.
void write_status_line_locked() {
  std::fputc('\r', stderr);
  std::fwrite(g_status_text.data(), 1, g_status_text.size(), stderr);
  std::fputs("\x1b[K", stderr);  // what a longer line before left behind
}

// Around the stderr sink: while a status line is open, a log line clears it (`\r`, erase
// the line), is written with its newline, and the status line is drawn again after it.
class StatusLineSink final : public spdlog::sinks::sink {
 public:
  explicit StatusLineSink(std::shared_ptr<spdlog::sinks::sink> inner) : inner_(std::move(inner)) {}

  void log(const spdlog::details::log_msg& msg) override {
    std::lock_guard lock(g_status_mutex);
    if (g_status_open) {
      std::fputs("\r\x1b[2K", stderr);
      std::fflush(stderr);
    }
    inner_->log(msg);  // flushes stderr
    if (g_status_open) {
      write_status_line_locked();
      std::fflush(stderr);
    }
  }
  void flush() override {
    std::lock_guard lock(g_status_mutex);
    inner_->flush();
  }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
};

}  // namespace

const char* to_string(LogFormat format) { return format == LogFormat::Json ? "json" : "text"; }

void configure_logging(const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>(
      "tributary", std::make_shared<StatusLineSink>(
                       std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));
  spdlog::initialize_logger(logger);  // registered, as stderr_color_mt("tributary") would
  logger->set_pattern(kTextPattern);
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

void set_log_format(LogFormat format) {
  g_format = format;
  // The formatter runs on the logging thread (the logger is synchronous), so it sees that
  // thread's LogContext fields.
  if (format == LogFormat::Json) {
    spdlog::default_logger()->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    spdlog::default_logger()->set_pattern(kTextPattern);
  }
}

LogFormat log_format() { return g_format; }

LogContext::LogContext(std::initializer_list<LogField> fields) : added_(fields.size()) {
  t_fields.insert(t_fields.end(), fields.begin(), fields.end());
}

LogContext::~LogContext() { t_fields.resize(t_fields.size() - added_); }

void draw_status_line(std::string_view text, bool keep_open) {
  std::lock_guard lock(g_status_mutex);
  g_status_text = text;
  write_status_line_locked();
  if (!keep_open) std::fputc('\n', stderr);
  g_status_open = keep_open;
  std::fflush(stderr);
}

void end_status_line() {
  std::lock_guard lock(g_status_mutex);
  if (!g_status_open) return;
  std::fputc('\n', stderr);
  std::fflush(stderr);
  g_status_open = false;
}

void log_error_line(std::string_view message) {
  end_status_line();
  if (g_format == LogFormat::Json) {
    std::cerr << json_line(std::chrono::system_clock::now(), "error", message) << std::flush;
  } else {
    std::cerr << "error: " << message << '\n';
  }
}

}  // namespace tributary
