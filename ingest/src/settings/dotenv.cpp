// The `.env` file: its reader, and the warnings about keys in it that tributary does not
// read although they look like its settings (a typo there must not pass silently, as one
// in tributary.yaml does not).
#include "settings/dotenv.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <string_view>

#include "common/text.hpp"
#include "settings/environment_names.hpp"
#include "tributary/error.hpp"

namespace tributary::internal {
namespace {

// Read by the CLI from the real environment only, never from `.env`.
constexpr std::array<std::string_view, 5> kEnvironmentOnlyNames = {
    "TRIBUTARY_PROFILE", "TRIBUTARY_NOW", "TRIBUTARY_MODELS_DIR", "TRIBUTARY_ALLOW_CORE_DUMPS",
    "DEMO_API_TOKEN"};

// Read from `.env` by the make targets' scripts (scripts/*.sh), not by the CLI.
constexpr std::array<std::string_view, 3> kScriptNames = {"LOCAL_PG_PORT", "ANALYST_PASSWORD",
                                                          "DEMO_EVENTS_PER_DAY"};

// The official postgres container image's own variables: a `.env` shared with a compose
// file holds them, and they are no typos.
constexpr std::array<std::string_view, 3> kPostgresImageNames = {
    "POSTGRES_INITDB_ARGS", "POSTGRES_INITDB_WALDIR", "POSTGRES_HOST_AUTH_METHOD"};

// libpq's environment variables, with the tributary setting standing for each where there
// is one. libpq reads them from the real environment, never from `.env`.
struct LibpqVariable {
  std::string_view name;
  std::string_view setting;
};
constexpr std::array<LibpqVariable, 33> kLibpqVariables = {{
    {"PGHOST", "POSTGRES_HOST"},
    {"PGHOSTADDR", "POSTGRES_HOST"},
    {"PGPORT", "POSTGRES_PORT"},
    {"PGDATABASE", "POSTGRES_DB"},
    {"PGUSER", "POSTGRES_USER"},
    {"PGPASSWORD", "POSTGRES_PASSWORD"},
    {"PGPASSFILE", ""},
    {"PGSERVICE", ""},
    {"PGSERVICEFILE", ""},
    {"PGOPTIONS", ""},
    {"PGAPPNAME", ""},
    {"PGSSLMODE", ""},
    {"PGREQUIRESSL", ""},
    {"PGSSLCOMPRESSION", ""},
    {"PGSSLCERT", ""},
    {"PGSSLKEY", ""},
    {"PGSSLROOTCERT", ""},
    {"PGSSLCRL", ""},
    {"PGSSLCRLDIR", ""},
    {"PGSSLSNI", ""},
    {"PGREQUIREPEER", ""},
    {"PGSSLMINPROTOCOLVERSION", ""},
    {"PGSSLMAXPROTOCOLVERSION", ""},
    {"PGGSSENCMODE", ""},
    {"PGKRBSRVNAME", ""},
    {"PGGSSLIB", ""},
    {"PGCONNECT_TIMEOUT", ""},
    {"PGCLIENTENCODING", ""},
    {"PGTARGETSESSIONATTRS", ""},
    {"PGLOADBALANCEHOSTS", ""},
    {"PGCHANNELBINDING", ""},
    {"PGREQUIREAUTH", ""},
    {"PGTZ", ""},
}};

// A key with one of these prefixes (any letter case) is meant for tributary or libpq.
constexpr std::array<std::string_view, 5> kOurPrefixes = {"API_", "DATABASE_", "POSTGRES_",
                                                          "TRIBUTARY_", "PG"};

template <typename Range>
bool listed_in(const Range& names, std::string_view key) {
  for (const std::string_view name : names) {
    if (name == key) return true;
  }
  return false;
}

// Whether the real environment holds `key` with the same value: `make deploy` exports
// `.env` before running the CLI, so the variable reaches libpq (or the CLI) after all.
bool exported_as_in_dotenv(const std::string& key, const std::string& value) {
  const char* real = std::getenv(key.c_str());
  return real != nullptr && value == real;
}

// The known name nearest to `key`: the settings, the environment-only names and the
// scripts' names.
internal::NearestName nearest_dotenv_name(std::string_view key) {
  internal::NearestName nearest(key);
  for (const auto& [canonical, name] : setting_environment_names()) nearest.consider(name);
  for (const auto name : kEnvironmentOnlyNames) nearest.consider(name);
  for (const auto name : kScriptNames) nearest.consider(name);
  return nearest;
}

}  // namespace

std::map<std::string, std::string> read_dotenv(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  if (!in) return values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto text = trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (text.rfind("export ", 0) == 0) text = trim(text.substr(7));
    const auto eq = text.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      throw ConfigError(path + ":" + std::to_string(number) + ": expected KEY=VALUE");
    }
    const auto key = trim(text.substr(0, eq));
    auto value = trim(text.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (const auto hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));
    }
    values[std::string(key)] = std::string(value);
  }
  return values;
}

std::vector<std::string> dotenv_key_warnings(const std::map<std::string, std::string>& values,
                                             const std::string& path) {
  std::vector<std::string> warnings;
  const auto& settings = setting_environment_names();
  for (const auto& [key, value] : values) {
    bool known_setting = false;
    for (const auto& [canonical, name] : settings) known_setting = known_setting || name == key;
    if (known_setting || listed_in(kScriptNames, key) || listed_in(kPostgresImageNames, key)) {
      continue;
    }
    if (listed_in(kEnvironmentOnlyNames, key)) {
      if (!value.empty() && !exported_as_in_dotenv(key, value)) {
        warnings.push_back(path + ": " + key + " is not read from " + path +
                           " (only from the real environment): export it instead");
      }
      continue;
    }
    const auto libpq = std::find_if(kLibpqVariables.begin(), kLibpqVariables.end(),
                                    [&](const LibpqVariable& v) { return v.name == key; });
    if (libpq != kLibpqVariables.end()) {
      if (!value.empty() && !exported_as_in_dotenv(key, value)) {
        warnings.push_back(path + ": " + key + " is not read from " + path +
                           " (libpq takes it from the real environment only)" +
                           (libpq->setting.empty()
                                ? std::string("; export it, or set it in DATABASE_URL")
                                : "; did you mean " + std::string(libpq->setting) + "?"));
      }
      continue;
    }
    const auto nearest = nearest_dotenv_name(key);
    const bool prefixed = std::any_of(kOurPrefixes.begin(), kOurPrefixes.end(), [&](auto prefix) {
      return starts_with_ci(key, prefix) && !starts_with_ci(key, "PGADMIN_");
    });
    if (nearest.distance() > 2 && !prefixed) continue;  // someone else's variable
    // A suggestion only when it is near enough to be what was meant.
    const bool suggest = nearest.distance() <= 2;
    warnings.push_back(path + ": unknown key '" + key + "'" +
                       (suggest ? " (did you mean " + nearest.name() + "?)"
                                : std::string(" (no setting of tributary has this name)")));
  }
  return warnings;
}

}  // namespace tributary::internal
