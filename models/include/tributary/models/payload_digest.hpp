#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tributary::models {

/// A 128-bit fingerprint of a payload's bytes, computed as they stream by, so an
/// unchanged day is recognised without keeping the day.
class PayloadDigest {
 public:
  /// Adds the next bytes.
  void update(std::string_view bytes) noexcept;
  /// The fingerprint so far as 32 lower-case hex digits.
  std::string hex() const;
  /// Starts again, as for a fresh payload.
  void reset() noexcept;

 private:
  std::uint64_t a_ = 0xcbf29ce484222325ULL;
  std::uint64_t b_ = 0x84222325cbf29ce4ULL;
  std::uint64_t length_ = 0;
};

}  // namespace tributary::models
