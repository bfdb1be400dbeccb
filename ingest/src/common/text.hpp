#pragma once

// Small text helpers the subsystems share: trimming, case-insensitive prefixes, joining,
// the edit distance behind "did you mean ...?".
// Dates are tributary/day_range.hpp (parse_day, format_day).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace tributary::internal {

/// `text` without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim(std::string_view text);

/// Whether `text` starts with `prefix`, ignoring ASCII case.
bool starts_with_ci(std::string_view text, std::string_view prefix);

/// The number of single-character insertions, deletions, substitutions and swaps of two
/// neighbours that turn `a` into `b`, ignoring ASCII case (optimal string alignment):
/// `API_TOKN` → `API_TOKEN` 1, `api_url` → `API_URL` 0.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `typed` by edit_distance(), offered one at a time (the first of
/// equally near ones wins): what every "did you mean ...?" picks from.
class NearestName {
 public:
  explicit NearestName(std::string_view typed) : typed_(typed) {}
  void consider(std::string_view candidate) {
    const auto d = edit_distance(typed_, candidate);
    if (d < distance_) {
      distance_ = d;
      name_ = std::string(candidate);
    }
  }
  /// The nearest candidate so far; empty before any.
  const std::string& name() const noexcept { return name_; }
  /// Its distance; std::string::npos before any.
  std::size_t distance() const noexcept { return distance_; }

 private:
  std::string typed_;
  std::string name_;
  std::size_t distance_ = std::string::npos;
};

/// The items of `parts`, each turned into text by `format`, with `separator` between them
/// (`a, b, c`); empty for no parts.
template <typename Range, typename Format>
std::string join(const Range& parts, std::string_view separator, Format&& format) {
  std::string out;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) out += separator;
    first = false;
    out += format(part);
  }
  return out;
}

/// The items of `parts` (strings or string views) with `separator` between them.
template <typename Range>
std::string join(const Range& parts, std::string_view separator) {
  return join(parts, separator, [](const auto& part) -> decltype(auto) { return part; });
}

}  // namespace tributary::internal
