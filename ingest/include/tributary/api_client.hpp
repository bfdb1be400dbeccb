#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

namespace tributary {

/// How the client talks to the events API. Plain values with defaults.
struct ApiOptions {
  std::string url;    ///< base URL, e.g. http://127.0.0.1:8085/events; `?date=` is appended
                      ///< (so the URL must not carry a `date` parameter of its own)
  std::string token;  ///< sent as the `api-token` header; never logged
  int max_attempts = 5;                                    ///< per day, first try included
  std::chrono::milliseconds backoff_base{500};             ///< first retry waits up to this
  std::chrono::milliseconds backoff_cap{30'000};           ///< no wait is longer
  std::chrono::milliseconds retry_after_cap{120'000};      ///< a longer Retry-After is cut to this
  std::chrono::milliseconds connect_timeout{10'000};
  long low_speed_limit = 1024;  ///< bytes/s below which the body is too slow ...
  std::chrono::seconds low_speed_time{30};                 ///< ... for this long: the attempt fails
  std::chrono::seconds attempt_timeout{3600};  ///< no attempt lasts longer, however it trickles
  std::uint64_t max_body_bytes = 4ULL << 30;               ///< larger bodies fail the day
  bool insecure_skip_tls_verify = false;                   ///< loudly logged when true
  std::uint64_t jitter_seed = 0;                           ///< 0: seeded from the clock
  /// How long after a day ends the API serves all of it (TRIBUTARY_AVAILABILITY_LAG, `2h`):
  /// before that the day is `incomplete`.
  std::chrono::minutes availability_lag{120};

  /// One message per bad field, naming it; empty when all are good.
  std::vector<std::string> validate() const;
};

/// Receives the body of a day as it streams in. A retried request starts again with
/// `begin_attempt()`, so nothing from a failed attempt is counted twice.
class DayConsumer {
 public:
  virtual ~DayConsumer() = default;
  /// A new attempt starts: forget everything consumed so far.
  virtual void begin_attempt() = 0;
  /// The next bytes of a 200 body that is a JSON array (decompressed).
  virtual void consume(std::string_view bytes) = 0;
  /// The body is complete. Throws (models::PayloadError) when it is not a valid array: the
  /// client treats that as transient and retries.
  virtual void finish() = 0;
};

/// What a day's request came to.
enum class FetchOutcome {
  Events,       ///< 200 with a JSON array, streamed to the consumer
  Empty,        ///< `{"detail":"No event found for date"}`
  NotModified,  ///< 304 to the If-None-Match this request sent (a 304 to a request without
                ///< one is a transient error, never "unchanged")
};

/// The value of one successful `fetch_day`.
struct DayFetch {
  FetchOutcome outcome = FetchOutcome::Events;
  int status = 0;                   ///< HTTP status of the final answer
  std::optional<std::string> etag;  ///< ETag of the final answer, if any
  int attempts = 0;                 ///< requests made, the successful one included
  std::uint64_t body_bytes = 0;     ///< decompressed bytes of the final body
  std::string detail;               ///< the server's `detail`, when it sent one
};

/// What the clients fetching for one run share about the API (thread-safe): whether any of
/// their requests has reached it yet, and whether the run gave up on it. A run that has not
/// reached the API stops on the first day that throws ApiUnreachableError; the days then
/// waiting to retry wake and throw it too.
class ApiReach {
 public:
  /// Whether a request got through to the API: an answer, or at least a connection.
  bool reached() const noexcept { return reached_.load(); }
  /// A request got through.
  void mark_reached() noexcept { reached_.store(true); }
  /// The run gives up on the API: clients waiting to retry wake at once.
  void give_up();
  /// Whether give_up() was called.
  bool given_up() const;
  /// Waits `wait`, or less when the run gives up or `stop` is requested meanwhile; false
  /// when the run gave up.
  bool wait_to_retry(std::chrono::milliseconds wait, const std::stop_token& stop = {});
  /// Whether `client` logs its failed attempts as warnings. While nothing has reached the
  /// API only the first client to ask does: the others would say the same once per day in
  /// flight. Once the API was reached, every client does.
  bool speaks_for(const void* client) noexcept;

 private:
  std::atomic<bool> reached_{false};
  std::atomic<const void*> voice_{nullptr};
  mutable std::mutex mutex_;
  std::condition_variable_any woken_;
  bool given_up_ = false;  // guarded by mutex_
};

/// Client of the events API over libcurl: one connection kept alive across days. Not
/// thread-safe: one client per fetching thread.
class ApiClient {
 public:
  /// Throws ConfigError when the options are invalid. `reach` is shared by the clients of
  /// one run (one per fetching thread); without one the client keeps its own.
  explicit ApiClient(ApiOptions options, std::shared_ptr<ApiReach> reach = nullptr);
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;
  ApiClient(ApiClient&&) noexcept;
  ApiClient& operator=(ApiClient&&) noexcept;

  /// Fetches one day as docs/api-format.md describes: retries transient failures with
  /// exponential backoff and full jitter, honours Retry-After, sends If-None-Match when
  /// `etag` is given. Throws AuthError (401/403, never retried), ApiUnreachableError (no
  /// attempt reached the API: refused, unknown host, TLS failure, connect timeout; or the
  /// run gave up on it, see ApiReach) or ApiError (retries exhausted, or another 4xx).
  /// Messages name the day and the URL, never the token.
  /// A request on `stop` aborts the transfer or the wait before a retry within about a
  /// second; the fetch then throws tributary::Error (the library's internal Interrupted).
  DayFetch fetch_day(date::sys_days day, DayConsumer& consumer,
                     const std::optional<std::string>& etag = std::nullopt,
                     const std::stop_token& stop = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tributary
