#include "tributary/settings.hpp"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <yaml-cpp/yaml.h>

#include "api/redact_url.hpp"
#include "common/text.hpp"
#include "settings/dotenv.hpp"
#include "settings/environment_names.hpp"
#include "tributary/clock.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"

namespace tributary {

using internal::dotenv_key_warnings;
using internal::read_dotenv;
using internal::setting_environment_names;

namespace {

using internal::trim;

// A raw setting value and where it came from, so a bad value is reported by the name the
// user wrote (`TRIBUTARY_PARALLEL`, `--parallel`, `tributary.yaml: parallel`).
struct RawValue {
  std::string text;
  std::string origin;
};
using RawSettings = std::map<std::string, RawValue>;

const std::set<std::string> kSecretKeys = {"api.token", "database.password"};

// ` (did you mean api.token?)` for an unknown YAML key near a known one (a typo, or a key
// at the wrong level: `max_attempts` for `api.max_attempts`); empty when none is near.
std::string nearest_yaml_key_hint(const std::string& dotted) {
  const auto last_part = [](const std::string& key) { return key.substr(key.rfind('.') + 1); };
  internal::NearestName nearest(dotted);
  for (const auto& [key, env_name] : setting_environment_names()) nearest.consider(key);
  if (nearest.distance() <= 2) return " (did you mean " + nearest.name() + "?)";
  for (const auto& [key, env_name] : setting_environment_names()) {
    if (last_part(key) == last_part(dotted)) return " (did you mean " + key + "?)";
  }
  return {};
}

void flatten_yaml(const YAML::Node& node, const std::string& prefix, const std::string& file,
                  RawSettings& out, std::vector<std::string>& errors) {
  for (const auto& entry : node) {
    const auto key = entry.first.as<std::string>();
    const auto dotted = prefix.empty() ? key : prefix + "." + key;
    if (entry.second.IsMap()) {
      flatten_yaml(entry.second, dotted, file, out, errors);
      continue;
    }
    const auto& known = setting_environment_names();
    if (known.find(dotted) == known.end()) {
      errors.push_back(file + ": unknown setting '" + dotted + "'" + nearest_yaml_key_hint(dotted));
      continue;
    }
    if (kSecretKeys.count(dotted) != 0) {
      errors.push_back(file + ": '" + dotted + "' is a secret; set " + known.at(dotted) +
                       " in the environment or .env instead");
      continue;
    }
    if (!entry.second.IsScalar()) {
      errors.push_back(file + ": '" + dotted + "' must be a single value");
      continue;
    }
    out[dotted] = RawValue{entry.second.as<std::string>(), file + ": " + dotted};
  }
}

void read_yaml(const SettingsSources& sources, const std::string& profile, RawSettings& out,
               std::vector<std::string>& errors) {
  std::string path;
  if (sources.config_file) {
    path = *sources.config_file;
    if (!std::filesystem::exists(path)) {
      errors.push_back("--config: file '" + path + "' does not exist");
      return;
    }
  } else if (std::filesystem::exists("tributary.yaml")) {
    path = "tributary.yaml";
  } else {
    if (!profile.empty()) errors.push_back("--profile '" + profile + "': no tributary.yaml found");
    return;
  }
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    errors.push_back(path + ": not valid YAML: " + e.what());
    return;
  }
  if (root.IsNull()) return;
  if (!root.IsMap()) {
    errors.push_back(path + ": must be a mapping of settings");
    return;
  }
  YAML::Node base = YAML::Clone(root);
  base.remove("profiles");
  flatten_yaml(base, "", path, out, errors);
  if (profile.empty()) return;
  const auto profiles = root["profiles"];
  if (!profiles || !profiles[profile] || !profiles[profile].IsMap()) {
    errors.push_back("--profile '" + profile + "': no such profile in " + path);
    return;
  }
  flatten_yaml(profiles[profile], "", path + " (profile " + profile + ")", out, errors);
}

void read_environment(const std::map<std::string, std::string>& dotenv, RawSettings& out) {
  for (const auto& [key, env_name] : setting_environment_names()) {
    if (const char* value = std::getenv(env_name.c_str()); value != nullptr && *value != '\0') {
      out[key] = RawValue{value, env_name};
    } else if (auto it = dotenv.find(env_name); it != dotenv.end() && !it->second.empty()) {
      out[key] = RawValue{it->second, env_name + " (.env)"};
    }
  }
}

// The env file of the local cluster of `make db-up`: the checkout's (relative to the working
// directory), else the one db-up recorded for this user; empty when neither exists.
std::string find_local_cluster_env(const SettingsSources& sources) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(sources.local_database_env, ec)) {
    return sources.local_database_env;
  }
  const auto record = sources.local_cluster_record.value_or(local_cluster_record_path());
  if (record.empty() || !std::filesystem::is_regular_file(record, ec)) return {};
  const auto recorded = read_dotenv(record);
  const auto it = recorded.find("LOCAL_PG_ENV");
  if (it == recorded.end() || it->second.empty() ||
      !std::filesystem::is_regular_file(it->second, ec)) {
    return {};  // the checkout moved or is gone: as if db-up had never run
  }
  return it->second;
}

// Whether a setting says which database to use. The password and the lock timeout do not
// (`.env.example` sets TRIBUTARY_LOCK_TIMEOUT_MS: a copy of it must keep the local cluster).
bool any_database_key(const RawSettings& raw) {
  for (const auto* key :
       {"database.url", "database.host", "database.port", "database.name", "database.user"}) {
    if (raw.count(key) != 0) return true;
  }
  return false;
}

template <typename Int>
void take_int(const RawSettings& raw, const std::string& key, Int min, Int max, Int& target,
              std::vector<std::string>& errors) {
  const auto it = raw.find(key);
  if (it == raw.end()) return;
  const auto text = trim(it->second.text);
  Int value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    errors.push_back(it->second.origin + " must be an integer from " + std::to_string(min) +
                     " to " + std::to_string(max) + " (got '" + it->second.text + "')");
    return;
  }
  target = value;
}

void take_bool(const RawSettings& raw, const std::string& key, bool& target,
               std::vector<std::string>& errors) {
  const auto it = raw.find(key);
  if (it == raw.end()) return;
  std::string text(trim(it->second.text));
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "true" || text == "1" || text == "yes") {
    target = true;
  } else if (text == "false" || text == "0" || text == "no") {
    target = false;
  } else {
    errors.push_back(it->second.origin + " must be true or false (got '" + it->second.text + "')");
  }
}

// A value with its own parser (a duration, a date), which throws ConfigError naming `origin`.
template <typename Parse>
void take_parsed(const RawSettings& raw, const std::string& key, std::vector<std::string>& errors,
                 Parse parse) {
  const auto it = raw.find(key);
  if (it == raw.end()) return;
  try {
    parse(trim(it->second.text), it->second.origin);
  } catch (const ConfigError& e) {
    errors.emplace_back(e.what());
  }
}

void take_log_format(const RawSettings& raw, LogFormat& target, std::vector<std::string>& errors) {
  const auto it = raw.find("log_format");
  if (it == raw.end()) return;
  std::string text(trim(it->second.text));
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (text == "text") {
    target = LogFormat::Text;
  } else if (text == "json") {
    target = LogFormat::Json;
  } else {
    errors.push_back(it->second.origin + " must be text or json (got '" + it->second.text + "')");
  }
}

void take_string(const RawSettings& raw, const std::string& key, std::string& target) {
  if (const auto it = raw.find(key); it != raw.end()) target = trim(it->second.text);
}

// libpq takes a comma-separated port list (one per host).
std::vector<std::string_view> split_ports(std::string_view text) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    parts.push_back(
        text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// Whether the host of `url` is this machine (localhost, 127.0.0.0/8, [::1]): an API there
// (the demo API, a stub) may go without a token. Text after the authority is ignored.
bool api_url_is_loopback(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return false;
  auto authority = url.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string host;
  if (!authority.empty() && authority.front() == '[') {
    host = std::string(authority.substr(1, authority.find(']') - 1));
  } else {
    host = std::string(authority.substr(0, authority.find(':')));
  }
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!host.empty() && host.back() == '.') host.pop_back();  // `localhost.`
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  return host.rfind("127.", 0) == 0 && ::inet_pton(AF_INET, host.c_str(), &address) == 1;
}

// Every problem found, one per line, in one error.
[[noreturn]] void throw_invalid(const std::vector<std::string>& errors) {
  std::string message = "invalid settings:";
  for (const auto& e : errors) message += "\n  - " + e;
  throw ConfigError(message);
}

std::string quote_conninfo(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

const std::map<std::string, std::string>& internal::setting_environment_names() {
  static const std::map<std::string, std::string> names = {
      {"api.url", "API_URL"},
      {"api.token", "API_TOKEN"},
      {"api.max_attempts", "TRIBUTARY_MAX_ATTEMPTS"},
      {"api.backoff_base_ms", "TRIBUTARY_BACKOFF_BASE_MS"},
      {"api.connect_timeout_ms", "TRIBUTARY_CONNECT_TIMEOUT_MS"},
      {"api.stall_seconds", "TRIBUTARY_STALL_SECONDS"},
      {"api.min_bytes_per_second", "TRIBUTARY_MIN_BYTES_PER_SECOND"},
      {"api.attempt_timeout_seconds", "TRIBUTARY_ATTEMPT_TIMEOUT_SECONDS"},
      {"api.max_body_bytes", "TRIBUTARY_MAX_BODY_BYTES"},
      {"api.insecure_skip_tls_verify", "TRIBUTARY_INSECURE_SKIP_TLS_VERIFY"},
      {"api.availability_lag", "TRIBUTARY_AVAILABILITY_LAG"},
      {"database.url", "DATABASE_URL"},
      {"database.host", "POSTGRES_HOST"},
      {"database.port", "POSTGRES_PORT"},
      {"database.name", "POSTGRES_DB"},
      {"database.user", "POSTGRES_USER"},
      {"database.password", "POSTGRES_PASSWORD"},
      {"database.lock_timeout_ms", "TRIBUTARY_LOCK_TIMEOUT_MS"},
      {"parallel", "TRIBUTARY_PARALLEL"},
      {"sync.start_date", "TRIBUTARY_START_DATE"},
      {"sync.lookback_days", "TRIBUTARY_LOOKBACK_DAYS"},
      {"mirror_max_delete_percent", "TRIBUTARY_MIRROR_MAX_DELETE_PERCENT"},
      {"log_level", "TRIBUTARY_LOG_LEVEL"},
      {"log_format", "TRIBUTARY_LOG_FORMAT"},
      {"metrics_file", "TRIBUTARY_METRICS_FILE"},
  };
  return names;
}

std::string local_cluster_record_path() {
  std::filesystem::path state;
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg != nullptr && xdg[0] == '/') {
    state = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') {
    state = std::filesystem::path(home) / ".local" / "state";
  } else if (const passwd* user = ::getpwuid(::getuid()); user != nullptr && user->pw_dir) {
    state = std::filesystem::path(user->pw_dir) / ".local" / "state";
  } else {
    return {};
  }
  return (state / "tributary" / "local-postgres.env").string();
}

Settings load_settings(const SettingsSources& sources) {
  std::vector<std::string> errors;
  const auto dotenv = read_dotenv(sources.dotenv_path);

  std::string profile = sources.profile.value_or("");
  if (profile.empty()) {
    if (const char* env = std::getenv("TRIBUTARY_PROFILE")) profile = env;
  }

  RawSettings raw;
  read_yaml(sources, profile, raw, errors);
  read_environment(dotenv, raw);
  for (const auto& [key, value] : sources.flags) {
    raw[key] = RawValue{value, "--" + key.substr(key.rfind('.') + 1)};
  }
  std::string local_cluster_env;
  const bool database_configured = any_database_key(raw);
  if (!database_configured) {
    // No database configured: use the local cluster that `make db-up` started, found in
    // the checkout (the working directory) or through the record db-up left for this user.
    local_cluster_env = find_local_cluster_env(sources);
    RawSettings local;
    if (!local_cluster_env.empty()) {
      for (const auto& [name, value] : read_dotenv(local_cluster_env)) {
        for (const auto& [key, env_name] : setting_environment_names()) {
          if (env_name == name && key.rfind("database.", 0) == 0 && raw.count(key) == 0) {
            local[key] = RawValue{value, name + " (" + local_cluster_env + ")"};
          }
        }
      }
    }
    raw.merge(local);
  }

  Settings s;
  s.profile = profile;
  s.warnings = dotenv_key_warnings(dotenv, sources.dotenv_path);
  s.database.configured = database_configured;
  s.database.local_cluster_env = local_cluster_env;
  take_string(raw, "api.url", s.api.url);
  if (const auto it = raw.find("api.token"); it != raw.end()) s.api.token = it->second.text;
  take_int(raw, "api.max_attempts", 1, 100, s.api.max_attempts, errors);
  long long backoff_ms = s.api.backoff_base.count();
  take_int(raw, "api.backoff_base_ms", 0LL, 600'000LL, backoff_ms, errors);
  s.api.backoff_base = std::chrono::milliseconds(backoff_ms);
  long long connect_ms = s.api.connect_timeout.count();
  take_int(raw, "api.connect_timeout_ms", 1LL, 600'000LL, connect_ms, errors);
  s.api.connect_timeout = std::chrono::milliseconds(connect_ms);
  long long stall_s = s.api.low_speed_time.count();
  take_int(raw, "api.stall_seconds", 1LL, 3600LL, stall_s, errors);
  s.api.low_speed_time = std::chrono::seconds(stall_s);
  take_int(raw, "api.min_bytes_per_second", 1L, 1L << 30, s.api.low_speed_limit, errors);
  long long attempt_s = s.api.attempt_timeout.count();
  take_int(raw, "api.attempt_timeout_seconds", 1LL, 7LL * 24 * 3600, attempt_s, errors);
  s.api.attempt_timeout = std::chrono::seconds(attempt_s);
  take_int(raw, "api.max_body_bytes", std::uint64_t{1024}, std::uint64_t{1} << 40,
           s.api.max_body_bytes, errors);
  take_bool(raw, "api.insecure_skip_tls_verify", s.api.insecure_skip_tls_verify, errors);
  take_parsed(raw, "api.availability_lag", errors,
              [&](std::string_view text, const std::string& origin) {
                s.api.availability_lag = parse_duration(text, origin);
              });

  take_string(raw, "database.url", s.database.url);
  take_string(raw, "database.host", s.database.host);
  take_int(raw, "database.port", 1, 65535, s.database.port, errors);
  take_string(raw, "database.name", s.database.name);
  take_string(raw, "database.user", s.database.user);
  if (const auto it = raw.find("database.password"); it != raw.end()) {
    s.database.password = it->second.text;
  }
  take_int(raw, "database.lock_timeout_ms", 1, 3'600'000, s.database.lock_timeout_ms, errors);
  take_int(raw, "parallel", 1, 64, s.parallel, errors);
  take_parsed(raw, "sync.start_date", errors,
              [&](std::string_view text, const std::string& origin) {
                s.sync.start_date = parse_date_argument(text, origin, today());
              });
  take_int(raw, "sync.lookback_days", 0, 366, s.sync.lookback_days, errors);
  take_int(raw, "mirror_max_delete_percent", 0, 100, s.mirror_max_delete_percent, errors);
  take_string(raw, "log_level", s.log_level);
  take_log_format(raw, s.log_format, errors);
  take_string(raw, "metrics_file", s.metrics_file);

  if (!errors.empty()) throw_invalid(errors);
  return s;
}

void Settings::require(bool need_api, bool need_database) const {
  const auto errors = validate(need_api, need_database);
  if (!errors.empty()) throw_invalid(errors);
}

std::vector<std::string> Settings::validate(bool need_api, bool need_database) const {
  std::vector<std::string> errors;
  if (need_api) {
    if (api.url.empty()) {
      errors.push_back(
          "API_URL is not set; set it in the environment, .env or tributary.yaml "
          "(api.url), or start the demo API with `tributary demo-api`");
    }
    for (const auto& e : api.validate()) {
      if (!api.url.empty() || e.find("API_URL") == std::string::npos) errors.push_back(e);
    }
    // A real API needs a token: say so now, not after a first request came back 401.
    if (!api.url.empty() && api.token.empty() && !api_url_is_loopback(api.url)) {
      errors.push_back("API_TOKEN is not set; the API at " + internal::redact_url(api.url) +
                       " needs one: set API_TOKEN in the environment or .env (only an API on "
                       "this machine, such as `tributary demo-api`, may go without)");
    }
  }
  if (need_database) {
    if (database.url.empty()) {
      if (database.host.empty()) errors.push_back("POSTGRES_HOST is empty");
      if (database.name.empty()) errors.push_back("POSTGRES_DB is empty");
      if (database.user.empty()) errors.push_back("POSTGRES_USER is empty");
    } else {
      char* parse_error = nullptr;
      PQconninfoOption* options = PQconninfoParse(database.url.c_str(), &parse_error);
      if (options == nullptr) {
        errors.push_back("DATABASE_URL is not a valid libpq connection URI");
        PQfreemem(parse_error);
      } else {
        // libpq parses any text as a port and only fails when connecting ("could not
        // connect", exit 4): a port that is no number is a typo in the setting.
        for (auto* o = options; o->keyword != nullptr; ++o) {
          if (o->val == nullptr || std::string_view(o->keyword) != "port") continue;
          for (const auto part : split_ports(o->val)) {
            int value = 0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
            if (part.empty() || ec != std::errc{} || end != part.data() + part.size() ||
                value < 1 || value > 65535) {
              errors.push_back("DATABASE_URL: port '" + std::string(part) +
                               "' is not a number from 1 to 65535");
            }
          }
        }
        PQconninfoFree(options);
      }
    }
  }
  static const std::set<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
  if (levels.count(log_level) == 0) {
    errors.push_back("TRIBUTARY_LOG_LEVEL must be one of trace, debug, info, warn, error, off");
  }
  return errors;
}

std::string DatabaseSettings::connection_string() const {
  std::string conninfo;
  bool has_timeout = false;
  // libpq's default gssencmode=prefer probes Kerberos before every TCP connection; the
  // Kerberos library is not safe to start from several loader threads reconnecting at once
  // (known crashes in other libpq clients). Off unless the user asks for it, in the URL or
  // with libpq's PGGSSENCMODE.
  bool has_gssencmode = std::getenv("PGGSSENCMODE") != nullptr;
  if (!url.empty()) {
    // A URI and keyword=value pairs cannot be mixed in one string: rewrite the URI as
    // keyword=value pairs, so the password (POSTGRES_PASSWORD) and the timeout can follow.
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(url.c_str(), nullptr), &PQconninfoFree);
    if (!options) return url;  // validate() reports it; libpq will say why
    for (auto* o = options.get(); o->keyword != nullptr; ++o) {
      if (o->val == nullptr) continue;
      const std::string_view keyword(o->keyword);
      if (keyword == "password" && !password.empty()) continue;
      if (keyword == "connect_timeout") has_timeout = true;
      if (keyword == "gssencmode") has_gssencmode = true;
      conninfo += std::string(o->keyword) + "=" + quote_conninfo(o->val) + " ";
    }
  } else {
    conninfo = "host=" + quote_conninfo(host) + " port=" + std::to_string(port) +
               " dbname=" + quote_conninfo(name) + " user=" + quote_conninfo(user) + " ";
  }
  if (!password.empty()) conninfo += "password=" + quote_conninfo(password) + " ";
  if (!has_timeout) conninfo += "connect_timeout=" + std::to_string(connect_timeout_seconds) + " ";
  if (!has_gssencmode) conninfo += "gssencmode=disable ";
  return conninfo + "application_name=tributary";
}

std::string DatabaseSettings::describe() const {
  if (url.empty()) return host + ":" + std::to_string(port) + "/" + name + " as " + user;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(url.c_str(), nullptr), &PQconninfoFree);
  if (!options) return "DATABASE_URL (unparseable)";
  std::map<std::string, std::string> parts;
  for (auto* o = options.get(); o->keyword != nullptr; ++o) {
    if (o->val != nullptr) parts[o->keyword] = o->val;
  }
  return parts["host"] + ":" + (parts["port"].empty() ? "5432" : parts["port"]) + "/" +
         parts["dbname"] + " as " + parts["user"];
}

}  // namespace tributary
