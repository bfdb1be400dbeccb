// The order models are built in, and which models a `--select` picks.
#include <algorithm>
#include <map>
#include <set>

#include "runner/manifest.hpp"
#include "common/text.hpp"
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

std::vector<std::string> dependants_of(const Manifest& manifest, const std::string& name) {
  // Build order puts every dependant after what it depends on: one pass suffices.
  std::set<std::string> reached = {name};
  std::vector<std::string> out;
  for (const auto& m : manifest.models) {
    if (m.name == name) continue;
    const bool depends = std::any_of(m.depends_on.begin(), m.depends_on.end(),
                                     [&](const std::string& dep) { return reached.contains(dep); });
    if (depends) {
      reached.insert(m.name);
      out.push_back(m.name);
    }
  }
  return out;
}

std::vector<std::string> select_models(const Manifest& manifest,
                                       const std::vector<std::string>& selectors) {
  std::vector<std::string> all;
  for (const auto& m : manifest.models) all.push_back(m.name);
  if (selectors.empty()) return all;

  std::set<std::string> chosen;
  for (const auto& selector : selectors) {
    const bool with_dependants = !selector.empty() && selector.back() == '+';
    const auto name = with_dependants ? selector.substr(0, selector.size() - 1) : selector;
    if (manifest.find(name) == nullptr) {
      std::string message = "--select ";
      message.append(selector).append(": no model named '").append(name).append("' in ");
      message.append(manifest.file.string()).append(" (models: ");
      throw ConfigError(message + internal::join(all, ", ") + ")");
    }
    chosen.insert(name);
    if (with_dependants) {
      for (auto& d : dependants_of(manifest, name)) chosen.insert(std::move(d));
    }
  }
  std::vector<std::string> out;
  for (const auto& n : all) {
    if (chosen.contains(n)) out.push_back(n);
  }
  return out;
}

}  // namespace tributary::internal
