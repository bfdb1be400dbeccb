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
      return integer_from_float(floating, *token);
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
