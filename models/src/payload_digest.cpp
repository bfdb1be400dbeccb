#include "tributary/models/payload_digest.hpp"

namespace tributary::models {
namespace {

constexpr std::uint64_t kPrimeA = 0x00000100000001b3ULL;  // the 64-bit FNV prime
constexpr std::uint64_t kPrimeB = 0x9e3779b97f4a7c15ULL;  // odd, unrelated to the first

/// splitmix64's finaliser: every input bit reaches every output bit.
constexpr std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

void append_hex(std::string& out, std::uint64_t value) {
  constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xFU];
}

}  // namespace

void PayloadDigest::update(std::string_view bytes) noexcept {
  // Two FNV-1a style chains with different seeds and multipliers, byte by byte, so the
  // result does not depend on how the bytes were split into chunks.
  std::uint64_t a = a_;
  std::uint64_t b = b_;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    a = (a ^ byte) * kPrimeA;
    b = (b ^ byte) * kPrimeB;
  }
  a_ = a;
  b_ = b;
  length_ += bytes.size();
}

std::string PayloadDigest::hex() const {
  const std::uint64_t length = mix(length_ + 0x2545f4914f6cdd1dULL);
  const std::uint64_t high = mix(a_ ^ length);
  const std::uint64_t low = mix(b_ ^ (high >> 7) ^ (length << 1));
  std::string out;
  out.reserve(32);
  append_hex(out, high);
  append_hex(out, low);
  return out;
}

void PayloadDigest::reset() noexcept { *this = PayloadDigest{}; }

}  // namespace tributary::models
