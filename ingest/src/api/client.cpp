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
#include <system_error>
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
#include "common/stop.hpp"
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
  // Shared with the other clients of the run: whether any request reached the API.
  std::shared_ptr<ApiReach> reach;
  internal::CurlEasy curl;
  std::mt19937_64 rng;
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  bool attempt_reached = false;  ///< whether the last attempt got through to the API

  Impl(ApiOptions opts, std::shared_ptr<ApiReach> shared)
      : options(std::move(opts)), reach(shared ? std::move(shared) : std::make_shared<ApiReach>()) {
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
    // A day's body is tens of MB: 256 KiB per read (libcurl's default is 16 KiB) takes a
    // sixteenth of the system calls and body callbacks.
    set_option(h, CURLOPT_BUFFERSIZE, "CURLOPT_BUFFERSIZE", 256L << 10);
    set_option(h, CURLOPT_WRITEFUNCTION, "CURLOPT_WRITEFUNCTION", &internal::on_body);
    set_option(h, CURLOPT_HEADERFUNCTION, "CURLOPT_HEADERFUNCTION", &internal::on_header);
    // The stop request (RunOptions::stop) aborts a transfer, even one that stalls.
    set_option(h, CURLOPT_XFERINFOFUNCTION, "CURLOPT_XFERINFOFUNCTION", &internal::on_progress);
    set_option(h, CURLOPT_NOPROGRESS, "CURLOPT_NOPROGRESS", 0L);
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

  DayFetch fetch(date::sys_days day, DayConsumer& consumer, const std::optional<std::string>& etag,
                 const std::stop_token& stop);

  std::variant<DayFetch, Transient> attempt(const std::string& day, const std::string& url,
                                            DayConsumer& consumer,
                                            const std::optional<std::string>& etag,
                                            const std::stop_token& stop);
  std::string curl_failure(CURLcode code, const internal::Transfer& transfer) const;
  bool got_through(CURLcode code, int status) const;
  ApiUnreachableError unreachable(const std::string& day, const std::string& reason, int attempts,
                                  const std::string& how) const;
};

// Whether an attempt that ended with `code` reached the API (docs: "could not reach" is no
// host, no connection, no TLS session, or a timeout before the connection).
bool ApiClient::Impl::got_through(CURLcode code, int status) const {
  if (code == CURLE_OK || status != 0) return true;
  curl_off_t connected_us = 0;
  const bool tls = starts_with_ci(options.url, "https://");
  curl_easy_getinfo(curl.get(), tls ? CURLINFO_APPCONNECT_TIME_T : CURLINFO_CONNECT_TIME_T,
                    &connected_us);
  return !internal::could_not_reach(code, connected_us > 0);
}

// The error of a day none of whose attempts reached the API; it names API_URL (redacted)
// because that, or the API being down, is what the user has to look at.
// `how` says how the day ended ("gave up after 5 attempts").
ApiUnreachableError ApiClient::Impl::unreachable(const std::string& day, const std::string& reason,
                                                 int attempts, const std::string& how) const {
  return ApiUnreachableError(scrub("could not reach the API at API_URL=" + redact_url(options.url) +
                                   ": " + reason + "; " + how + ", fetching " + day),
                             0, attempts);
}

namespace {

std::string attempts_text(int attempts) {
  return std::to_string(attempts) + (attempts == 1 ? " attempt" : " attempts");
}

}  // namespace

// What went wrong in libcurl's words, with what it means here where libcurl's is misleading.
std::string ApiClient::Impl::curl_failure(CURLcode code, const internal::Transfer& transfer) const {
  std::string reason = std::string(curl_easy_strerror(code)) + " (curl " +
                       std::to_string(static_cast<int>(code)) + ")";
  if (error_buffer[0] != '\0') reason += ": " + std::string(error_buffer.data());
  if (code == CURLE_COULDNT_CONNECT) {
    // libcurl's words ("Couldn't connect to server") hide whether it was refused, unreachable...
    long os_error = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_OS_ERRNO, &os_error);
    if (os_error != 0) {
      reason += " (" + std::system_category().message(static_cast<int>(os_error)) + ")";
    }
  }
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
                                                           const std::optional<std::string>& etag,
                                                           const std::stop_token& stop) {
  CURL* h = curl.get();
  Transfer transfer;
  transfer.consumer = &consumer;
  transfer.stop = stop;
  transfer.max_body_bytes = options.max_body_bytes;
  error_buffer[0] = '\0';
  set_option(h, CURLOPT_WRITEDATA, "CURLOPT_WRITEDATA", static_cast<void*>(&transfer));
  set_option(h, CURLOPT_HEADERDATA, "CURLOPT_HEADERDATA", static_cast<void*>(&transfer));
  set_option(h, CURLOPT_XFERINFODATA, "CURLOPT_XFERINFODATA", static_cast<void*>(&transfer));
  const CURLcode code = curl_easy_perform(h);
  long response_code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response_code);
  if (response_code != 0) transfer.status = static_cast<int>(response_code);
  const int status = transfer.status;
  const std::string where = day + " from " + redact_url(url);
  attempt_reached = got_through(code, status);
  if (attempt_reached) reach->mark_reached();

  if (stop.stop_requested() && code != CURLE_OK) {
    // Aborted by on_progress, or failing because the stop cancelled the consumer's COPY
    // (libcurl closes a connection whose answer it did not read to the end).
    throw internal::Interrupted("stopped while fetching " + where);
  }
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
    // A TLS failure is not retried; the fetch loop says it could not reach the API.
    if (!attempt_reached) throw ApiUnreachableError(reason, status);
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
                                const std::optional<std::string>& etag,
                                const std::stop_token& stop) {
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
  bool any_reached = false;  // an attempt of this day got through to the API
  for (int attempt = 1; attempt <= policy.attempts; ++attempt) {
    // The run gave up on the API (another day could not reach it): no new request.
    if (!any_reached && !reach->reached() && reach->given_up()) {
      if (attempt == 1) {
        std::string message = "did not request " + day_text;
        message += ": the run gave up on the API at API_URL=" + redact_url(options.url);
        throw ApiUnreachableError(scrub(std::move(message)), 0, 0);
      }
      throw unreachable(day_text, last.reason, attempt - 1,
                        "stopped after " + attempts_text(attempt - 1) + " (the run gave up)");
    }
    std::variant<DayFetch, Transient> result;
    try {
      result = this->attempt(day_text, url, consumer, sent_etag, stop);
    } catch (const ApiUnreachableError& e) {
      if (!any_reached) throw unreachable(day_text, e.what(), attempt, "not retried");
      throw ApiError(scrub("could not fetch " + day_text + " from " + redact_url(url) + ": " +
                           e.what() + "; not retried"),
                     0, attempt);
    } catch (const ApiError& e) {
      throw ApiError(e.what(), e.status(), attempt);  // not retried: say after how many
    }
    any_reached = any_reached || attempt_reached;
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
    // Until the run reaches the API, one client speaks for every day in flight.
    const LogContext attempt_field{{"day", day_text}, {"attempt", attempt}};
    spdlog::log(reach->speaks_for(this) ? spdlog::level::warn : spdlog::level::debug,
                "{}: attempt {}/{} failed ({}); retrying in {} ms{}", day_text, attempt,
                policy.attempts, scrub(last.reason), wait.count(),
                last.wait ? " (Retry-After)" : "");
    if (any_reached) {
      internal::sleep_unless_stopped(wait, stop, "waiting to retry a request");
    } else if (!reach->wait_to_retry(wait, stop)) {  // woken: the run gave up on the API
      throw unreachable(day_text, last.reason, attempt,
                        "stopped after " + attempts_text(attempt) + " (the run gave up)");
    } else {
      internal::throw_if_stopped(stop, "waiting to retry a request");
    }
  }
  if (!any_reached) {
    throw unreachable(day_text, last.reason, options.max_attempts,
                      "gave up after " + attempts_text(options.max_attempts));
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

ApiClient::ApiClient(ApiOptions options, std::shared_ptr<ApiReach> reach)
    : impl_(std::make_unique<Impl>(checked(std::move(options)), std::move(reach))) {}

ApiClient::~ApiClient() = default;
ApiClient::ApiClient(ApiClient&&) noexcept = default;
ApiClient& ApiClient::operator=(ApiClient&&) noexcept = default;

DayFetch ApiClient::fetch_day(date::sys_days day, DayConsumer& consumer,
                              const std::optional<std::string>& etag,
                              const std::stop_token& stop) {
  if (!impl_) throw Error("ApiClient used after it was moved from");
  internal::throw_if_stopped(stop, "about to fetch a day");
  return impl_->fetch(day, consumer, etag, stop);
}

}  // namespace tributary
