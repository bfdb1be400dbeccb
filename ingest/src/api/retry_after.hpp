#pragma once

// The server's `Retry-After`: an HTTP header read with libcurl's date parser, so it lives
// with the api client rather than in common/ (which stays free of libcurl). Pure function,
// unit-tested without a network.

#include <chrono>
#include <optional>
#include <string_view>

namespace tributary::internal {

/// The wait a `Retry-After` header value asks for: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, read by curl_getdate) relative to `now`; a date in the
/// past means no wait. Capped at `cap`. nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now,
    std::chrono::milliseconds cap);

}  // namespace tributary::internal
