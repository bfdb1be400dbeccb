#pragma once

#include <memory>
#include <string>
#include <string_view>

struct XXH3_state_s;

namespace tributary::models {

/// A 128-bit fingerprint of a payload's bytes (XXH3-128, from Debian's libxxhash), computed
/// as they stream by, so an unchanged day is recognised without keeping the day. Not a
/// cryptographic hash: it tells a changed payload from the one loaded before, nothing more.
class PayloadDigest {
 public:
  PayloadDigest();
  ~PayloadDigest();
  PayloadDigest(PayloadDigest&&) noexcept;
  PayloadDigest& operator=(PayloadDigest&&) noexcept;

  /// Adds the next bytes.
  void update(std::string_view bytes) noexcept;
  /// The fingerprint so far as 32 lower-case hex digits.
  std::string hex() const;
  /// Starts again, as for a fresh payload.
  void reset() noexcept;

 private:
  struct FreeState {
    void operator()(XXH3_state_s* state) const noexcept;
  };
  std::unique_ptr<XXH3_state_s, FreeState> state_;
};

}  // namespace tributary::models
