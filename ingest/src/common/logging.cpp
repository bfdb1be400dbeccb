#include "tributary/logging.hpp"

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <vector>

#include <date/date.h>
#include <spdlog/formatter.h>
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

}  // namespace

const char* to_string(LogFormat format) { return format == LogFormat::Json ? "json" : "text"; }

void configure_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("tributary");
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

void log_error_line(std::string_view message) {
  if (g_format == LogFormat::Json) {
    std::cerr << json_line(std::chrono::system_clock::now(), "error", message) << std::flush;
  } else {
    std::cerr << "error: " << message << '\n';
  }
}

}  // namespace tributary
