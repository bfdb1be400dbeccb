#include "tributary/models/iso_time.hpp"

#include <chrono>
#include <cstddef>

namespace tributary::models {
namespace {

/// A read position in the text; every reader advances it only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  /// Reads exactly `count` decimal digits.
  bool digits(std::size_t count, int& out) {
    if (text_.size() - pos_ < count) return false;
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    out = value;
    return true;
  }

  bool eat(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  bool eat_digit(int& digit) {
    if (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      digit = text_[pos_++] - '0';
      return true;
    }
    return false;
  }

  bool done() const { return pos_ == text_.size(); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::optional<date::sys_days> read_date(Cursor& cursor) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (!cursor.digits(4, year) || !cursor.eat('-') || !cursor.digits(2, month) || !cursor.eat('-') ||
      !cursor.digits(2, day)) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{year}, date::month{static_cast<unsigned>(month)},
                                 date::day{static_cast<unsigned>(day)}};
  // Year 0 (1 BC) is valid ISO-8601 but not a Postgres date: refuse it here rather than let
  // it fail a whole day's COPY.
  if (!ymd.ok() || year < 1) return std::nullopt;
  return date::sys_days{ymd};
}

/// Reads `.fraction` (or `,fraction`) after the seconds, as microseconds.
bool read_fraction(Cursor& cursor, std::chrono::microseconds& out) {
  if (!cursor.eat('.') && !cursor.eat(',')) return true;
  long long micros = 0;
  int count = 0;
  int digit = 0;
  while (cursor.eat_digit(digit)) {
    if (count < 6) micros = micros * 10 + digit;
    ++count;
  }
  if (count == 0) return false;
  for (int i = count; i < 6; ++i) micros *= 10;
  out = std::chrono::microseconds{micros};
  return true;
}

/// Reads the optional `Z` / `±HH[[:]MM]` suffix as minutes east of UTC; must end the text.
bool read_offset(Cursor& cursor, std::chrono::minutes& out) {
  if (cursor.eat('Z') || cursor.eat('z')) return cursor.done();
  int sign = 0;
  if (cursor.eat('+')) {
    sign = 1;
  } else if (cursor.eat('-')) {
    sign = -1;
  } else {
    return cursor.done();
  }
  int hours = 0;
  int minutes = 0;
  if (!cursor.digits(2, hours)) return false;
  if (cursor.eat(':')) {
    if (!cursor.digits(2, minutes)) return false;
  } else if (!cursor.done() && !cursor.digits(2, minutes)) {
    return false;
  }
  if (hours > 23 || minutes > 59 || !cursor.done()) return false;
  out = std::chrono::minutes{sign * (hours * 60 + minutes)};
  return true;
}

}  // namespace

std::optional<date::sys_days> parse_iso_date(std::string_view text) {
  Cursor cursor(text);
  auto day = read_date(cursor);
  if (!day || !cursor.done()) return std::nullopt;
  return day;
}

std::optional<Timestamp> parse_iso8601(std::string_view text) {
  Cursor cursor(text);
  const auto day = read_date(cursor);
  if (!day) return std::nullopt;
  if (cursor.done()) return Timestamp{*day};
  if (!cursor.eat('T') && !cursor.eat('t') && !cursor.eat(' ')) return std::nullopt;

  int hours = 0;
  int minutes = 0;
  int seconds = 0;
  std::chrono::microseconds fraction{0};
  if (!cursor.digits(2, hours) || !cursor.eat(':') || !cursor.digits(2, minutes)) {
    return std::nullopt;
  }
  if (cursor.eat(':')) {
    if (!cursor.digits(2, seconds) || !read_fraction(cursor, fraction)) return std::nullopt;
  }
  if (hours > 23 || minutes > 59 || seconds > 59) return std::nullopt;

  std::chrono::minutes offset{0};
  if (!read_offset(cursor, offset)) return std::nullopt;

  const Timestamp instant = Timestamp{*day} + std::chrono::hours{hours} +
                            std::chrono::minutes{minutes} + std::chrono::seconds{seconds} +
                            fraction - offset;
  // An offset may carry 0001-01-01 into year 0 or 9999-12-31 into 10000: outside what
  // Postgres stores as a date.
  static const Timestamp kFirst{date::sys_days{date::year{1} / 1 / 1}};
  static const Timestamp kEnd{date::sys_days{date::year{10000} / 1 / 1}};
  if (instant < kFirst || instant >= kEnd) return std::nullopt;
  return instant;
}

}  // namespace tributary::models
