#pragma once
// Internal: a JSON subtree kept whole (`data.group_*`, unknown keys going to `extras`),
// built from SAX events. The reader bounds its depth, so nothing recursive ever runs on a
// subtree deeper than the limit.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tributary::models::internal {

/// Builds one captured subtree: containers are opened and closed, scalars added in order.
class JsonCapture {
 public:
  /// Starts a new subtree whose root is an object or an array.
  void begin(bool is_array);
  /// Opens a container inside the innermost open one.
  void open(bool is_array);
  /// Closes the innermost container; true when that was the root.
  bool close();
  /// The rule a key breaks in the innermost object (NUL, duplicate), or "" when it is fine.
  std::string_view check_key(const std::string& key) const;
  /// Sets the key of the next value in the innermost object; takes the key's buffer.
  void set_key(std::string& key) { key_.swap(key); }
  /// Adds a scalar to the innermost open container.
  void add(nlohmann::ordered_json value);
  /// The finished subtree; the capture is empty afterwards.
  nlohmann::ordered_json take();

  /// Dotted path of the innermost open container, below `base` (e.g. `data.group_ids.company`).
  std::string container_path(std::string_view base) const;
  /// Dotted path of the value about to be added (`...company[1]`, `...company.key`).
  std::string value_path(std::string_view base) const;

 private:
  nlohmann::ordered_json root_;
  std::vector<nlohmann::ordered_json*> open_;  // open containers, root first
  std::string key_;                            // pending key in the innermost object
};

}  // namespace tributary::models::internal
