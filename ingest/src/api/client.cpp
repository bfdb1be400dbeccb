// The events API client (docs/api-format.md): one libcurl easy handle per client, so the
// connection is kept alive across days and attempts; the body of a day streams into a
// DayConsumer; transient failures are retried with full-jitter backoff.

#include "tributary/api_client.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <limits>
#include <random>
#include <thread>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>

#include "api/curl_handle.hpp"
#include "api/redact_url.hpp"
#include "api/retry_after.hpp"
#include "api/transfer.hpp"
#include "common/retry.hpp"
#include "common/secret_scrub.hpp"
#include "common/text.hpp"
#include "tributary/day_range.hpp"
#include "tributary/error.hpp"
#include "tributary/logging.hpp"
#include "tributary/models/payload_parser.hpp"

namespace tributary {

namespace {

using internal::redact_url;
using internal::set_option;
using internal::starts_with_ci;
using internal::Transfer;
using internal::trim;
using std::chrono::milliseconds;

constexpr const char* kUserAgent = "tributary/0.1";

/// A failed attempt that may succeed if tried again.
struct Transient {
  std::string reason;
  int status = 0;
  std::optional<milliseconds> wait;  // asked for by Retry-After
  // A complete, well-framed answer (a 429 or 5xx) leaves the kept-alive connection clean;
  // any other failure may leave bytes of a bad answer on it.
  bool connection_clean = false;
};

// Whether an HTTP proxy from the environment would carry a plain-http request: libcurl reads
// `http_proxy` (lower case only, for http) and `all_proxy` / `ALL_PROXY`.
bool http_proxy_in_environment() {
  for (const char* name : {"http_proxy", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

}  // namespace

struct ApiClient::Impl {
  ApiOptions options;
  internal::CurlEasy curl;
  std::mt19937_64 rng;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};

  explicit Impl(ApiOptions opts) : options(std::move(opts)) {
    rng.seed(options.jitter_seed != 0 ? options.jitter_seed : std::random_device{}());
    configure(curl.get());
    if (options.insecure_skip_tls_verify) {
      spdlog::warn(
          "TLS certificate verification is OFF for {} (insecure_skip_tls_verify): anyone on the "
          "network path can read API_TOKEN and alter the data. Never use this outside a test.",
          redact_url(options.url));
    }
    if (!options.token.empty() && starts_with_ci(options.url, "http://") &&
        http_proxy_in_environment()) {
      spdlog::warn(
          "{} is plain http and an HTTP proxy is set in the environment (http_proxy / "
          "all_proxy): API_TOKEN travels to the proxy in the clear. Use https, or set no_proxy "
          "for this host.",
          redact_url(options.url));
    }
  }

  /// A new handle, so the next request opens a new connection: after a failed attempt the
  /// kept-alive one may hold the rest of a bad answer.
  void fresh_connection() {
    internal::CurlEasy replacement;
    configure(replacement.get());
    curl = std::move(replacement);
  }

  void configure(CURL* h) {
    set_option(h, CURLOPT_NOSIGNAL, "CURLOPT_NOSIGNAL", 1L);  // safe in threads
    set_option(h, CURLOPT_ERRORBUFFER, "CURLOPT_ERRORBUFFER", error_buffer.data());
    set_option(h, CURLOPT_USERAGENT, "CURLOPT_USERAGENT", kUserAgent);
    set_option(h, CURLOPT_HTTPGET, "CURLOPT_HTTPGET", 1L);
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85
    set_option(h, CURLOPT_PROTOCOLS_STR, "CURLOPT_PROTOCOLS_STR", "http,https");
#else
    set_option(h, CURLOPT_PROTOCOLS, "CURLOPT_PROTOCOLS", long{CURLPROTO_HTTP | CURLPROTO_HTTPS});
#endif
    // gzip and deflate only: brotli costs servers far more CPU per byte for little gain here.
    set_option(h, CURLOPT_ACCEPT_ENCODING, "CURLOPT_ACCEPT_ENCODING", "gzip, deflate");
    // Redirects are not followed: the token must never reach another host.
    set_option(h, CURLOPT_FOLLOWLOCATION, "CURLOPT_FOLLOWLOCATION", 0L);
    set_option(h, CURLOPT_TCP_KEEPALIVE, "CURLOPT_TCP_KEEPALIVE", 1L);
    set_option(h, CURLOPT_CONNECTTIMEOUT_MS, "CURLOPT_CONNECTTIMEOUT_MS",
               static_cast<long>(options.connect_timeout.count()));
    set_option(h, CURLOPT_LOW_SPEED_LIMIT, "CURLOPT_LOW_SPEED_LIMIT", options.low_speed_limit);
    set_option(h, CURLOPT_LOW_SPEED_TIME, "CURLOPT_LOW_SPEED_TIME",
               static_cast<long>(options.low_speed_time.count()));
    // However slowly but steadily a body trickles in, one attempt ends at this deadline.
    set_option(h, CURLOPT_TIMEOUT_MS, "CURLOPT_TIMEOUT_MS",
               static_cast<long>(std::min<std::int64_t>(
                   std::chrono::duration_cast<milliseconds>(options.attempt_timeout).count(),
                   std::numeric_limits<long>::max())));
    const auto max_file =
        std::min<std::uint64_t>(options.max_body_bytes, std::numeric_limits<curl_off_t>::max());
    set_option(h, CURLOPT_MAXFILESIZE_LARGE, "CURLOPT_MAXFILESIZE_LARGE",
               static_cast<curl_off_t>(max_file));
    const bool verify = !options.insecure_skip_tls_verify;
    set_option(h, CURLOPT_SSL_VERIFYPEER, "CURLOPT_SSL_VERIFYPEER", verify ? 1L : 0L);
    set_option(h, CURLOPT_SSL_VERIFYHOST, "CURLOPT_SSL_VERIFYHOST", verify ? 2L : 0L);
    set_option(h, CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", &internal::on_body);
    set_option(h, CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION", &internal::on_header);
  }

  /// Any text that leaves the client: neither the token nor a long piece of it (plain,
  /// percent-encoded or in another case) can be in it. Server text is scrubbed before it is
  /// cut to length, so no prefix of an echoed token survives the cut.
  std::string scrub(std::string text) const {
    return internal::scrub_secret(std::move(text), options.token);
  }

  std::string day_url(const std::string& day) const {
    return options.url + (options.url.find('?') == std::string::npos ? '?' : '&') + "date=" + day;
  }

  DayFetch fetch(date::sys_days day, DayConsumer& consumer, const std::optional<std::string>& etag);

  std::variant<DayFetch, Transient> attempt(const std::string& day, const std::string& url,
                                            DayConsumer& consumer,
                                            const std::optional<std::string>& etag);
  std::string curl_failure(CURLcode code, const internal::Transfer& transfer) const;
};

// What went wrong in libcurl's words, with what it means here where libcurl's is misleading.
std::string ApiClient::Impl::curl_failure(CURLcode code, const internal::Transfer& transfer) const {
  std::string reason = std::string(curl_easy_strerror(code)) + " (curl " +
                       std::to_string(static_cast<int>(code)) + ")";
  if (error_buffer[0] != '\0') reason += ": " + std::string(error_buffer.data());
  if (code == CURLE_OUT_OF_MEMORY && !transfer.headers_complete) {
    // libcurl refuses a header line or block over CURL_MAX_HTTP_HEADER (100 KB) this way.
    return "the server sent response headers larger than libcurl accepts (100 KB) [" + reason +
           "]";
  }
  if (code == CURLE_OPERATION_TIMEDOUT && transfer.status != 0) {
    reason += " (each attempt ends after " + std::to_string(options.attempt_timeout.count()) +
              " s, api.attempt_timeout_seconds, or when the body averages under " +
              std::to_string(options.low_speed_limit) + " bytes/s for " +
              std::to_string(options.low_speed_time.count()) + " s)";
  }
  return reason;
}

std::variant<DayFetch, Transient> ApiClient::Impl::attempt(const std::string& day,
                                                           const std::string& url,
                                                           DayConsumer& consumer,
                                                           const std::optional<std::string>& etag) {
  CURL* h = curl.get();
  Transfer transfer;
  transfer.consumer = &consumer;
  transfer.max_body_bytes = options.max_body_bytes;
  error_buffer[0] = '\0';
  set_option(h, CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", static_cast<void*>(&transfer));
  set_option(h, CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", static_cast<void*>(&transfer));
  const CURLcode code = curl_easy_perform(h);
  long response_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response_code);
  if (response_code != 0) transfer.status = static_cast<int>(response_code);
  const int status = transfer.status;
  const std::string where = day + " from " + redact_url(url);

  if (transfer.consumer_error) {
    try {
      std::rethrow_exception(transfer.consumer_error);
    } catch (const models::PayloadError& e) {
      return Transient{std::string("body is not a valid JSON array: ") + e.what(), status, {}};
    }  // anything else (the loader failed, ...) is not ours to retry: it propagates
  }
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    throw ApiError(
        scrub("could not fetch " + where + ": body larger than " +
              std::to_string(options.max_body_bytes) + " bytes (api.max_body_bytes); not retried"),
        status);
  }
  if (code != CURLE_OK) {
    const std::string reason = curl_failure(code, transfer);
    if (internal::is_transient(code)) return Transient{reason, status, {}};
    throw ApiError(scrub("could not fetch " + where + ": " + reason + "; not retried"), status);
  }

  DayFetch fetch;
  fetch.status = status;
  fetch.body_bytes = transfer.body_bytes;
  if (transfer.etag && internal::contains_secret(*transfer.etag, options.token)) {
    // Stored in ingest.day_loads and sent back in If-None-Match: a token must go in neither.
    spdlog::warn("{}: the server's ETag contains API_TOKEN; it is neither stored nor sent back",
                 where);
  } else {
    fetch.etag = transfer.etag;
  }
  if (status == 304) {
    // Only an answer to our If-None-Match means "unchanged"; a bare 304 to a request that
    // sent none (first load, --force, --mirror) says nothing about the day.
    if (!etag) {
      return Transient{"HTTP 304 Not Modified to a request that sent no If-None-Match", status,
                       {}};
    }
    fetch.outcome = FetchOutcome::NotModified;
    if (!fetch.etag) fetch.etag = etag;  // the answer confirms the ETag we sent
    return fetch;
  }
  if (status == 200 && transfer.mode == Transfer::Mode::Streaming) {
    try {
      consumer.finish();
    } catch (const models::PayloadError& e) {
      return Transient{std::string("body is not a valid JSON array: ") + e.what(), status, {}};
    }
    return fetch;
  }
  // Server text, scrubbed whole before anything cuts it to length.
  const std::string body_text = scrub(transfer.buffer);
  fetch.detail = scrub(internal::detail_of(transfer.buffer));
  if (status == 401 || status == 403) {
    const std::string base = redact_url(options.url);
    const std::string said = internal::printable(fetch.detail);
    throw AuthError(scrub(
        (options.token.empty() ? "API_TOKEN is not set and " + base + " requires it ("
                               : "API_TOKEN was rejected by " + base + " (") +
        std::to_string(status) + ", fetching " + day + (said.empty() ? "" : ": " + said) +
        "); set API_TOKEN in .env"));
  }
  if ((status == 200 || (status >= 400 && status < 500)) &&
      fetch.detail.rfind("No event found", 0) == 0) {
    fetch.outcome = FetchOutcome::Empty;
    return fetch;
  }
  const std::string detail = internal::printable(fetch.detail);
  if (status == 200) {
    const std::string_view body = trim(body_text);
    return Transient{body.empty() ? std::string("HTTP 200 with an empty body")
                                  : "HTTP 200 body is not a JSON array (starts with '" +
                                        internal::printable(body.substr(0, 40)) + "')",
                     status,
                     {}};
  }
  if (status == 429 || status >= 500) {
    std::optional<milliseconds> wait;
    if ((status == 429 || status == 503) && transfer.retry_after) {
      wait = internal::parse_retry_after(*transfer.retry_after, std::chrono::system_clock::now(),
                                         options.retry_after_cap);
    }
    return Transient{"HTTP " + std::to_string(status) + (detail.empty() ? "" : ": " + detail),
                     status, wait, /*connection_clean=*/true};
  }
  if (status >= 300 && status < 400) {
    throw ApiError(
        scrub("could not fetch " + where + ": redirected (HTTP " + std::to_string(status) +
              ") to " + redact_url(transfer.location.value_or("?")) +
              "; redirects are not followed, set API_URL to the final address"),
        status);
  }
  if (status >= 400 && status < 500) {
    throw ApiError(
        scrub("the API refused the request for " + where + " (HTTP " + std::to_string(status) +
              "): " + (detail.empty() ? internal::printable(trim(body_text)) : detail) +
              (status == 404 && detail.empty() ? "; is API_URL right?" : "") + "; not retried"),
        status);
  }
  throw ApiError(scrub("could not fetch " + where + ": unexpected HTTP status " +
                       std::to_string(status) + "; not retried"),
                 status);
}

DayFetch ApiClient::Impl::fetch(date::sys_days day, DayConsumer& consumer,
                                const std::optional<std::string>& etag) {
  const std::string day_text = format_day(day);
  const std::string url = day_url(day_text);
  internal::CurlHeaders headers;
  if (!options.token.empty()) headers.append("api-token: " + options.token);
  // An ETag that could split the header, or that holds the token, is not sent (the server
  // then answers in full).
  std::optional<std::string> sent_etag;
  if (etag && !internal::contains_secret(*etag, options.token) &&
      std::none_of(etag->begin(), etag->end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
      })) {
    sent_etag = etag;
    headers.append("If-None-Match: " + *etag);
  }
  headers.append("Accept: application/json");
  CURL* h = curl.get();
  set_option(h, CURLOPT_URL, "CURLOPT_URL", url.c_str());
  set_option(h, CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", headers.get());
  // The list dies with this call: libcurl must not keep a pointer to it.
  struct ForgetHeaders {
    CURL* h;
    ~ForgetHeaders() { curl_easy_setopt(h, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr)); }
  } forget{h};

  // Exponential backoff with full jitter, unless the server's Retry-After says otherwise.
  const internal::RetryPolicy policy{.attempts = options.max_attempts,
                                     .base = options.backoff_base,
                                     .cap = options.backoff_cap,
                                     .growth = internal::RetryPolicy::Growth::Exponential,
                                     .full_jitter = true};
  Transient last;
  for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
    std::variant<DayFetch, Transient> result;
    try {
      result = this->attempt(day_text, url, consumer, sent_etag);
    } catch (const ApiError& e) {
      throw ApiError(e.what(), e.status(), attempt);  // not retried: say after how many
    }
    if (auto* done = std::get_if<DayFetch>(&result)) {
      done->attempts = attempt;
      return std::move(*done);
    }
    last = std::get<Transient>(std::move(result));
    if (!last.connection_clean) {
      // The next request, of this day or the next, must not read what is left of this answer.
      fresh_connection();
      set_option(curl.get(), CURLOPT_URL, "CURLOPT_URL", url.c_str());
      set_option(curl.get(), CURLOPT_HTTPHEADER, "CURLOPT_HTTPHEADER", headers.get());
      forget.h = curl.get();
    }
    if (!policy.retries_after(attempt)) break;
    const milliseconds wait = last.wait ? *last.wait : policy.delay(attempt, rng);
    const LogContext attempt_field{{"day", day_text}, {"attempt", attempt}};
    spdlog::warn("{}: attempt {}/{} failed ({}); retrying in {} ms{}", day_text, attempt,
                 policy.attempts, scrub(last.reason), wait.count(),
                 last.wait ? " (Retry-After)" : "");
    std::this_thread::sleep_for(wait);
  }
  throw ApiError(scrub("could not fetch " + day_text + " from " + redact_url(url) +
                       ": gave up after " + std::to_string(options.max_attempts) +
                       (options.max_attempts == 1 ? " attempt" : " attempts") +
                       "; last error: " + last.reason),
                 last.status, options.max_attempts);
}

namespace {

ApiOptions checked(ApiOptions options) {
  const auto errors = options.validate();
  if (errors.empty()) return options;
  throw ConfigError("invalid API settings: " + internal::join(errors, "; "));
}

}  // namespace

ApiClient::ApiClient(ApiOptions options)
    : impl_(std::make_unique<Impl>(checked(std::move(options)))) {}

ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;

DayFetch ApiClient::fetch_day(date::sys_days day, DayConsumer& consumer,
                              const std::optional<std::string>& etag) {
  if (!impl_) throw Error("ApiClient used after it was moved from");
  return impl_->fetch(day, consumer, etag);
}

}  // namespace tributary
