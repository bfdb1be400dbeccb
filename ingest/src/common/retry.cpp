#include "common/retry.hpp"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>

namespace tributary::internal {

using std::chrono::milliseconds;

milliseconds RetryPolicy::ceiling(int attempt) const {
  if (base.count() <= 0 || cap.count() <= 0) return milliseconds{0};
  if (growth == Growth::Exponential) return backoff_ceiling(attempt, base, cap);
  const std::int64_t times = std::max(attempt, 1);
  // base * attempt, stopping at the cap (no overflow).
  if (base.count() > cap.count() / times) return cap;
  return milliseconds{base.count() * times};
}

milliseconds RetryPolicy::delay(int attempt, std::mt19937_64& rng) const {
  const auto most = ceiling(attempt).count();
  if (!full_jitter) return milliseconds{most};
  std::uniform_int_distribution<std::int64_t> pick(0, most);
  return milliseconds{pick(rng)};
}

milliseconds RetryPolicy::delay(int attempt) const {
  assert(!full_jitter && "a policy with full jitter needs the rng");
  return ceiling(attempt);
}

milliseconds backoff_ceiling(int attempt, milliseconds base, milliseconds cap) {
  if (base.count() <= 0 || cap.count() <= 0) return milliseconds{0};
  std::int64_t ceiling = base.count();
  // Double attempt-1 times, stopping as soon as the cap is reached (no overflow).
  for (int i = 1; i < attempt && ceiling < cap.count(); ++i) {
    ceiling = ceiling > std::numeric_limits<std::int64_t>::max() / 2
                  ? std::numeric_limits<std::int64_t>::max()
                  : ceiling * 2;
  }
  return milliseconds{std::min<std::int64_t>(ceiling, cap.count())};
}

milliseconds backoff_delay(int attempt, milliseconds base, milliseconds cap, std::mt19937_64& rng) {
  const RetryPolicy policy{.attempts = attempt + 1,
                           .base = base,
                           .cap = cap,
                           .growth = RetryPolicy::Growth::Exponential,
                           .full_jitter = true};
  return policy.delay(attempt, rng);
}

}  // namespace tributary::internal
