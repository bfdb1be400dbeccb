// scrub_secret: a secret, or a long piece of it, in any of the forms an echo takes.
#include "common/secret_scrub.hpp"

#include <gtest/gtest.h>

namespace tributary::internal {
namespace {

constexpr const char* kSecret = "s3cr3t/Token+42";

TEST(ScrubSecret, ReplacesTheWholeSecret) {
  EXPECT_EQ(scrub_secret("a s3cr3t/Token+42 b", kSecret), "a [redacted] b");
  EXPECT_EQ(scrub_secret("s3cr3t/Token+42s3cr3t/Token+42", kSecret), "[redacted][redacted]");
}

TEST(ScrubSecret, ReplacesALongPieceOfIt) {
  EXPECT_EQ(scrub_secret("cut here: s3cr3t/Tok...", kSecret), "cut here: [redacted]...");
  EXPECT_EQ(scrub_secret("tail Token+42", kSecret), "tail [redacted]");
}

TEST(ScrubSecret, LeavesShortPiecesAndOtherTextAlone) {
  EXPECT_EQ(scrub_secret("Token expired", kSecret), "Token expired");
  EXPECT_EQ(scrub_secret("s3cr3t/", kSecret), "s3cr3t/");
  EXPECT_FALSE(contains_secret("nothing here", kSecret));
}

TEST(ScrubSecret, CatchesPercentEncodingAndOtherLetterCases) {
  EXPECT_EQ(scrub_secret("q=s3cr3t%2FToken%2B42", kSecret), "q=[redacted]");
  EXPECT_EQ(scrub_secret("q=s3cr3t%2ftoken%2b42", kSecret), "q=[redacted]");
  EXPECT_EQ(scrub_secret("S3CR3T/TOKEN+42!", kSecret), "[redacted]!");
  EXPECT_TRUE(contains_secret("W/\"s3cr3t/token\"", kSecret));
}

TEST(ScrubSecret, TreatsAVeryShortSecretAsNone) {
  EXPECT_EQ(scrub_secret("abc abc", "abc"), "abc abc");
  EXPECT_EQ(scrub_secret("x abcd y", "abcd"), "x [redacted] y");
}

}  // namespace
}  // namespace tributary::internal
