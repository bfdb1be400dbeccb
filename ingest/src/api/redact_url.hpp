#pragma once

#include <string>
#include <string_view>

namespace tributary::internal {

/// `url` without its `user:password@`, its fragment and every query parameter but `date`
/// (any other may carry a secret): safe for logs and errors.
std::string redact_url(std::string_view url);

}  // namespace tributary::internal
