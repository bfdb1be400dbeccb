#pragma once

// Which models a `--select` picks: dbt's node-selection graph operators over the manifest's
// dependencies. Pure code: a manifest in, names out.

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "runner/manifest.hpp"

namespace tributary::internal {

/// A depth of `Selector::ancestors` / `descendants`: every level (`+NAME`, `NAME+`).
inline constexpr std::size_t kEveryLevel = std::numeric_limits<std::size_t>::max();

/// One selector, parsed: `NAME`, `+NAME`, `NAME+`, `+NAME+`, the depth-limited `N+NAME`,
/// `NAME+N`, and `@NAME` (the model, its descendants and every ancestor of those).
struct Selector {
  std::string text;             ///< as written, for messages
  std::string name;             ///< the model named
  std::size_t ancestors = 0;    ///< levels of dependencies taken too; kEveryLevel: all
  std::size_t descendants = 0;  ///< levels of dependants taken too; kEveryLevel: all
  bool at = false;              ///< `@NAME`
};

/// Parses one selector. Throws ConfigError saying what is wrong and which forms exist: an
/// empty name, `++`, dbt forms tributary does not have (`a,b` intersections, `tag:x`
/// methods, `*` wildcards, `@` with `+`).
Selector parse_selector(std::string_view text);

/// The selectors of `arguments`, each split at whitespace (dbt's `--select "a b+"` is a
/// union, like `--select a --select b+`). Throws ConfigError naming every bad one.
std::vector<Selector> parse_selectors(const std::vector<std::string>& arguments);

/// The models a run builds, in build order (the manifest's order): the union of what each
/// selector of `arguments` (see parse_selectors) picks. No selector selects every model.
/// Throws ConfigError for a bad selector or an unknown model (`unknown model 'x' (did you
/// mean y?)`), naming every one and listing the manifest's models.
std::vector<std::string> select_models(const Manifest& manifest,
                                       const std::vector<std::string>& arguments);

/// The model of `manifest` whose name is nearest to `typed` (a typo, another case, a part of
/// the name), or "" when none is close.
std::string nearest_model_name(const Manifest& manifest, std::string_view typed);

}  // namespace tributary::internal
