#include "tributary/models/payload_digest.hpp"

#include <cstdio>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <xxhash.h>

namespace tributary::models {
namespace {

std::string digest_of(std::string_view bytes) {
  PayloadDigest digest;
  digest.update(bytes);
  return digest.hex();
}

std::string sample_payload() {
  std::string payload = "[";
  for (int i = 0; i < 200; ++i) {
    payload += R"({"device_id":"d)" + std::to_string(i) + R"(","event_time":)" +
               std::to_string(1704445200000 + i) + "},";
  }
  payload.back() = ']';
  return payload;
}

TEST(PayloadDigest, IsTheXxh3Of128BitsOfTheWholePayload) {
  const std::string payload = sample_payload();
  const XXH128_hash_t expected = XXH3_128bits(payload.data(), payload.size());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(expected.high64),
                static_cast<unsigned long long>(expected.low64));
  EXPECT_EQ(digest_of(payload), hex);
}

TEST(PayloadDigest, HexIs32LowerCaseHexDigits) {
  const std::string hex = digest_of("[]");
  ASSERT_EQ(hex.size(), 32U);
  for (const char c : hex) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << hex;
}

TEST(PayloadDigest, SameBytesInDifferentChunkingsGiveSameHex) {
  const std::string payload = sample_payload();
  const std::string whole = digest_of(payload);

  PayloadDigest bytewise;
  for (const char c : payload) bytewise.update(std::string_view(&c, 1));
  EXPECT_EQ(bytewise.hex(), whole);

  std::mt19937 random(42);
  for (int round = 0; round < 20; ++round) {
    PayloadDigest chunked;
    std::size_t at = 0;
    while (at < payload.size()) {
      const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 97)(random);
      chunked.update(std::string_view(payload).substr(at, size));
      at += size;
    }
    EXPECT_EQ(chunked.hex(), whole);
  }
}

TEST(PayloadDigest, DifferentBytesGiveDifferentHex) {
  const std::string payload = sample_payload();
  std::string one_byte_changed = payload;
  one_byte_changed[payload.size() / 2] ^= 1;
  EXPECT_NE(digest_of(payload), digest_of(one_byte_changed));
  EXPECT_NE(digest_of(payload), digest_of(payload + " "));
  EXPECT_NE(digest_of(""), digest_of(std::string(1, '\0')));
  EXPECT_NE(digest_of(std::string(1, '\0')), digest_of(std::string(2, '\0')));
  EXPECT_NE(digest_of("ab"), digest_of("ba"));
  EXPECT_NE(digest_of("[]"), digest_of("[ ]"));
}

TEST(PayloadDigest, HexDoesNotChangeTheState) {
  PayloadDigest digest;
  digest.update("abc");
  const std::string first = digest.hex();
  EXPECT_EQ(digest.hex(), first);
  digest.update("def");
  EXPECT_EQ(digest.hex(), digest_of("abcdef"));
}

TEST(PayloadDigest, ResetStartsAgainAsForAFreshPayload) {
  PayloadDigest digest;
  const std::string empty = digest.hex();
  digest.update("something else entirely");
  digest.reset();
  EXPECT_EQ(digest.hex(), empty);
  digest.update("[]");
  EXPECT_EQ(digest.hex(), digest_of("[]"));
}

}  // namespace
}  // namespace tributary::models
