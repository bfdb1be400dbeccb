#include "json_capture.hpp"

#include <utility>

#include "event_fields.hpp"

namespace tributary::models::internal {
namespace {

using OrderedJson = nlohmann::ordered_json;
using ObjectT = OrderedJson::object_t;
using ArrayT = OrderedJson::array_t;

}  // namespace

void JsonCapture::begin(bool is_array) {
  root_ = is_array ? OrderedJson::array() : OrderedJson::object();
  open_.assign(1, &root_);
}

void JsonCapture::open(bool is_array) {
  OrderedJson child = is_array ? OrderedJson::array() : OrderedJson::object();
  OrderedJson& parent = *open_.back();
  // Pointers to open containers stay valid: only the innermost one ever grows.
  if (parent.is_array()) {
    auto& array = parent.get_ref<ArrayT&>();
    array.push_back(std::move(child));
    open_.push_back(&array.back());
  } else {
    auto inserted = parent.get_ref<ObjectT&>().emplace(key_, std::move(child));
    open_.push_back(&inserted.first->second);
  }
}

bool JsonCapture::close() {
  open_.pop_back();
  return open_.empty();
}

std::string_view JsonCapture::check_key(const std::string& key) const {
  if (contains_nul(key)) return rule::kContainsNul;
  const ObjectT& object = open_.back()->get_ref<const ObjectT&>();
  if (object.find(key) != object.end()) return rule::kDuplicateKey;
  return {};
}

void JsonCapture::add(OrderedJson value) {
  OrderedJson& parent = *open_.back();
  if (parent.is_array()) {
    parent.get_ref<ArrayT&>().push_back(std::move(value));
  } else {
    parent.get_ref<ObjectT&>().emplace(key_, std::move(value));
  }
}

OrderedJson JsonCapture::take() {
  open_.clear();
  OrderedJson out = std::move(root_);
  root_ = nullptr;
  return out;
}

std::string JsonCapture::container_path(std::string_view base) const {
  std::string path(base);
  for (std::size_t i = 0; i + 1 < open_.size(); ++i) {
    const OrderedJson& container = *open_[i];
    if (container.is_array()) {
      path += '[' + std::to_string(container.size() - 1) + ']';
    } else {
      path += '.';
      path += path_key(container.get_ref<const ObjectT&>().back().first);
    }
  }
  return path;
}

std::string JsonCapture::value_path(std::string_view base) const {
  std::string path = container_path(base);
  const OrderedJson& innermost = *open_.back();
  if (innermost.is_array()) {
    path += '[' + std::to_string(innermost.size()) + ']';
  } else {
    path += '.';
    path += path_key(key_);
  }
  return path;
}

}  // namespace tributary::models::internal
