#pragma once

// RAII owners of libcurl's C handles. Private to the library: curl.h stays out of the
// public headers.

#include <string>

#include <curl/curl.h>

namespace tributary::internal {

/// Initialises libcurl once per process (thread-safe); every CurlEasy calls it.
void ensure_curl_global_init();

/// Owns one CURL easy handle, and with it libcurl's connection cache (keep-alive).
class CurlEasy {
 public:
  /// Creates the handle; throws Error when libcurl cannot.
  CurlEasy();
  ~CurlEasy();
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  CurlEasy(CurlEasy&& other) noexcept;
  CurlEasy& operator=(CurlEasy&& other) noexcept;

  /// The raw handle, for curl_easy_setopt/perform/getinfo.
  CURL* get() const noexcept { return handle_; }

 private:
  CURL* handle_ = nullptr;
};

/// Owns a curl_slist of request headers.
class CurlHeaders {
 public:
  CurlHeaders() = default;
  ~CurlHeaders();
  CurlHeaders(const CurlHeaders&) = delete;
  CurlHeaders& operator=(const CurlHeaders&) = delete;
  CurlHeaders(CurlHeaders&& other) noexcept;
  CurlHeaders& operator=(CurlHeaders&& other) noexcept;

  /// Appends one `Name: value` line; throws Error when libcurl runs out of memory.
  void append(const std::string& line);
  /// The list, for CURLOPT_HTTPHEADER (nullptr when empty).
  curl_slist* get() const noexcept { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

/// Throws Error: libcurl refused option `name` with `code`.
[[noreturn]] void throw_option_error(const char* name, CURLcode code);

/// Sets an option and throws Error naming it when libcurl refuses; the value is never put
/// in the message (it may be a secret).
template <typename T>
void set_option(CURL* handle, CURLoption option, const char* name, T value) {
  const CURLcode code = curl_easy_setopt(handle, option, value);
  if (code != CURLE_OK) throw_option_error(name, code);
}

}  // namespace tributary::internal
