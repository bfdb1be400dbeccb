#pragma once

// The one retry policy: how many attempts, and how long to wait after each failed one.
// Every retry loop of the library is one of these (the API client's backoff, the loader's
// reconnection and per-day retry, the model runner's swap). Pure code, unit-tested.

#include <chrono>
#include <random>

namespace tributary::internal {

/// How many times an operation is tried and the wait after each failure.
struct RetryPolicy {
  /// How the ceiling of the wait grows from one failed attempt to the next.
  enum class Growth {
    Linear,       ///< base * attempt
    Exponential,  ///< base * 2^(attempt-1)
  };

  int attempts = 1;                   ///< tries in all, the first included
  std::chrono::milliseconds base{0};  ///< wait after the first failure
  std::chrono::milliseconds cap = std::chrono::milliseconds::max();  ///< no wait is longer
  Growth growth = Growth::Exponential;
  /// Wait a uniform draw from [0, ceiling] instead of the ceiling itself, so clients that
  /// failed together do not retry together.
  bool full_jitter = false;

  /// Whether another attempt follows failed attempt `attempt` (1-based).
  bool retries_after(int attempt) const { return attempt < attempts; }
  /// The longest wait after failed attempt `attempt` (1-based): base grown by `growth`,
  /// at most `cap`, saturating instead of overflowing. Zero when base or cap is.
  std::chrono::milliseconds ceiling(int attempt) const;
  /// The wait after failed attempt `attempt`: the ceiling, or with full jitter a draw from
  /// [0, ceiling] taken from `rng`.
  std::chrono::milliseconds delay(int attempt, std::mt19937_64& rng) const;
  /// The wait after failed attempt `attempt` of a policy without jitter (the ceiling).
  std::chrono::milliseconds delay(int attempt) const;
};

/// The exponential ceiling after failed attempt `attempt` (1-based):
/// min(cap, base * 2^(attempt-1)), saturating instead of overflowing. Never negative.
std::chrono::milliseconds backoff_ceiling(int attempt, std::chrono::milliseconds base,
                                          std::chrono::milliseconds cap);

/// Exponential backoff with full jitter: a wait drawn uniformly from
/// [0, backoff_ceiling(attempt, base, cap)].
std::chrono::milliseconds backoff_delay(int attempt, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, std::mt19937_64& rng);

}  // namespace tributary::internal
