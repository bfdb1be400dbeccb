// The order models are built in (which of them a `--select` picks: selection.cpp).
#include <algorithm>
#include <map>
#include <set>

#include "runner/manifest.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

// Among `remaining` (every one of which waits on another one of them), follows dependencies
// from the first until a model repeats: that loop is a cycle, `a -> b -> a`.
std::string describe_cycle(const std::vector<const ModelSpec*>& remaining) {
  std::map<std::string, const ModelSpec*> by_name;
  for (const auto* m : remaining) by_name[m->name] = m;
  std::vector<std::string> path;
  const ModelSpec* current = remaining.front();
  while (std::find(path.begin(), path.end(), current->name) == path.end()) {
    path.push_back(current->name);
    for (const auto& dep : current->depends_on) {
      if (by_name.contains(dep)) {
        current = by_name[dep];
        break;
      }
    }
  }
  std::string cycle;
  for (auto it = std::find(path.begin(), path.end(), current->name); it != path.end(); ++it) {
    cycle += *it + " -> ";
  }
  return cycle + current->name;
}

}  // namespace

std::vector<std::string> build_order(const std::vector<ModelSpec>& models) {
  std::set<std::string> known;
  for (const auto& m : models) known.insert(m.name);
  std::vector<std::string> unknown;
  for (const auto& m : models) {
    for (const auto& dep : m.depends_on) {
      if (!known.contains(dep)) {
        unknown.push_back("model '" + m.name + "' depends on unknown model '" + dep + "'");
      }
    }
  }
  if (!unknown.empty()) {
    std::string message = unknown.front();
    for (std::size_t i = 1; i < unknown.size(); ++i) message += "; " + unknown[i];
    throw ConfigError(message);
  }

  std::vector<std::string> order;
  std::set<std::string> placed;
  std::vector<const ModelSpec*> remaining;
  remaining.reserve(models.size());
  for (const auto& m : models) remaining.push_back(&m);
  while (!remaining.empty()) {
    // The first model, in manifest order, whose dependencies are all placed.
    const auto ready = std::find_if(remaining.begin(), remaining.end(), [&](const ModelSpec* m) {
      return std::all_of(m->depends_on.begin(), m->depends_on.end(),
                         [&](const std::string& dep) { return placed.contains(dep); });
    });
    if (ready == remaining.end()) {
      throw ConfigError("dependency cycle: " + describe_cycle(remaining));
    }
    order.push_back((*ready)->name);
    placed.insert((*ready)->name);
    remaining.erase(ready);
  }
  return order;
}

}  // namespace tributary::internal
