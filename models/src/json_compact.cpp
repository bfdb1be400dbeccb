#include "json_compact.hpp"

#include <charconv>

#include "event_fields.hpp"

namespace tributary::models::internal {
namespace {

namespace dom = simdjson::dom;
using Type = dom::element_type;

template <typename Integer>
void append_integer(std::string& out, Integer value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

bool append_compact_json(std::string& out, dom::element value, std::size_t level,
                         std::size_t max_depth, const CompactLimits& limits) {
  switch (value.type()) {
    case Type::OBJECT: {
      if (level > max_depth || level > limits.max_depth) return false;
      const dom::object object = value.get_object().value_unsafe();
      if (object.size() > limits.max_members) return false;
      out += '{';
      for (auto it = object.begin(); it != object.end(); ++it) {
        const std::string_view key = it.key();
        if (contains_nul(key)) return false;
        for (auto earlier = object.begin(); earlier != it; ++earlier) {
          if (earlier.key() == key) return false;
        }
        if (it != object.begin()) out += ',';
        append_json_string(out, key);
        out += ':';
        if (!append_compact_json(out, it.value(), level + 1, max_depth, limits)) return false;
      }
      out += '}';
      return true;
    }
    case Type::ARRAY: {
      if (level > max_depth || level > limits.max_depth) return false;
      const dom::array array = value.get_array().value_unsafe();
      out += '[';
      bool first = true;
      for (const dom::element child : array) {
        if (!first) out += ',';
        first = false;
        if (!append_compact_json(out, child, level + 1, max_depth, limits)) return false;
      }
      out += ']';
      return true;
    }
    case Type::STRING: {
      const std::string_view text = value.get_string().value_unsafe();
      if (contains_nul(text)) return false;
      append_json_string(out, text);
      return true;
    }
    case Type::INT64:
      append_integer(out, value.get_int64().value_unsafe());
      return true;
    case Type::UINT64:
      append_integer(out, value.get_uint64().value_unsafe());
      return true;
    case Type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      return true;
    case Type::NULL_VALUE:
      out += "null";
      return true;
    case Type::DOUBLE:
      break;
  }
  return false;
}

}  // namespace tributary::models::internal
