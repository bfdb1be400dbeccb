#pragma once

// One request of the api client as libcurl runs it: the callbacks that receive headers and
// body, how a body is routed (streamed to the consumer, or kept for reading), and how a
// curl failure is classified. Private to the library.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include <curl/curl.h>

#include "tributary/api_client.hpp"

namespace tributary::internal {

/// Bytes of a body that is not an array kept to read its `detail`; the rest is dropped.
inline constexpr std::size_t kBufferedBodyLimit = 64 * 1024;

/// The state of one request: headers seen, how the body is being handled, what went wrong
/// inside a callback (exceptions must not cross libcurl's C frames).
struct Transfer {
  /// Undecided until the first significant byte of a 200 body: `[` streams.
  enum class Mode { Undecided, Streaming, Buffered };

  DayConsumer* consumer = nullptr;
  std::uint64_t max_body_bytes = 0;
  int status = 0;  ///< of the answer whose headers came last
  /// The blank line after the headers was seen: later lines are chunked trailers, which
  /// never override a header.
  bool headers_complete = false;
  std::optional<std::string> etag;
  std::optional<std::string> retry_after;
  std::optional<std::string> location;
  Mode mode = Mode::Undecided;
  std::string buffer;            ///< leading bytes while undecided, else a non-array body (bounded)
  std::uint64_t body_bytes = 0;  ///< decompressed bytes received
  bool too_large = false;        ///< aborted: over max_body_bytes
  std::exception_ptr consumer_error;  ///< aborted: the consumer threw this
  std::stop_token stop;               ///< aborted (by on_progress) once a stop is requested

  /// Routes the next body bytes; may call the consumer (and let its exceptions through).
  void take(std::string_view bytes);
  /// Reads one header line (a status line starts a new answer).
  void take_header(std::string_view line);

 private:
  void keep(std::string_view bytes);
  void decide();
};

/// CURLOPT_WRITEFUNCTION; `user` is the Transfer. Returns 0 (abort) over the cap or when
/// the consumer throws.
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user);
/// CURLOPT_XFERINFOFUNCTION; `user` is the Transfer. Returns non-zero (abort, with
/// CURLE_ABORTED_BY_CALLBACK) once its stop is requested; libcurl calls it at least about
/// once a second, also while nothing arrives.
int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t);
/// CURLOPT_HEADERFUNCTION; `user` is the Transfer.
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user);

/// The server's `detail` from a JSON object body (a non-string detail as compact JSON);
/// empty when there is none.
std::string detail_of(const std::string& body);
/// Server text made safe for one log line: printable ASCII, at most a few hundred bytes.
std::string printable(std::string_view text);
/// Whether a curl failure may pass on its own (the network, the server), as opposed to a
/// setting, a certificate or a URL that a retry cannot fix.
bool is_transient(CURLcode code);
/// Whether a failed attempt never reached the API: no host, no connection, no TLS session,
/// or a timeout before the connection was made. `connected` says whether it was (libcurl's
/// connect time, or for https its TLS handshake time, is set). Anything else got through.
bool could_not_reach(CURLcode code, bool connected);

}  // namespace tributary::internal
