#include "tributary/models/payload_parser.hpp"

#include <cstring>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "byte_scan.hpp"
#include "event_reader.hpp"
#include "event_reader_simd.hpp"

namespace tributary::models {

// The scanner finds each top-level element's exact bytes without parsing them: it follows
// strings (and their escapes) and bracket depth only. The element's text is then validated
// by the same reader as parse_event() (the fast one, falling back to the reference). Its
// state survives between feed() calls, so bytes may be split anywhere, even inside a UTF-8
// sequence or an escape.
enum class PayloadParser::State : std::uint8_t {
  kBom,           // at the start: an optional UTF-8 byte-order mark
  kBeforeArray,   // whitespace, then `[`
  kBeforeFirst,   // after `[`: whitespace, then an element or `]`
  kBeforeNext,    // after `,`: whitespace, then an element
  kInElement,     // inside an element
  kAfterElement,  // after an element: whitespace, then `,` or `]`
  kAfterArray,    // after `]`: whitespace only
  kFailed,        // a PayloadError was thrown; the parser cannot go on
};

namespace {

using internal::find_string_stop;
using internal::find_structure_stop;
using internal::skip_blocks;

/// How much of an oversized element is kept as the rejection's raw_json.
constexpr std::size_t kRawPrefix = 64U << 10;

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline const char* skip_space(const char* p, const char* end) {
  while (p != end && is_space(*p)) ++p;
  return p;
}

std::string describe(char c) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  constexpr char kHex[] = "0123456789abcdef";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

std::string at_byte(std::uint64_t offset) { return " at byte " + std::to_string(offset); }

}  // namespace

PayloadError::PayloadError(Kind kind, std::uint64_t offset, const std::string& message)
    : Error(message), kind_(kind), offset_(offset) {}

PayloadParser::PayloadParser(EventSink& sink, PayloadLimits limits)
    : sink_(sink), limits_(limits) {}

void PayloadParser::feed(std::string_view bytes) {
  if (state_ == State::kFailed) {
    throw Error("PayloadParser::feed called after the payload failed; use a new parser");
  }
  static constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  chunk_ = p;
  segment_ = p;  // an element carried over from the previous feed continues here

  while (p != end) {
    switch (state_) {
      case State::kBom:
        if (static_cast<unsigned char>(*p) == kBom[bom_seen_]) {
          ++p;
          if (++bom_seen_ == sizeof kBom) state_ = State::kBeforeArray;
        } else if (bom_seen_ == 0) {
          state_ = State::kBeforeArray;
        } else {
          fail(PayloadError::Kind::NotAnArray, offset_of(p),
               "payload is not a JSON array: it starts with a broken UTF-8 byte-order mark");
        }
        break;
      case State::kBeforeArray:
        p = skip_space(p, end);
        if (p == end) break;
        if (*p != '[') {
          fail(PayloadError::Kind::NotAnArray, offset_of(p),
               "payload is not a JSON array: it starts with " + describe(*p) +
                   at_byte(offset_of(p)));
        }
        ++p;
        state_ = State::kBeforeFirst;
        break;
      case State::kBeforeFirst:
      case State::kBeforeNext:
        p = skip_space(p, end);
        if (p == end) break;
        if (*p == ']') {
          if (state_ == State::kBeforeNext) {
            fail(PayloadError::Kind::InvalidJson, offset_of(p),
                 "payload is not valid JSON: ',' before ']'" + at_byte(offset_of(p)));
          }
          ++p;
          state_ = State::kAfterArray;
          break;
        }
        if (*p == ',') {
          fail(PayloadError::Kind::InvalidJson, offset_of(p),
               "payload is not valid JSON: missing element before ','" + at_byte(offset_of(p)));
        }
        state_ = State::kInElement;
        segment_ = p;
        element_offset_ = offset_of(p);
        depth_ = 0;
        in_string_ = false;
        escaped_ = false;
        oversized_ = false;
        element_.clear();
        break;
      case State::kInElement:
        p = scan_element(p, end);
        break;
      case State::kAfterElement:
        p = skip_space(p, end);
        if (p == end) break;
        if (*p == ',') {
          state_ = State::kBeforeNext;
        } else if (*p == ']') {
          state_ = State::kAfterArray;
        } else {
          fail(PayloadError::Kind::InvalidJson, offset_of(p),
               "payload is not valid JSON: expected ',' or ']' after element " +
                   std::to_string(summary_.elements - 1) + " but found " + describe(*p) +
                   at_byte(offset_of(p)));
        }
        ++p;
        break;
      case State::kAfterArray:
        p = skip_space(p, end);
        if (p != end) {
          fail(PayloadError::Kind::InvalidJson, offset_of(p),
               "payload is not valid JSON: " + describe(*p) + " after the closing ']'" +
                   at_byte(offset_of(p)));
        }
        break;
      case State::kFailed:
        break;
    }
  }
  if (state_ == State::kInElement) append_element_bytes(segment_, end);
  summary_.bytes += bytes.size();
}

PayloadSummary PayloadParser::finish() {
  switch (state_) {
    case State::kAfterArray:
      return summary_;
    case State::kBom:
    case State::kBeforeArray:
      fail(PayloadError::Kind::NotAnArray, summary_.bytes,
           "payload is not a JSON array: empty body");
    case State::kFailed:
      throw Error("PayloadParser::finish called after the payload failed; use a new parser");
    default:
      fail(PayloadError::Kind::Truncated, summary_.bytes,
           "payload was cut short: it ended after " + std::to_string(summary_.bytes) +
               " bytes and " + std::to_string(summary_.elements) +
               " elements, before the closing ']' of the array");
  }
}

// Scans the current element from p; returns where it stopped (end, or just past the element).
const char* PayloadParser::scan_element(const char* p, const char* end) {
  const char* byte_wise_until = p;  // where skip_blocks() last declined a block, plus 64
  while (p != end) {
    if (depth_ > 0 && !escaped_ && p >= byte_wise_until) {
      p = skip_blocks(p, end, depth_, in_string_);
      byte_wise_until = end - p > 64 ? p + 64 : end;
      if (p == end) break;
    }
    if (in_string_) {
      if (escaped_) {
        escaped_ = false;
        ++p;
        continue;
      }
      p = find_string_stop(p, end);
      if (p == end) break;
      if (*p++ == '\\') {
        escaped_ = true;
        continue;
      }
      in_string_ = false;
      if (depth_ == 0) {
        end_element(p);
        return p;
      }
      continue;
    }
    if (depth_ > 0) {
      p = find_structure_stop(p, end);
      if (p == end) break;
      const char c = *p++;
      if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (--depth_ == 0) {
        end_element(p);
        return p;
      }
      continue;
    }
    // Depth 0 outside a string: the element's first byte, or inside a bare scalar.
    const char c = *p;
    if (c == '"') {
      in_string_ = true;
    } else if (c == '{' || c == '[') {
      depth_ = 1;
    } else if (c == ',' || c == ']' || is_space(c)) {
      end_element(p);
      return p;  // kAfterElement reads the separator
    } else if (c == '}') {
      fail(PayloadError::Kind::InvalidJson, offset_of(p),
           "payload is not valid JSON: unexpected '}'" + at_byte(offset_of(p)));
    }
    ++p;
  }
  return p;
}

void PayloadParser::end_element(const char* last) {
  state_ = State::kAfterElement;
  if (element_.empty() && !oversized_) {
    // The whole element is in this feed: validate it in place, without a copy.
    std::string_view text(segment_, static_cast<std::size_t>(last - segment_));
    if (text.size() > limits_.max_event_bytes) {
      oversized_ = true;
      text = text.substr(0, kRawPrefix);
    }
    take_element(text);
  } else {
    append_element_bytes(segment_, last);
    take_element(element_);
  }
}

// Keeps bytes of an element that spans feeds; past max_event_bytes only its first 64 KiB.
void PayloadParser::append_element_bytes(const char* first, const char* last) {
  const auto count = static_cast<std::size_t>(last - first);
  if (count == 0) return;
  if (!oversized_ && element_.size() + count > limits_.max_event_bytes) {
    oversized_ = true;
    if (element_.size() > kRawPrefix) element_.resize(kRawPrefix);
  }
  if (!oversized_) {
    element_.append(first, count);
  } else if (element_.size() < kRawPrefix) {
    element_.append(first, std::min(count, kRawPrefix - element_.size()));
  }
}

namespace {

// Length of the longest prefix of `text` that is UTF-8 Postgres can store in a text column:
// well-formed sequences (no overlong forms, surrogates or code points above U+10FFFF) and
// no NUL. A rejection's raw_json must be such text, or the whole day's COPY would fail.
std::size_t storable_prefix(std::string_view text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = b[i];
    if (c == 0) return i;
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (i + len > n || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (b[i + k] < 0x80 || b[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return n;
}

}  // namespace

void PayloadParser::take_element(std::string_view text) {
  const std::size_t position = summary_.elements++;
  if (oversized_) {
    // The kept prefix may end inside a UTF-8 sequence: cut back to the last whole one. A
    // NUL or broken sequence before that is not JSON at all.
    std::string_view prefix = text.substr(0, kRawPrefix);
    const std::size_t storable = storable_prefix(prefix);
    if (storable + 4 <= prefix.size()) {
      const std::uint64_t offset = element_offset_ + storable;
      fail(PayloadError::Kind::InvalidJson, offset,
           "payload is not valid JSON: element " + std::to_string(position) + at_byte(offset) +
               ": a NUL byte or invalid UTF-8");
    }
    Rejection rejection{position,
                        "event: larger than " + std::to_string(limits_.max_event_bytes) + " bytes",
                        std::string(prefix.substr(0, storable))};
    element_.clear();
    oversized_ = false;
    ++summary_.rejected;
    sink_.on_rejection(std::move(rejection));
    return;
  }
  // nlohmann skips a byte-order mark at the start of its input, which here is the start of
  // an element: `[<BOM>{...}]` is not JSON.
  if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    fail(PayloadError::Kind::InvalidJson, element_offset_,
         "payload is not valid JSON: element " + std::to_string(position) +
             at_byte(element_offset_) + ": a byte-order mark inside the array");
  }
  // nlohmann reads a raw NUL byte as the end of its input, so `{...}<NUL>junk` would pass
  // as an object; JSON never holds a raw NUL, so the body is not JSON.
  if (const void* nul = std::memchr(text.data(), 0, text.size()); nul != nullptr) {
    const std::uint64_t offset =
        element_offset_ + static_cast<std::uint64_t>(static_cast<const char*>(nul) - text.data());
    fail(PayloadError::Kind::InvalidJson, offset,
         "payload is not valid JSON: element " + std::to_string(position) + at_byte(offset) +
             ": a raw NUL byte");
  }
  UserEvent event;
  internal::ReadResult result = internal::read_event_default(text, limits_.max_depth, event);
  switch (result.status) {
    case internal::ReadStatus::kAccepted:
      element_.clear();
      ++summary_.accepted;
      sink_.on_event(std::move(event), position);
      return;
    case internal::ReadStatus::kRejected: {
      // The reader may stop early (a number beyond a double), leaving bytes it never
      // checked: raw bytes that are not storable text mean the body is not JSON.
      if (const std::size_t storable = storable_prefix(text); storable != text.size()) {
        const std::uint64_t offset = element_offset_ + storable;
        fail(PayloadError::Kind::InvalidJson, offset,
             "payload is not valid JSON: element " + std::to_string(position) + at_byte(offset) +
                 ": a NUL byte or invalid UTF-8");
      }
      Rejection rejection{position, std::move(result.message), std::string(text)};
      element_.clear();
      ++summary_.rejected;
      sink_.on_rejection(std::move(rejection));
      return;
    }
    case internal::ReadStatus::kInvalidJson:
      break;
  }
  const std::uint64_t offset = element_offset_ + result.offset;
  fail(PayloadError::Kind::InvalidJson, offset,
       "payload is not valid JSON: element " + std::to_string(position) + at_byte(offset) + ": " +
           result.message);
}

std::uint64_t PayloadParser::offset_of(const char* p) const noexcept {
  return summary_.bytes + static_cast<std::uint64_t>(p - chunk_);
}

void PayloadParser::fail(PayloadError::Kind kind, std::uint64_t offset,
                         const std::string& message) {
  state_ = State::kFailed;
  throw PayloadError(kind, offset, message);
}

PayloadSummary parse_payload(std::string_view body, EventSink& sink, PayloadLimits limits) {
  PayloadParser parser(sink, limits);
  parser.feed(body);
  return parser.finish();
}

}  // namespace tributary::models
