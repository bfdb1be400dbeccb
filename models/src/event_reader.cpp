#include "event_reader.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

#include "event_fields.hpp"
#include "json_capture.hpp"
#include "json_scalar.hpp"
#include "tributary/models/iso_time.hpp"

namespace tributary::models::internal {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;
using ObjectT = OrderedJson::object_t;
using Type = Scalar::Type;

constexpr std::string_view kDataKey = "data";
constexpr std::string_view kUserPropertiesKey = "user_properties";

/// Builds one UserEvent from SAX events, tracking where it is in the event. Named fields are
/// stored as they arrive; only subtrees that must stay JSON (`data.group_*`, unknown keys)
/// become a small DOM, and only up to the depth limit. After the first violation it keeps
/// reading (so text that is not JSON is still told apart) but builds nothing.
class EventReader final : public nlohmann::json_sax<Json> {
 public:
  EventReader(UserEvent& event, std::size_t max_depth) : event_(event), max_depth_(max_depth) {}

  bool null() override { return on_scalar(Scalar{}); }
  bool boolean(bool value) override { return on_scalar(Scalar::of_boolean(value)); }
  bool number_integer(number_integer_t value) override {
    return on_scalar(Scalar::of_integer(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return on_scalar(Scalar::of_unsigned(value));
  }
  bool number_float(number_float_t value, const string_t& token) override {
    return on_scalar(Scalar::of_float(value, token));
  }
  bool string(string_t& value) override { return on_scalar(Scalar::of_string(value)); }
  bool binary(binary_t& /*value*/) override { return true; }  // JSON text has none
  bool start_object(std::size_t /*elements*/) override { return on_open(false); }
  bool start_array(std::size_t /*elements*/) override { return on_open(true); }
  bool end_object() override { return on_close(); }
  bool end_array() override { return on_close(); }
  bool key(string_t& key) override;
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& error) override;

  /// True when nlohmann stopped at valid JSON it cannot read (a number too large for a
  /// double, a lone surrogate escape): the text after it was never read.
  bool stopped_early() const noexcept { return stopped_early_; }

  ReadResult result() {
    ReadResult out;
    if (invalid_json_) {
      out.status = ReadStatus::kInvalidJson;
      out.message = std::move(parse_message_);
      out.offset = parse_offset_;
    } else if (!reason_.empty()) {
      out.status = ReadStatus::kRejected;
      out.message = std::move(reason_);
    }
    return out;
  }

 private:
  enum class Mode : std::uint8_t { kFields, kCapture, kSkip };

  bool on_scalar(const Scalar& value);
  bool on_open(bool is_array);
  bool on_close();
  bool assign(const Scalar& value);
  void finish();

  bool reject(std::string_view path, std::string_view rule) {
    if (reason_.empty()) {
      reason_.reserve(path.size() + rule.size() + 2);
      reason_.append(path).append(": ").append(rule);
    }
    mode_ = Mode::kSkip;
    return true;  // keep reading: text that is not JSON must still be told apart
  }
  bool reject_type() { return reject(field_path(), wrong_type_rule(kind())); }
  void reject_lone_surrogate(bool in_key);

  Kind kind() const { return field_ == Field::kUnknown ? Kind::kUnknown : field_spec(field_).kind; }

  bool seen(Field field) const { return (seen_ >> static_cast<unsigned>(field)) & 1U; }
  std::string field_path() const {
    if (field_ != Field::kUnknown) return std::string(field_spec(field_).path);
    std::string path(scope_prefix(scope_));
    path += path_key(unknown_key_);
    return path;
  }

  void end_capture();
  ObjectT& extras_scope();
  const ObjectT* find_extras_scope() const;

  UserEvent& event_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;  // open objects/arrays; the event itself is depth 1
  Mode mode_ = Mode::kFields;
  Scope scope_ = Scope::kRoot;     // the named object being read (kFields and kCapture)
  Field field_ = Field::kUnknown;  // the field whose value comes next
  std::uint32_t seen_ = 0;         // one bit per Field, set when its key is read
  std::string unknown_key_;        // the key when field_ is kUnknown
  OrderedJson extras_;             // unknown keys, with the event's nesting
  JsonCapture capture_;            // the subtree of field_ being kept as JSON (kCapture)
  std::string reason_;
  bool invalid_json_ = false;
  bool stopped_early_ = false;
  std::string parse_message_;
  std::size_t parse_offset_ = 0;
};

bool EventReader::on_scalar(const Scalar& value) {
  if (mode_ == Mode::kSkip) return true;
  if (depth_ == 0) return reject("event", rule::kNotAnObject);
  if (value.type == Type::kString && contains_nul(*value.text)) {
    return reject(mode_ == Mode::kCapture ? capture_.value_path(field_path()) : field_path(),
                  rule::kContainsNul);
  }
  if (mode_ == Mode::kCapture) {
    capture_.add(value.to_json());
    return true;
  }
  return assign(value);
}

bool EventReader::on_open(bool is_array) {
  if (mode_ == Mode::kSkip) return true;
  if (depth_ == 0 && is_array) return reject("event", rule::kNotAnObject);
  if (++depth_ > max_depth_) {
    return reject("event", "nested deeper than " + std::to_string(max_depth_) + " levels");
  }
  if (depth_ == 1) return true;  // the event itself
  if (mode_ == Mode::kCapture) {
    capture_.open(is_array);
    return true;
  }
  const Kind kind = this->kind();
  if (kind == Kind::kUnknown || (kind == Kind::kGroup && !is_array)) {
    mode_ = Mode::kCapture;
    capture_.begin(is_array);
    return true;
  }
  if (kind == Kind::kObject && !is_array) {
    scope_ = field_ == Field::kData ? Scope::kData : Scope::kUserProperties;
    return true;
  }
  return reject_type();
}

bool EventReader::on_close() {
  if (mode_ == Mode::kSkip) return true;
  --depth_;
  if (mode_ == Mode::kCapture) {
    if (capture_.close()) end_capture();
  } else if (depth_ == 0) {
    finish();
  } else {
    scope_ = Scope::kRoot;  // `data` or `user_properties` ended
  }
  return true;
}

bool EventReader::key(string_t& key) {
  if (mode_ == Mode::kSkip) return true;
  if (mode_ == Mode::kCapture) {
    const std::string_view broken = capture_.check_key(key);
    if (!broken.empty()) {
      return reject(capture_.container_path(field_path()) + '.' + path_key(key), broken);
    }
    capture_.set_key(key);
    return true;
  }
  field_ = lookup_field(scope_, key);
  if (field_ != Field::kUnknown) {
    if (seen(field_)) return reject(field_spec(field_).path, rule::kDuplicateKey);
    seen_ |= 1U << static_cast<unsigned>(field_);
    return true;
  }
  unknown_key_.swap(key);
  if (contains_nul(unknown_key_)) return reject(field_path(), rule::kContainsNul);
  const ObjectT* extras = find_extras_scope();
  if (extras != nullptr && extras->find(unknown_key_) != extras->end()) {
    return reject(field_path(), rule::kDuplicateKey);
  }
  return true;
}

bool EventReader::assign(const Scalar& value) {
  if (field_ == Field::kUnknown) {
    extras_scope().emplace(unknown_key_, value.to_json());
    return true;
  }
  const Kind kind = this->kind();
  switch (kind) {
    case Kind::kRequiredString: {
      if (value.type != Type::kString) return reject_type();
      if (field_ == Field::kDeviceId) {
        if (value.text->empty()) return reject(field_path(), rule::kEmpty);
        if (value.text->size() > 36 && count_code_points(*value.text) > 36) {
          return reject(field_path(), rule::kLongerThan36);
        }
      }
      // Copied, not moved: the lexer builds each string char by char in one buffer, and
      // keeping that buffer's capacity measured ~10% faster than stealing it.
      string_slot(event_, field_)->assign(*value.text);
      return true;
    }
    case Kind::kOptionalString:
    case Kind::kNullWordString:
    case Kind::kLowerCaseString: {
      std::optional<std::string>& slot = *optional_string_slot(event_, field_);
      if (value.type == Type::kNull) return true;  // stays nullopt
      if (value.type != Type::kString) return reject_type();
      if (kind == Kind::kNullWordString && is_null_word(*value.text)) return true;
      slot.emplace(*value.text);
      if (kind == Kind::kLowerCaseString) lower_ascii(*slot);
      return true;
    }
    case Kind::kRequiredInteger:
    case Kind::kOptionalInteger: {
      if (value.type == Type::kNull && kind == Kind::kOptionalInteger) return true;
      const IntegerValue number = value.to_integer();
      if (number.status == IntegerValue::Status::kOutOfRange) {
        return reject(field_path(), rule::kOutOfRange);
      }
      if (number.status != IntegerValue::Status::kOk) return reject_type();
      if (kind == Kind::kRequiredInteger) {
        *integer_slot(event_, field_) = number.value;
      } else {
        event_.user_properties.user_corporate_id = number.value;
      }
      return true;
    }
    case Kind::kOptionalBoolean: {
      std::optional<bool>& slot = *boolean_slot(event_, field_);
      if (value.type == Type::kNull) return true;
      if (value.type == Type::kBoolean) {
        slot = value.boolean;
        return true;
      }
      if (value.type == Type::kString) {
        if (const std::optional<bool> word = boolean_from_text(*value.text)) {
          slot = word;
          return true;
        }
      }
      return reject_type();
    }
    case Kind::kRequiredDate:
    case Kind::kOptionalDate: {
      if (value.type == Type::kNull && kind == Kind::kOptionalDate) return true;
      if (value.type != Type::kString) return reject_type();
      const std::optional<Timestamp> instant = parse_iso8601(*value.text);
      if (!instant) return reject(field_path(), rule::kNotAValidDate);
      if (kind == Kind::kRequiredDate) {
        event_.event_date = date::floor<date::days>(*instant);
      } else {
        event_.user_properties.user_signup_date = *instant;
      }
      return true;
    }
    case Kind::kGroup:
      return value.type == Type::kNull ? true : reject_type();  // null stays "{}"
    case Kind::kObject:
    case Kind::kUnknown:
      break;
  }
  return reject_type();
}

void EventReader::finish() {
  for (const Field field : kRequiredFields) {
    if (!seen(field)) {
      reject(field_spec(field).path, rule::kMissing);
      return;
    }
  }
  if (!extras_.is_null()) event_.extras = extras_.dump();
}

bool EventReader::parse_error(std::size_t position, const std::string& /*last_token*/,
                              const nlohmann::detail::exception& error) {
  if (is_lone_surrogate_error(error.id, error.what())) {
    stopped_early_ = true;
    reject_lone_surrogate(is_object_key_error(error.what()));
    return false;
  }
  if (error.id == kNumberOverflowError) {
    stopped_early_ = true;
    if (mode_ == Mode::kCapture) {
      reject(capture_.value_path(field_path()), rule::kOutOfRange);
    } else if (mode_ == Mode::kFields && depth_ == 0) {
      reject("event", rule::kNotAnObject);
    } else if (mode_ == Mode::kFields) {
      const Kind kind = this->kind();
      const bool numeric = kind == Kind::kUnknown || kind == Kind::kRequiredInteger ||
                           kind == Kind::kOptionalInteger;
      reject(field_path(), numeric ? rule::kOutOfRange : wrong_type_rule(kind));
    }
    return false;
  }
  invalid_json_ = true;
  parse_message_ = short_parse_message(error.what());
  parse_offset_ = position > 0 ? position - 1 : 0;
  return false;
}

// A string (a value, or a key when `in_key`) holds an escape that is no Unicode: the path
// is the value's, or for a key the object's that holds it (`event` for the event itself).
void EventReader::reject_lone_surrogate(bool in_key) {
  if (mode_ == Mode::kSkip) return;
  if (depth_ == 0) {
    reject("event", rule::kNotAnObject);
  } else if (mode_ == Mode::kCapture) {
    const std::string base = field_path();
    reject(in_key ? capture_.container_path(base) : capture_.value_path(base),
           rule::kInvalidUnicodeEscape);
  } else if (in_key) {
    const std::string_view prefix = scope_prefix(scope_);
    reject(prefix.empty() ? std::string_view("event") : prefix.substr(0, prefix.size() - 1),
           rule::kInvalidUnicodeEscape);
  } else {
    reject(field_path(), rule::kInvalidUnicodeEscape);
  }
}

void EventReader::end_capture() {
  mode_ = Mode::kFields;
  if (field_ == Field::kGroupFirstEvent) {
    event_.data.group_first_event = capture_.take().dump();
  } else if (field_ == Field::kGroupIds) {
    event_.data.group_ids = capture_.take().dump();
  } else {
    extras_scope().emplace(unknown_key_, capture_.take());
  }
}

ObjectT& EventReader::extras_scope() {
  if (extras_.is_null()) extras_ = OrderedJson::object();
  ObjectT& root = extras_.get_ref<ObjectT&>();
  if (scope_ == Scope::kRoot) return root;
  const std::string_view name = scope_ == Scope::kData ? kDataKey : kUserPropertiesKey;
  auto it = root.find(name);
  if (it == root.end()) it = root.emplace(std::string(name), OrderedJson::object()).first;
  return it->second.get_ref<ObjectT&>();
}

const ObjectT* EventReader::find_extras_scope() const {
  if (extras_.is_null()) return nullptr;
  const ObjectT& root = extras_.get_ref<const ObjectT&>();
  if (scope_ == Scope::kRoot) return &root;
  const auto it = root.find(std::string(scope_ == Scope::kData ? kDataKey : kUserPropertiesKey));
  return it == root.end() ? nullptr : &it->second.get_ref<const ObjectT&>();
}

}  // namespace

ReadResult read_event(std::string_view text, std::size_t max_depth, UserEvent& event) {
  EventReader reader(event, max_depth);
  Json::sax_parse(text.data(), text.data() + text.size(), &reader);
  if (reader.stopped_early()) {
    if (auto invalid = syntax_error_past_stops(text)) return std::move(*invalid);
  }
  return reader.result();
}

}  // namespace tributary::models::internal
