#include "json_scalar.hpp"

#include <utility>

namespace tributary::models::internal {

IntegerValue Scalar::to_integer() const noexcept {
  switch (type) {
    case Type::kInteger:
      return {IntegerValue::Status::kOk, integer};
    case Type::kUnsigned:
      return integer_from_unsigned(unsigned_integer);
    case Type::kFloat:
      return integer_from_float(*token);
    case Type::kString:
      return integer_from_text(*text);
    case Type::kNull:
    case Type::kBoolean:
      break;
  }
  return {IntegerValue::Status::kNotAnInteger, 0};
}

nlohmann::ordered_json Scalar::to_json() const {
  switch (type) {
    case Type::kBoolean:
      return boolean;
    case Type::kInteger:
      return integer;
    case Type::kUnsigned:
      return unsigned_integer;
    case Type::kFloat:
      return floating;
    case Type::kString:
      return std::move(*text);
    case Type::kNull:
      break;
  }
  return nullptr;
}

namespace {

// What nlohmann wrote itself in a parse error message: the rest, from `; last read: '`,
// quotes the input, which may hold any text.
std::string_view own_words(std::string_view what) noexcept {
  return what.substr(0, what.find("; last read: "));
}

// The code unit of the `\uXXXX` escape at `at`, or -1 when there is none.
int escaped_unit(std::string_view text, std::size_t at) noexcept {
  if (at + 6 > text.size() || text[at] != '\\' || text[at + 1] != 'u') return -1;
  int unit = 0;
  for (std::size_t i = at + 2; i < at + 6; ++i) {
    const char c = text[i];
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return -1;
    unit = unit * 16 + digit;
  }
  return unit;
}

}  // namespace

bool is_lone_surrogate_error(int id, std::string_view what) noexcept {
  constexpr int kSyntaxError = 101;
  return id == kSyntaxError &&
         own_words(what).find("- invalid string: surrogate U+") != std::string_view::npos;
}

bool is_object_key_error(std::string_view what) noexcept {
  return own_words(what).find("while parsing object key -") != std::string_view::npos;
}

std::size_t lone_surrogate_escape(std::string_view token) noexcept {
  for (std::size_t i = 1; i < token.size(); ++i) {
    if (token[i] == '"') break;  // the end of the string
    if (token[i] != '\\') continue;
    const int unit = escaped_unit(token, i);
    if (unit < 0) {
      ++i;  // another escape: skip the escaped character
      continue;
    }
    if (unit >= 0xDC00 && unit <= 0xDFFF) return i;
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      const int low = escaped_unit(token, i + 6);
      if (low < 0xDC00 || low > 0xDFFF) return i;
      i += 6;  // the pair's low half
    }
    i += 5;
  }
  return std::string_view::npos;
}

std::string short_parse_message(std::string_view what) {
  // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
  if (!what.empty() && what.front() == '[') {
    const std::size_t end = what.find("] ");
    if (end != std::string_view::npos) what.remove_prefix(end + 2);
  }
  if (what.substr(0, 15) == "parse error at ") {
    const std::size_t colon = what.find(": ");
    if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  }
  constexpr std::size_t kMaxLength = 160;
  constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : what) {
    if (out.size() >= kMaxLength) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7F) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0F];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tributary::models::internal
