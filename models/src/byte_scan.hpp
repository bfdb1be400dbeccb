#pragma once
// Internal: the byte searches of PayloadParser's splitter, 16 and 64 bytes at a time with
// SSE2 (every x86-64 has it), byte by byte elsewhere.

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace tributary::models::internal {

using StopTable = std::array<bool, 256>;

constexpr StopTable make_stops(std::string_view bytes) {
  StopTable table{};
  for (const char c : bytes) table[static_cast<unsigned char>(c)] = true;
  return table;
}

constexpr StopTable kStringStops = make_stops("\"\\");
constexpr StopTable kStructureStops = make_stops("\"{}[]");

/// The first byte in [p, end) that the table marks, or end.
inline const char* find_stop(const char* p, const char* end, const StopTable& stops) {
  while (end - p >= 4) {
    if (stops[static_cast<unsigned char>(p[0])]) return p;
    if (stops[static_cast<unsigned char>(p[1])]) return p + 1;
    if (stops[static_cast<unsigned char>(p[2])]) return p + 2;
    if (stops[static_cast<unsigned char>(p[3])]) return p + 3;
    p += 4;
  }
  while (p != end && !stops[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

#if defined(__SSE2__)
// 16 bytes at a time: the scanner runs over every byte of the day before a reader does.
inline const char* find_string_stop(const char* p, const char* end) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  while (end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const int mask = _mm_movemask_epi8(
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
  return find_stop(p, end, kStringStops);
}

inline const char* find_structure_stop(const char* p, const char* end) {
  // `{` and `[` differ only in bit 0x20, as do `}` and `]`.
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i open = _mm_set1_epi8('{');
  const __m128i close = _mm_set1_epi8('}');
  while (end - p >= 16) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i folded = _mm_or_si128(chunk, case_bit);
    const __m128i hits =
        _mm_or_si128(_mm_cmpeq_epi8(chunk, quote),
                     _mm_or_si128(_mm_cmpeq_epi8(folded, open), _mm_cmpeq_epi8(folded, close)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
    p += 16;
  }
  return find_stop(p, end, kStructureStops);
}

/// Bit i set: byte i of the 64 at p equals `byte` (after OR-ing `fold` into it).
inline std::uint64_t mask_of(const char* p, char byte, char fold = 0) {
  const __m128i wanted = _mm_set1_epi8(byte);
  const __m128i folded = _mm_set1_epi8(fold);
  std::uint64_t mask = 0;
  for (int i = 0; i < 4; ++i) {
    const __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
    const auto bits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(chunk, folded), wanted)));
    mask |= static_cast<std::uint64_t>(bits) << (16 * i);
  }
  return mask;
}

/// Bit i set: an odd number of bits are set among bits 0..i of `bits`.
inline std::uint64_t prefix_xor(std::uint64_t bits) {
  for (int shift = 1; shift < 64; shift *= 2) bits ^= bits << shift;
  return bits;
}

// Inside an element (depth > 0, not right after a backslash), skips the whole 64-byte
// blocks from p that cannot hold its end, carrying the string state and the depth over
// exactly as the byte-wise scan would: a block without a backslash (an escape is left to
// the byte-wise rules) and with fewer closing brackets outside strings than the depth.
// Returns where the byte-wise scan goes on. Most of an element is skipped this way at a
// few instructions per byte; byte by byte, every quote and bracket stopped the scan.
inline const char* skip_blocks(const char* p, const char* end, std::size_t& depth,
                               bool& in_string) {
  constexpr char kCaseBit = 0x20;  // `[` and `{` differ only in it, as do `]` and `}`
  while (end - p >= 64) {
    if (mask_of(p, '\\') != 0) break;
    // Opening quotes and string contents (the closing quote is outside).
    std::uint64_t inside = prefix_xor(mask_of(p, '"'));
    if (in_string) inside = ~inside;
    const std::uint64_t opens = mask_of(p, '{', kCaseBit) & ~inside;
    const std::uint64_t closes = mask_of(p, '}', kCaseBit) & ~inside;
    const auto closing = static_cast<std::size_t>(std::popcount(closes));
    if (closing >= depth) break;  // the element may end in this block
    depth = depth + static_cast<std::size_t>(std::popcount(opens)) - closing;
    in_string = (inside >> 63) != 0;
    p += 64;
  }
  return p;
}
#else
inline const char* find_string_stop(const char* p, const char* end) {
  return find_stop(p, end, kStringStops);
}
inline const char* find_structure_stop(const char* p, const char* end) {
  return find_stop(p, end, kStructureStops);
}
inline const char* skip_blocks(const char* p, const char* /*end*/, std::size_t& /*depth*/,
                               bool& /*in_string*/) {
  return p;
}
#endif

}  // namespace tributary::models::internal
