#pragma once

#include <string>

namespace tributary {

/// Sends tributary's log lines to stderr at `level` (trace, debug, info, warn, error, off),
/// one line each with time and level, so stdout stays free for results.
void configure_logging(const std::string& level);

}  // namespace tributary
