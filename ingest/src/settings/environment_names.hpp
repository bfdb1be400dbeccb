#pragma once

#include <map>
#include <string>

namespace tributary::internal {

/// The setting names tributary knows: canonical key (`api.url`) → environment variable
/// (`API_URL`).
const std::map<std::string, std::string>& setting_environment_names();

}  // namespace tributary::internal
