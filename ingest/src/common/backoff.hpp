#pragma once

// How long the api client waits before retrying: exponential backoff with full jitter, and
// the server's Retry-After. Pure functions, unit-tested without a network.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace tributary::internal {

/// The longest wait after failed attempt number `attempt` (1-based):
/// min(cap, base * 2^(attempt-1)), saturating instead of overflowing. Never negative.
std::chrono::milliseconds backoff_ceiling(int attempt, std::chrono::milliseconds base,
                                          std::chrono::milliseconds cap);

/// Full jitter: a wait drawn uniformly from [0, backoff_ceiling(attempt, base, cap)].
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng);

/// The wait a `Retry-After` header value asks for: delta-seconds (`120`) or an HTTP-date
/// (`Wed, 21 Oct 2015 07:28:00 GMT`, read by curl_getdate) relative to `now`; a date in the
/// past means no wait. Capped at `cap`. nullopt when the value is neither.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now,
    std::chrono::milliseconds cap);

}  // namespace tributary::internal
