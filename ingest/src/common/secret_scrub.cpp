#include "common/secret_scrub.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace tributary::internal {
namespace {

constexpr std::string_view kRedacted = "[redacted]";

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// The forms a secret takes in echoed text: as written, and percent-encoded (every byte
// outside RFC 3986's unreserved set as %XX). Matching ignores letter case, so `%2d`, `%2D`
// and a case-folded echo are all caught.
std::array<std::string, 2> forms(std::string_view secret) {
  std::string encoded;
  constexpr std::string_view kHex = "0123456789abcdef";
  for (const char c : secret) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      encoded += c;
    } else {
      encoded += '%';
      encoded += kHex[byte >> 4];
      encoded += kHex[byte & 0x0F];
    }
  }
  return {std::string(secret), encoded};
}

// Length of the longest run of `text` starting at `at` that occurs anywhere in `form`
// (letter case ignored).
std::size_t longest_fragment(std::string_view text, std::size_t at, std::string_view form) {
  std::size_t best = 0;
  for (std::size_t start = 0; start < form.size(); ++start) {
    std::size_t n = 0;
    while (at + n < text.size() && start + n < form.size() &&
           fold(text[at + n]) == fold(form[start + n])) {
      ++n;
    }
    best = std::max(best, n);
  }
  return best;
}

}  // namespace

std::string scrub_secret(std::string text, std::string_view secret) {
  if (secret.size() < 4 || text.empty()) return text;
  const auto secret_forms = forms(secret);
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    std::size_t run = 0;
    for (const auto& form : secret_forms) {
      const std::size_t needed = std::min(kSecretFragment, form.size());
      const std::size_t n = longest_fragment(text, at, form);
      if (n >= needed) run = std::max(run, n);
    }
    if (run > 0) {
      out += kRedacted;
      at += run;
    } else {
      out += text[at++];
    }
  }
  return out;
}

bool contains_secret(std::string_view text, std::string_view secret) {
  return scrub_secret(std::string(text), secret) != text;
}

}  // namespace tributary::internal
