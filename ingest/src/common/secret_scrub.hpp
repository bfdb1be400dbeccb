#pragma once

// Removes a secret from text that is about to leave the process (a log line, an error, a
// database row). Private to the library.

#include <string>
#include <string_view>

namespace tributary::internal {

/// Fragments of a secret shorter than this are left alone: they carry too little of it to
/// matter, and matching them would garble ordinary words.
inline constexpr std::size_t kSecretFragment = 8;

/// `text` with every run of at least min(kSecretFragment, secret size) characters that
/// appears in `secret` — as written, percent-encoded (either hex case), or in another
/// letter case — replaced by `[redacted]`. A server echoing part of the token, cut at a
/// length limit or encoded, is caught as well as the whole token. Secrets shorter than 4
/// characters are no secrets: the text is returned as it is.
std::string scrub_secret(std::string text, std::string_view secret);

/// Whether scrub_secret would change `text`.
bool contains_secret(std::string_view text, std::string_view secret);

}  // namespace tributary::internal
