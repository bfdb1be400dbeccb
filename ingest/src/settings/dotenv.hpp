#pragma once

#include <map>
#include <string>
#include <vector>

namespace tributary::internal {

/// Reads a `.env` file: KEY=VALUE lines, `#` comments, optional `export`, optional quotes.
/// A missing file gives an empty map; a malformed line throws ConfigError naming the line.
std::map<std::string, std::string> read_dotenv(const std::string& path);

/// One warning per key of the `.env` file at `path` (read into `values`) that tributary does
/// not read although it looks like one of its settings: a typo of a known name (`API_TOKN`,
/// lower-case `api_url`) or a name with one of its prefixes (`API_`, `DATABASE_`,
/// `POSTGRES_`, `TRIBUTARY_`, `PG`), with the nearest known name; a libpq variable or a
/// variable the CLI takes from the real environment only, set in `.env` alone. Keys that
/// belong to the make targets' scripts, or to something else altogether, pass silently.
std::vector<std::string> dotenv_key_warnings(const std::map<std::string, std::string>& values,
                                             const std::string& path);

}  // namespace tributary::internal
