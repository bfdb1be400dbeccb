#pragma once

#include <map>
#include <string>

namespace tributary::internal {

/// Reads a `.env` file: KEY=VALUE lines, `#` comments, optional `export`, optional quotes.
/// A missing file gives an empty map; a malformed line throws ConfigError naming the line.
std::map<std::string, std::string> read_dotenv(const std::string& path);

}  // namespace tributary::internal
