// Which models a `--select` picks (dbt's graph operators), and the listing of a selection.
#include "runner/selection.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <deque>
#include <map>
#include <set>

#include "common/text.hpp"
#include "tributary/error.hpp"
#include "tributary/model_runner.hpp"

namespace tributary::internal {
namespace {

constexpr const char* kSelectorForms =
    "NAME, +NAME (with its ancestors), NAME+ (with its descendants), +NAME+, N+NAME, NAME+N "
    "(N levels), @NAME";

[[noreturn]] void throw_bad_selector(std::string_view text, const std::string& why) {
  throw ConfigError("--select '" + std::string(text) + "': " + why + " (forms: " + kSelectorForms +
                    ")");
}

// The depth of an operator: "" means every level, else a decimal number.
std::size_t selector_depth(std::string_view digits, std::string_view text) {
  if (digits.empty()) return kEveryLevel;
  std::size_t depth = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), depth);
  if (error != std::errc() || end != digits.data() + digits.size() || depth == kEveryLevel) {
    throw_bad_selector(text, "depth '" + std::string(digits) + "' is not a number of levels");
  }
  return depth;
}

bool is_selector_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// The models reached from `start` through `next` (dependencies or dependants) within
// `depth` levels, `start` excluded.
std::set<std::string> selection_reach(const std::map<std::string, std::vector<std::string>>& next,
                                      const std::string& start, std::size_t depth) {
  std::set<std::string> reached;
  std::deque<std::pair<std::string, std::size_t>> queue = {{start, 0}};
  while (!queue.empty()) {
    const auto [name, level] = queue.front();
    queue.pop_front();
    if (level == depth) continue;
    const auto it = next.find(name);
    if (it == next.end()) continue;
    for (const auto& n : it->second) {
      if (n != start && reached.insert(n).second) queue.emplace_back(n, level + 1);
    }
  }
  return reached;
}

}  // namespace

Selector parse_selector(std::string_view text) {
  Selector s;
  s.text = std::string(text);
  std::string_view rest = text;
  if (rest.empty()) throw_bad_selector(text, "empty selector");
  if (rest.find(',') != std::string_view::npos) {
    throw_bad_selector(text,
                       "intersections (a,b) are not supported; several selectors, "
                       "separated by spaces or each after its own --select, are a union");
  }
  if (rest.find(':') != std::string_view::npos) {
    throw_bad_selector(text,
                       "selector methods (tag:, path:, ...) are not supported; name "
                       "the model");
  }
  if (rest.find('*') != std::string_view::npos) {
    throw_bad_selector(text, "wildcards are not supported; name the model");
  }
  if (rest.front() == '@') {
    s.at = true;
    rest.remove_prefix(1);
    if (rest.find('+') != std::string_view::npos) {
      throw_bad_selector(text, "@ cannot be combined with +");
    }
  } else {
    // [N]+ before the name.
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits])) != 0) {
      ++digits;
    }
    if (digits < rest.size() && rest[digits] == '+') {
      s.ancestors = selector_depth(rest.substr(0, digits), text);
      rest.remove_prefix(digits + 1);
    }
    // +[N] after the name.
    std::size_t tail = rest.size();
    while (tail > 0 && std::isdigit(static_cast<unsigned char>(rest[tail - 1])) != 0) --tail;
    if (tail > 0 && rest[tail - 1] == '+') {
      s.descendants = selector_depth(rest.substr(tail), text);
      rest = rest.substr(0, tail - 1);
    }
  }
  if (rest.empty()) throw_bad_selector(text, "no model name");
  if (!std::all_of(rest.begin(), rest.end(), is_selector_name_char) ||
      std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
    throw_bad_selector(text, "'" + std::string(rest) + "' is not a model name");
  }
  s.name = std::string(rest);
  return s;
}

std::vector<Selector> parse_selectors(const std::vector<std::string>& arguments) {
  std::vector<Selector> selectors;
  std::vector<std::string> problems;
  for (const auto& argument : arguments) {
    std::size_t words = 0;
    std::size_t at = 0;
    while (true) {
      while (at < argument.size() && std::isspace(static_cast<unsigned char>(argument[at])) != 0) {
        ++at;
      }
      if (at == argument.size()) break;
      auto end = at;
      while (end < argument.size() &&
             std::isspace(static_cast<unsigned char>(argument[end])) == 0) {
        ++end;
      }
      ++words;
      try {
        selectors.push_back(parse_selector(std::string_view(argument).substr(at, end - at)));
      } catch (const ConfigError& e) {
        problems.emplace_back(e.what());
      }
      at = end;
    }
    if (words == 0)
      problems.emplace_back("--select needs a model name (forms: " + std::string(kSelectorForms) +
                            ")");
  }
  if (!problems.empty()) throw ConfigError(join(problems, "; "));
  return selectors;
}

std::string nearest_model_name(const Manifest& manifest, std::string_view typed) {
  NearestName nearest(typed);
  for (const auto& m : manifest.models) nearest.consider(m.name);
  // A typo: a couple of edits, a few more in a long name.
  if (!nearest.name().empty() && nearest.distance() <= std::max<std::size_t>(2, typed.size() / 4)) {
    return nearest.name();
  }
  // A part of the name (`summary` for weekly_summary), when only one model has it.
  std::string lower(typed);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower.size() < 3) return {};
  std::string only;
  for (const auto& m : manifest.models) {
    if (m.name.find(lower) == std::string::npos) continue;
    if (!only.empty()) return {};
    only = m.name;
  }
  return only;
}

std::vector<std::string> select_models(const Manifest& manifest,
                                       const std::vector<std::string>& arguments) {
  std::vector<std::string> all;
  for (const auto& m : manifest.models) all.push_back(m.name);
  const auto selectors = parse_selectors(arguments);
  if (selectors.empty()) return all;

  std::vector<std::string> unknown;
  for (const auto& s : selectors) {
    if (manifest.find(s.name) != nullptr) continue;
    auto problem = "unknown model '" + s.name + "'";
    if (const auto near = nearest_model_name(manifest, s.name); !near.empty()) {
      problem += " (did you mean " + near + "?)";
    }
    if (s.text != s.name) problem += " in --select '" + s.text + "'";
    if (std::find(unknown.begin(), unknown.end(), problem) == unknown.end()) {
      unknown.push_back(std::move(problem));
    }
  }
  if (!unknown.empty()) {
    throw ConfigError(join(unknown, "; ") + "; the models of " + manifest.file.string() + " are " +
                      join(all, ", "));
  }

  std::map<std::string, std::vector<std::string>> parents;
  std::map<std::string, std::vector<std::string>> children;
  for (const auto& m : manifest.models) {
    parents[m.name] = m.depends_on;
    for (const auto& dep : m.depends_on) children[dep].push_back(m.name);
  }
  std::set<std::string> chosen;
  const auto take = [&chosen](const std::set<std::string>& names) {
    chosen.insert(names.begin(), names.end());
  };
  for (const auto& s : selectors) {
    chosen.insert(s.name);
    if (s.at) {
      auto family = selection_reach(children, s.name, kEveryLevel);
      family.insert(s.name);
      for (const auto& n : family) {
        chosen.insert(n);
        take(selection_reach(parents, n, kEveryLevel));
      }
      continue;
    }
    take(selection_reach(parents, s.name, s.ancestors));
    take(selection_reach(children, s.name, s.descendants));
  }
  std::vector<std::string> out;
  for (const auto& n : all) {
    if (chosen.contains(n)) out.push_back(n);
  }
  return out;
}

}  // namespace tributary::internal

namespace tributary {

ModelPlan plan_models(const ModelRunOptions& options) {
  ModelPlan plan;
  plan.manifest = models_manifest_path(options);
  const auto manifest = internal::load_manifest(plan.manifest);
  plan.schema = manifest.schema;
  plan.total = manifest.models.size();
  for (const auto& name : internal::select_models(manifest, options.select)) {
    const auto& spec = *manifest.find(name);
    ModelInfo info;
    info.name = spec.name;
    info.relation = manifest.schema + "." + spec.name;
    info.materialized = internal::to_string(spec.materialized);
    if (spec.incremental) {
      info.incremental_column = spec.incremental->column;
      info.incremental_grain =
          spec.incremental->grain == internal::PartitionGrain::Day ? "day" : "week";
    }
    info.depends_on = spec.depends_on;
    info.description = spec.description;
    for (const auto& column : spec.columns) info.columns.push_back(column.name);
    for (const auto& test : spec.tests) info.tests.push_back(test.name());
    plan.models.push_back(std::move(info));
  }
  return plan;
}

}  // namespace tributary
