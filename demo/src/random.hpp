#pragma once

// The demo API's own randomness: splitmix64 hashing and a splitmix64 stream. Portable and
// fixed forever (no std:: engines or distributions, whose output may differ between
// standard libraries), so the same seed gives the same events on every machine.

#include <cstdint>
#include <initializer_list>

namespace tributary::internal::demo {

/// The splitmix64 finaliser: a bijective 64-bit mix.
constexpr std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// A hash of a fixed sequence of 64-bit words (order matters).
constexpr std::uint64_t hash_words(std::initializer_list<std::uint64_t> words) noexcept {
  std::uint64_t h = 0x243f6a8885a308d3ULL;  // pi, so that hash_words({}) is not 0
  for (const std::uint64_t w : words) h = mix64(h ^ mix64(w));
  return h;
}

/// A hash as a double in [0, 1).
constexpr double unit_interval(std::uint64_t h) noexcept {
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

/// A splitmix64 stream: cheap, statistically fine for test data, fully determined by its seed.
class Rng {
 public:
  explicit constexpr Rng(std::uint64_t seed) noexcept : state_(seed) {}

  /// The next 64 random bits.
  constexpr std::uint64_t next() noexcept {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  /// A number in [0, n); n > 0. The modulo bias is below 2^-40 for the sizes used here.
  constexpr std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  /// A number in [lo, hi].
  constexpr std::int64_t between(std::int64_t lo, std::int64_t hi) noexcept {
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
  }
  /// A double in [0, 1).
  constexpr double unit() noexcept { return unit_interval(next()); }
  /// True with probability p.
  constexpr bool chance(double p) noexcept { return unit() < p; }

 private:
  std::uint64_t state_;
};

}  // namespace tributary::internal::demo
