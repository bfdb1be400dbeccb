// The rest of an element after nlohmann stopped at valid JSON it cannot read: is it JSON?
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "event_reader.hpp"
#include "json_scalar.hpp"

namespace tributary::models::internal {
namespace {

using Json = nlohmann::json;

/// Accepts any JSON; remembers the first error.
class SyntaxCheck final : public nlohmann::json_sax<Json> {
 public:
  bool null() override { return true; }
  bool boolean(bool /*value*/) override { return true; }
  bool number_integer(number_integer_t /*value*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*value*/) override { return true; }
  bool number_float(number_float_t /*value*/, const string_t& /*token*/) override { return true; }
  bool string(string_t& /*value*/) override { return true; }
  bool binary(binary_t& /*value*/) override { return true; }
  bool start_object(std::size_t /*elements*/) override { return true; }
  bool start_array(std::size_t /*elements*/) override { return true; }
  bool end_object() override { return true; }
  bool end_array() override { return true; }
  bool key(string_t& /*key*/) override { return true; }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) override {
    error_id = error.id;
    error_position = position;
    error_token = token;
    error_message = error.what();
    return false;
  }

  int error_id = 0;
  std::size_t error_position = 0;
  std::string error_token;
  std::string error_message;
};

}  // namespace

std::optional<ReadResult> syntax_error_past_stops(std::string_view text) {
  std::string copy(text);
  // Each pass rewrites what nlohmann gave up on, keeping the text's structure, and reads on:
  // a number beyond a double (it ends where the error is reported) becomes `0`, a lone
  // surrogate escape (in the string token that ends there) becomes `\uFFFD`.
  for (;;) {
    SyntaxCheck check;
    if (Json::sax_parse(copy.data(), copy.data() + copy.size(), &check)) return std::nullopt;
    const std::size_t end = check.error_position;
    const std::size_t length = check.error_token.size();
    const bool located = length > 0 && end >= length && end <= copy.size() &&
                         copy.compare(end - length, length, check.error_token) == 0;
    if (check.error_id == kNumberOverflowError) {
      if (!located) return std::nullopt;  // cannot tell
      copy.replace(end - length, length, "0");
      continue;
    }
    if (located && is_lone_surrogate_error(check.error_id, check.error_message)) {
      const std::size_t escape = lone_surrogate_escape(check.error_token);
      if (check.error_token.front() == '"' && escape != std::string_view::npos) {
        copy.replace(end - length + escape, 6, "\\uFFFD");
        continue;
      }
    }
    ReadResult invalid;
    invalid.status = ReadStatus::kInvalidJson;
    invalid.message = short_parse_message(check.error_message);
    // Offsets past the first replacement are approximate (a replaced number is shorter).
    invalid.offset = std::min(check.error_position > 0 ? check.error_position - 1 : 0,
                              text.size() - (text.empty() ? 0 : 1));
    return invalid;
  }
}

}  // namespace tributary::models::internal
