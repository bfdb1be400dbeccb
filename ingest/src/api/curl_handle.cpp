#include "api/curl_handle.hpp"

#include <mutex>
#include <utility>

#include "tributary/error.hpp"

namespace tributary::internal {

void ensure_curl_global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (code != CURLE_OK) {
      throw Error(std::string("libcurl could not be initialised: ") + curl_easy_strerror(code));
    }
  });
}

void throw_option_error(const char* name, CURLcode code) {
  throw Error(std::string("libcurl refused option ") + name + ": " + curl_easy_strerror(code) +
              " (is libcurl too old or built without this feature?)");
}

CurlEasy::CurlEasy() {
  ensure_curl_global_init();
  handle_ = curl_easy_init();
  if (handle_ == nullptr) throw Error("libcurl could not create a handle (out of memory?)");
}

CurlEasy::~CurlEasy() {
  if (handle_ != nullptr) curl_easy_cleanup(handle_);
}

CurlEasy::CurlEasy(CurlEasy&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

CurlEasy& CurlEasy::operator=(CurlEasy&& other) noexcept {
  if (this != &other) {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

CurlHeaders::~CurlHeaders() {
  if (list_ != nullptr) curl_slist_free_all(list_);
}

CurlHeaders::CurlHeaders(CurlHeaders&& other) noexcept
    : list_(std::exchange(other.list_, nullptr)) {}

CurlHeaders& CurlHeaders::operator=(CurlHeaders&& other) noexcept {
  if (this != &other) {
    if (list_ != nullptr) curl_slist_free_all(list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

void CurlHeaders::append(const std::string& line) {
  curl_slist* grown = curl_slist_append(list_, line.c_str());
  if (grown == nullptr) throw Error("libcurl could not build the request headers (out of memory)");
  list_ = grown;
}

}  // namespace tributary::internal
